/**
 * The package as a user's Node-RED runs it: red.js (what `node-red` starts),
 * our package loaded through settings.nodesDir, the editor's files asked for
 * over HTTP as the editor asks for them, and the example flows taken from the
 * library's Import ▸ Examples list and deployed. `npm run test:compat` runs
 * this file on every Node-RED version we claim (nr-runtime.ts).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { encryptedCredentials } from "../demo/credentials";
import { mergeExamples, type FlowNode } from "../demo/flows";
import { CLIENT_DEFAULTS } from "../lib/sante";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { EXAMPLE_PATIENT_ID, EXAMPLE_STUDIES } from "./helpers/browser-vendor-data";
import { freePort } from "./helpers/fault-server";
import { until } from "./helpers/nr-flows";
import { BUILT_NODES_DIR, NODE_TYPES, PACKAGE_NAME } from "./helpers/nr-package";
import { startNodeRed, type NodeRedProcess } from "./helpers/nr-process";
import { NODE_RED_VERSION } from "./helpers/nr-runtime";

const LANGUAGES = ["en-US", "de", "es-ES", "fr", "ja", "zh-CN"];
const EXAMPLE_FILES = [
  "01 - Study link from an HL7 order (MLLP)",
  "02 - Patient studies web page",
  "03 - ADT feed prefetch",
  "04 - Error handling",
];

type Tree = { [key: string]: string | Tree };

/** "a.b.c" → text, for every string in a catalog. */
function leaves(tree: Tree | undefined, prefix = "", into = new Map<string, string>()): Map<string, string> {
  for (const [key, value] of Object.entries(tree ?? {})) {
    if (typeof value === "string") into.set(prefix + key, value);
    else leaves(value, `${prefix}${key}.`, into);
  }
  return into;
}

/** Lines Node-RED logged at warn or error level ("29 Nov 22:30:01 - [warn] …"). */
function warnings(log: string): string[] {
  return log.split("\n").filter((line) => /\[(warn|error)\]/.test(line));
}

