import { strict as assert } from "node:assert";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { isValidHl7PathList } from "../lib/hl7";
import { CLIENT_DEFAULTS } from "../lib/sante";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { freePort } from "./helpers/fault-server";
import { BUILT_NODES_DIR, NODE_TYPES, PACKAGE_NAME, packageRoot, readPackageJson } from "./helpers/nr-package";

const root = packageRoot();

describe("the package as Node-RED's registry sees it", () => {
  it("package.json lists each node set with its compiled .js, and ships resources/", () => {
    const pkg = readPackageJson();
    assert.deepEqual(Object.keys(pkg["node-red"].nodes).sort(), [...NODE_TYPES].sort());
    for (const [type, file] of Object.entries(pkg["node-red"].nodes)) {
      assert.equal(file, `dist/nodes/${type}.js`);
    }
    assert.ok(pkg.files.some((f) => f.replace(/\/$/, "") === "resources"));
  });

  for (const type of NODE_TYPES) {
    it(`${type}: the build puts .js, .html, icon and catalogs side by side`, () => {
      for (const file of [`${type}.js`, `${type}.html`, `locales/en-US/${type}.json`, `locales/en-US/${type}.html`]) {
        assert.ok(existsSync(join(BUILT_NODES_DIR, file)), file);
      }
      const html = readFileSync(join(BUILT_NODES_DIR, `${type}.html`), "utf8");
      assert.match(html, new RegExp(`<script type="text/html" data-template-name="${type}">`));
      assert.match(html, new RegExp(`RED\\.nodes\\.registerType\\("${type}",`));
      assert.match(html, /<script src="resources\/node-red-contrib-sante-pacs\/sante-pacs-editor\.js"><\/script>/);
      const icon = /icon: "([^"]+)"/.exec(html)?.[1];
      if (type !== "sante-pacs-server") {
        assert.ok(icon && existsSync(join(BUILT_NODES_DIR, "icons", icon)), `icon ${icon}`);
        assert.match(html, /category: "Sante PACS"/);
      }
    });
  }

  describe("the shared editor script's hl7 path check", () => {
    const script = readFileSync(join(root, "resources", "sante-pacs-editor.js"), "utf8");
    const window: { SantePacsEditor?: { isHl7PathList(v: string): boolean } } = {};
    runInNewContext(script, { window });
    const editor = window.SantePacsEditor;

    it("accepts the documented examples and refuses what the runtime refuses", () => {
      assert.ok(editor);
      const good = ["PID-3.1", "pid-3.1", "PID-3[MR].1", "PID-3[type=MR].1", "PID-3[auth=HOSP_A&1.2.3&ISO].1"];
      good.push("OBX[2]-5", "OBX[3.1=110180]-5", "IPC-3.1,ZDS-1.1", "IPC-3.1, ZDS-1.1", "PID-3[2].1.2", "ZDS-1");
      for (const ok of good) assert.equal(editor.isHl7PathList(ok), true, ok);
      const bad = ["", "payload", "PID", "PID-0", "PID-3.1.2.3", "PID-3.", "PID-3[].1", "PID-3.1,", "PID-3[ MR].1"];
      bad.push("OBX[0]-5", "PID-3[a=b].1", "PID-3[0].1", "P-3", "PID-3 .1");
      for (const no of bad) assert.equal(editor.isHl7PathList(no), false, no);
    });

    it("agrees with the runtime parser (lib/hl7) on any string", () => {
      assert.ok(editor);
      const unit = fc.constantFrom(..."PIDOBXpd0123456789[]=.,- MRtypeauth&_".split(""));
      const digits = fc.constantFrom("0", "1", "2", "10", "0001", "123456", "1234567", "");
      const words = ["MR", "type=MR", "auth=HOSP", "auth=", " MR", "MR ", "a=b", "3.1=110180", "0.1=x", "3=", "TYPE=x"];
      const inside = fc.oneof(digits, fc.constantFrom(...words, "auth=A&B", "M R"), fc.string({ unit, maxLength: 6 }));
      const path = fc
        .tuple(fc.constantFrom("PID", "pid", "OBX", "Z1X", "1AB", "PI"), fc.option(inside), digits)
        .chain(([seg, sel, field]) =>
          fc.tuple(fc.option(inside), fc.option(digits), fc.option(digits)).map(([rep, c, sc]) => {
            const selector = (x: string | null) => (x === null ? "" : `[${x}]`);
            const sub = c !== null && sc !== null ? `.${sc}` : "";
            return `${seg}${selector(sel)}-${field}${selector(rep)}${c === null ? "" : `.${c}`}${sub}`;
          }),
        );
      const list = fc
        .array(path, { minLength: 1, maxLength: 3 })
        .chain((paths) => fc.constantFrom(",", ", ").map((sep) => paths.join(sep)));
      fc.assert(
        fc.property(fc.oneof(list, fc.string({ unit, maxLength: 20 })), (text) => {
          assert.equal(editor.isHl7PathList(text), isValidHl7PathList(text), JSON.stringify(text));
        }),
        { numRuns: 5000 },
      );
    });
  });

  describe("served by a real Node-RED 4 editor", function () {
    this.timeout(60000);
    let child: ChildProcess;
    let userDir: string;
    let base: string;
    let sim: RunningSimulator;
    let log = "";

    before(async () => {
      sim = await startSimulator({ port: 0 });
      userDir = mkdtempSync(join(tmpdir(), "sante-nr-"));
      const port = await freePort();
      base = `http://127.0.0.1:${port}/`;
      const settings = {
        uiPort: port,
        uiHost: "127.0.0.1",
        userDir,
        nodesDir: [root],
        flowFile: "flows.json",
        editorTheme: { tours: false },
        telemetry: { enabled: false },
        logging: { console: { level: "warn" } },
      };
      writeFileSync(join(userDir, "settings.js"), `module.exports = ${JSON.stringify(settings)};\n`);
      const red = require.resolve("node-red/red.js");
      child = spawn(process.execPath, [red, "--settings", join(userDir, "settings.js")], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
      const started = Date.now();
      while (
        child.exitCode === null &&
        !(await fetch(`${base}settings`).then(
          (r) => r.ok,
          () => false,
        ))
      ) {
        if (Date.now() - started > 45000) throw new Error(`Node-RED did not start:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(child.exitCode, null, log);
    });

    after(async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await exited;
      }
      rmSync(userDir, { recursive: true, force: true });
      await sim.close();
    });

    it("loads all four node sets from the package, without errors", async () => {
      const list = (await (await fetch(`${base}nodes`, { headers: { Accept: "application/json" } })).json()) as Array<{
        module: string;
        name: string;
        types: string[];
        enabled: boolean;
        err?: string;
      }>;
      const ours = list.filter((s) => s.module === PACKAGE_NAME);
      assert.deepEqual(ours.map((s) => s.name).sort(), [...NODE_TYPES].sort(), log);
      for (const set of ours) {
        assert.deepEqual([set.types, set.enabled, set.err], [[set.name], true, undefined], set.name);
      }
    });

    it("serves the editor templates with help from locales/en-US", async () => {
      const html = await (
        await fetch(`${base}nodes`, { headers: { Accept: "text/html", "Accept-Language": "en-US" } })
      ).text();
      for (const type of NODE_TYPES) {
        assert.ok(html.includes(`data-template-name="${type}"`), type);
        assert.ok(html.includes(`data-help-name="${type}"`), `help for ${type}`);
      }
    });

    it("serves each node's message catalog, as the editor asks for them", async () => {
      const catalogs = (await (await fetch(`${base}nodes/messages?lng=en-US`)).json()) as Record<string, object>;
      for (const type of NODE_TYPES) {
        const catalog = catalogs[`${PACKAGE_NAME}/${type}`] as Record<string, { label?: object }> | undefined;
        assert.ok(catalog?.[type]?.label, `catalog of ${type}`);
      }
      const study = catalogs[`${PACKAGE_NAME}/sante-study-token`] as {
        "sante-study-token": { label: { node: string } };
      };
      assert.equal(study["sante-study-token"].label.node, "study token");
    });

    it("serves the shared editor script and the icons", async () => {
      const script = await fetch(`${base}resources/${PACKAGE_NAME}/sante-pacs-editor.js`);
      assert.equal(script.status, 200);
      assert.match(await script.text(), /SantePacsEditor/);
      // The editor's defaults are the runtime's own, written by the build: not a copy kept in the .html.
      const defaults = await fetch(`${base}resources/${PACKAGE_NAME}/sante-pacs-defaults.js`);
      assert.equal(defaults.status, 200);
      const window: { SantePacsDefaults?: { client?: unknown } } = {};
      runInNewContext(await defaults.text(), { window });
      assert.deepEqual(JSON.parse(JSON.stringify(window.SantePacsDefaults?.client)), CLIENT_DEFAULTS);
      for (const icon of ["sante-study-token.svg", "sante-patient-tokens.svg", "sante-viewer-link.svg"]) {
        const res = await fetch(`${base}icons/${PACKAGE_NAME}/${icon}`);
        assert.equal(res.status, 200, icon);
        assert.match(await res.text(), /^<svg /);
      }
    });

    it("answers Test connection through the real admin API and its permission check", async () => {
      const res = await fetch(`${base}sante-pacs-server/test`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          host: "127.0.0.1",
          port: sim.port,
          studyInstanceUid: "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642",
        }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        ok: true,
        message: `The PACS at 127.0.0.1:${sim.port} knows this study.`,
        tokenPreview: "JH89…",
      });
    });
  });
});