describe(`the package in a real Node-RED ${NODE_RED_VERSION} process (red.js, nodesDir)`, function () {
  // Node-RED starts in a few seconds here; the limit only stops a hang.
  this.timeout(60_000);
  let sim: RunningSimulator | undefined;
  let red: NodeRedProcess | undefined;
  let userDir: string;

  before(async () => {
    sim = await startSimulator({ port: 0 });
    userDir = mkdtempSync(join(tmpdir(), "sante-nr-"));
    // A user directory as after the first start (a credential secret and its credentials file, projects not
    // asked about), so that the log holds only what loading and deploying our package gives.
    const credentialSecret = "sante-test";
    writeFileSync(join(userDir, "flows_cred.json"), JSON.stringify(encryptedCredentials(credentialSecret)));
    red = await startNodeRed(userDir, { credentialSecret, editorTheme: { tours: false, projects: {} } });
  });

  after(async () => {
    await red?.stop();
    rmSync(userDir, { recursive: true, force: true });
    await sim?.close();
  });

  const running = (): NodeRedProcess => {
    if (!red) throw new Error("Node-RED did not start");
    return red;
  };
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${running().base}${path}`, { headers });

  it("loads all our node sets from the package, without errors", async () => {
    const list = (await (await get("nodes", { Accept: "application/json" })).json()) as Array<{
      module: string;
      name: string;
      types: string[];
      enabled: boolean;
      err?: string;
    }>;
    const ours = list.filter((s) => s.module === PACKAGE_NAME);
    assert.deepEqual(ours.map((s) => s.name).sort(), [...NODE_TYPES].sort(), running().log);
    for (const set of ours) {
      assert.deepEqual([set.types, set.enabled, set.err], [[set.name], true, undefined], set.name);
    }
  });

  for (const lang of LANGUAGES) {
    it(`${lang}: serves the editor templates, the help and the message catalogs in that language`, async () => {
      const html = await (await get("nodes", { Accept: "text/html", "Accept-Language": lang })).text();
      const catalogs = (await (await get(`nodes/messages?lng=${lang}`)).json()) as Record<string, unknown>;
      for (const type of NODE_TYPES) {
        assert.ok(html.includes(`data-template-name="${type}"`), type);
        // The help's first paragraph, as locales/<lang>/<type>.html words it.
        const help = readFileSync(join(BUILT_NODES_DIR, "locales", lang, `${type}.html`), "utf8");
        const intro = /<p>[\s\S]*?<\/p>/.exec(help)?.[0];
        assert.ok(intro && html.includes(intro), `${lang} help for ${type}`);
        // Served as the editor gets it: our texts for that language, merged over en-US (plural forms a language lacks).
        const catalog = JSON.parse(
          readFileSync(join(BUILT_NODES_DIR, "locales", lang, `${type}.json`), "utf8"),
        ) as Tree;
        const served = leaves(catalogs[`${PACKAGE_NAME}/${type}`] as Tree);
        for (const [key, text] of leaves(catalog)) {
          // From 4.1 on, Node-RED folds a JSON v3 plural (`_plural`, for 3.1 and 4.0) into `_other` as it loads it.
          const folded = served.get(key) ?? served.get(key.replace(/_plural$/, "_other"));
          assert.equal(folded, text, `${lang} ${type} ${key}`);
        }
      }
    });
  }

  it("serves the shared editor script and the icons", async () => {
    const script = await get(`resources/${PACKAGE_NAME}/sante-pacs-editor.js`);
    assert.equal(script.status, 200);
    assert.match(await script.text(), /SantePacsEditor/);
    // The editor's defaults are the runtime's own, written by the build: not a copy kept in the .html.
    const defaults = await get(`resources/${PACKAGE_NAME}/sante-pacs-defaults.js`);
    assert.equal(defaults.status, 200);
    const window: { SantePacsDefaults?: { client?: unknown } } = {};
    runInNewContext(await defaults.text(), { window });
    assert.deepEqual(JSON.parse(JSON.stringify(window.SantePacsDefaults?.client)), CLIENT_DEFAULTS);
    for (const icon of ["sante-study-token.svg", "sante-patient-tokens.svg", "sante-viewer-link.svg"]) {
      const res = await get(`icons/${PACKAGE_NAME}/${icon}`);
      assert.equal(res.status, 200, icon);
      assert.match(await res.text(), /^<svg /);
    }
  });

  it("answers Test connection through the real admin API and its permission check", async () => {
    const res = await fetch(`${running().base}sante-pacs-server/test`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        host: "127.0.0.1",
        port: sim?.port,
        studyInstanceUid: "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642",
      }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      ok: true,
      message: `The PACS at 127.0.0.1:${sim?.port} knows this study.`,
      tokenPreview: "JH89…",
    });
  });

  describe("the example flows, imported from Import ▸ Examples and deployed", function () {
    before(async () => {
      const examples = [];
      for (const name of EXAMPLE_FILES) {
        const res = await get(`library/examples/flows/${PACKAGE_NAME}/${encodeURIComponent(name)}`);
        assert.equal(res.status, 200, name);
        examples.push({ file: name, label: name.replace(/^\d+ - /, ""), nodes: (await res.json()) as FlowNode[] });
      }
      const [ordersPort, adtPort, hisPort] = [await freePort(), await freePort(), await freePort()];
      const flows = mergeExamples(examples, { pacsPort: sim?.port ?? 0, ordersPort, adtPort, hisPort });
      const started = (running().log.match(/Started flows/g) ?? []).length;
      const res = await fetch(`${running().base}flows`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Node-RED-Deployment-Type": "full" },
        body: JSON.stringify(flows),
      });
      assert.equal(res.status, 204, await res.text());
      await until(() => (running().log.match(/Started flows/g) ?? []).length > started, "the deployed flows", 20_000);
    });

    it("lists the four examples under the package's name", async () => {
      const modules = (await (await get("library/examples/flows/")).json()) as string[];
      assert.ok(modules.includes(PACKAGE_NAME), JSON.stringify(modules));
      // Entries are sub-folders (strings) and flows ({ fn }).
      const entries = (await (await get(`library/examples/flows/${PACKAGE_NAME}`)).json()) as Array<
        string | { fn: string }
      >;
      const flows = entries.flatMap((e) => (typeof e === "string" ? [] : [e.fn]));
      assert.deepEqual(flows, EXAMPLE_FILES);
    });

    it("deploys them without a warning or an error in Node-RED's log", () => {
      assert.deepEqual(warnings(running().log), [], running().log);
    });

    it("example 02 answers its page, and 404 and 502 by error code", async () => {
      const page = await get(`sante/patients/${EXAMPLE_PATIENT_ID}`);
      assert.equal(page.status, 200);
      const html = await page.text();
      for (const study of EXAMPLE_STUDIES) assert.ok(html.includes(study.token), study.studyInstanceUid);
      const invalid = await get("sante/patients/a%5Cb");
      assert.equal(invalid.status, 404);
      assert.match(await invalid.text(), /data-code="SANTE_INVALID_INPUT"/);
      // The PACS goes away: every lookup now ends with SANTE_CONNECTION.
      await sim?.close();
      sim = undefined;
      const down = await get(`sante/patients/${EXAMPLE_PATIENT_ID}`);
      assert.equal(down.status, 502);
      assert.match(await down.text(), /data-code="SANTE_CONNECTION"/);
    });
  });
});
