import { strict as assert } from "node:assert";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, posix } from "node:path";
import { isUpToDate } from "../scripts/validate-deps";
import { parseNodeHtml } from "../scripts/validate-node-defs";
import { checkExamples, checkUniqueNames, coreNodeTypes, nodeDefinitions } from "../scripts/validate-nodes";
import {
  checkKeyword,
  checkName,
  checkNodeRedVersion,
  checkNodeVersion,
  checkRepository,
  type NodeRedReleases,
  type PackageJson,
} from "../scripts/validate-package";
import { packedPackage, type PackedPackage } from "../scripts/validate-packed";
import { CONFIG_TYPES, NODE_TYPES, packageRoot } from "./helpers/nr-package";

const root = packageRoot();
const LANGUAGES = ["en-US", "de", "es-ES", "fr", "ja", "zh-CN"];

/** What a user's install needs, and nothing else (no tests, sources, bench, demo, build scripts, secrets). */
const ALLOWED = [
  /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
  /^dist\/(lib|nodes)\/([\w-]+\/)*[\w.-]+\.(js|d\.ts)$/,
  /^dist\/nodes\/sante-[a-z0-9-]+\.html$/,
  /^dist\/nodes\/icons\/[\w.-]+\.(svg|png)$/,
  new RegExp(`^dist/nodes/locales/(${LANGUAGES.join("|")})/sante-[a-z0-9-]+\\.(json|html)$`),
  /^resources\/[\w.-]+\.js$/,
  /^examples\/([\w .()-]+\/)*[\w .()&,'-]+\.(json|hl7|csv)$/,
];
const SECRET_FILE = /(^|\/)(\.env[^/]*|\.npmrc|id_[rd]sa[^/]*|[^/]+\.(pem|key|p12|pfx|crt|cer|jks))$/i;
const SECRET_TEXT = /-----BEGIN [A-Z ]*PRIVATE KEY-----|npm_[A-Za-z0-9]{36}|"_authToken"/;

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [posix.normalize(path.slice(base.length + 1))];
  });
}

describe("npm package contents (npm pack --dry-run)", () => {
  let packed: PackedPackage;
  before(function () {
    this.timeout(60000);
    packed = packedPackage(root);
  });

  it("ships only built JS, editor .html, locales, icons, resources, examples and the docs", () => {
    assert.deepEqual(
      packed.files.filter((f) => !ALLOWED.some((pattern) => pattern.test(f))),
      [],
    );
    for (const part of ["test/", "bench/", "demo/", "scripts/", "dist/test/", "dist/bench/", "dist/demo/"]) {
      assert.ok(!packed.files.some((f) => f.startsWith(part)), `nothing under ${part}`);
    }
    assert.ok(!packed.files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "no TypeScript sources");
    assert.ok(!packed.files.some((f) => f.endsWith(".map")), "no source maps");
  });

  it("ships no secrets: no key, certificate or credential files, no private keys or npm tokens inside files", () => {
    assert.deepEqual(
      packed.files.filter((f) => SECRET_FILE.test(f)),
      [],
    );
    assert.deepEqual(
      packed.files.filter((f) => SECRET_TEXT.test(readFileSync(join(root, f), "utf8"))),
      [],
    );
  });

  it("ships every node's .js and editor .html, and the files package.json points at", () => {
    const nodes = packed.pkg["node-red"]?.nodes ?? {};
    assert.deepEqual(Object.keys(nodes).sort(), [...NODE_TYPES].sort());
    for (const file of Object.values(nodes)) {
      assert.ok(packed.files.includes(file), file);
      assert.ok(packed.files.includes(file.replace(/\.js$/, ".html")), `${file} editor .html`);
    }
    const pkg = packed.pkg as PackageJson & { main?: string; types?: string; bin?: Record<string, string> };
    for (const file of [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {})]) {
      assert.ok(file && packed.files.includes(file.replace(/^\.\//, "")), `${file}`);
    }
    const resources = ["resources/sante-pacs-editor.js", "resources/sante-pacs-defaults.js"];
    for (const file of ["README.md", "LICENSE", "CHANGELOG.md", ...resources]) {
      assert.ok(packed.files.includes(file), file);
    }
  });

  it("ships every file the shipped JavaScript requires", () => {
    const shipped = new Set(packed.files);
    const missing: string[] = [];
    for (const file of packed.files.filter((f) => f.endsWith(".js") && f.startsWith("dist/"))) {
      const source = readFileSync(join(root, file), "utf8");
      for (const [, spec] of source.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
        const target = posix.join(posix.dirname(file), spec);
        if (![target, `${target}.js`, `${target}/index.js`].some((t) => shipped.has(t)))
          missing.push(`${file} → ${spec}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("needs nothing at run time but Node.js built-ins and its declared dependencies", () => {
    const dependencies = Object.keys(packed.pkg.dependencies ?? {});
    const undeclared = new Set<string>();
    for (const file of packed.files.filter((f) => f.endsWith(".js") && f.startsWith("dist/"))) {
      for (const [, spec] of readFileSync(join(root, file), "utf8").matchAll(/require\("([^./][^"]*)"\)/g)) {
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
        if (!builtinModules.includes(name.replace(/^node:/, "")) && !dependencies.includes(name)) {
          undeclared.add(`${file} → ${spec}`);
        }
      }
    }
    assert.deepEqual([...undeclared], []);
  });

  it("ships no stale build output: every shipped .js has its TypeScript source", () => {
    const stale = packed.files
      .filter((f) => /^dist\/(lib|nodes)\//.test(f) && f.endsWith(".js"))
      .filter((f) => !existsSync(join(root, f.replace(/^dist\//, "").replace(/\.js$/, ".ts"))));
    assert.deepEqual(stale, []);
  });

  it("ships every locale's catalog and help for every node, exactly the locales/ tree", () => {
    const expected = filesUnder(join(root, "locales")).map((f) => `dist/nodes/locales/${f}`);
    const shipped = packed.files.filter((f) => f.startsWith("dist/nodes/locales/"));
    assert.deepEqual(shipped.sort(), expected.sort());
    for (const lang of LANGUAGES) {
      for (const type of NODE_TYPES) {
        for (const ext of ["json", "html"]) {
          const file = `dist/nodes/locales/${lang}/${type}.${ext}`;
          assert.ok(shipped.includes(file), file);
        }
      }
    }
  });

  it("ships the icon every node names, beside the node .js where Node-RED looks for it", () => {
    const { definitions, errors } = nodeDefinitions(packed);
    assert.deepEqual(errors, []);
    const icons = definitions.filter((d) => d.category !== "config").map((d) => d.icon);
    assert.equal(icons.length, NODE_TYPES.length - CONFIG_TYPES.length);
    for (const icon of icons) {
      assert.ok(icon && !icon.startsWith("font-awesome/"), "our own icon");
      assert.ok(packed.files.includes(`dist/nodes/icons/${icon}`), `${icon}`);
    }
  });

  it("ships example flows that use every non-config node (flow-library check N02) and a unique type per node (N01)", () => {
    assert.ok(
      packed.files.some((f) => /^examples\/[^/]+\.json$/.test(f)),
      "example flows at examples/*.json",
    );
    const { definitions, errors } = nodeDefinitions(packed);
    const n02 = checkExamples(definitions, packed);
    assert.deepEqual(n02.warnings ?? [], []);
    const used = new Set(n02.data?.nodes as string[] | undefined);
    const missing = definitions.filter((d) => d.category !== "config" && !used.has(d.type)).map((d) => d.type);
    assert.deepEqual(missing, [], n02.message);
    assert.equal(n02.status, "pass", n02.message);
    const n01 = checkUniqueNames(definitions, errors, coreNodeTypes());
    assert.equal(n01.status, "pass", n01.message);
  });

  it("declares license, keywords and engines as the flow library expects", () => {
    const pkg = packed.pkg;
    assert.equal(pkg.license, "Apache-2.0");
    assert.ok(existsSync(join(root, "LICENSE")));
    for (const keyword of ["node-red", "hl7", "pacs", "dicom", "sante"])
      assert.ok(pkg.keywords?.includes(keyword), keyword);
    const installed = JSON.parse(
      readFileSync(join(dirname(require.resolve("node-red/package.json")), "package.json"), "utf8"),
    ) as {
      version: string;
      engines: { node: string };
    };
    const releases: NodeRedReleases = {
      current: [installed.version],
      latestNodeEngines: installed.engines.node,
      source: "",
    };
    assert.equal(
      checkNodeRedVersion(pkg, releases).status,
      "pass",
      "the Node-RED we test with satisfies node-red.version",
    );
    assert.ok(pkg.engines?.node, "engines.node is declared");
  });
});

describe("flow-library scorecard checks (scripts/validate)", () => {
  const pkg = (fields: Partial<PackageJson>): PackageJson => ({
    name: "node-red-contrib-x",
    version: "1.0.0",
    ...fields,
  });
  const releases: NodeRedReleases = { current: ["5.0.7", "4.1.15"], latestNodeEngines: ">=22.9", source: "test" };

  it("P03 wants a usable repository or bugs address, not a placeholder", () => {
    assert.equal(checkRepository(pkg({})).status, "fail");
    assert.equal(checkRepository(pkg({ repository: { type: "git", url: "TODO" } })).status, "fail");
    assert.equal(checkRepository(pkg({ bugs: { url: "https://example.com/issues" } })).status, "fail");
    assert.equal(checkRepository(pkg({ repository: "github:someone/node-red-contrib-x" })).status, "pass");
    assert.equal(
      checkRepository(pkg({ repository: { url: "git+https://git.hospital.local/int/x.git" } })).status,
      "pass",
    );
    assert.equal(checkRepository(pkg({ bugs: { email: "integration@hospital.test" } })).status, "pass");
  });

  it("P04 refuses the node-red prefix without -contrib-, and warns about unscoped names", () => {
    assert.equal(checkName(pkg({ name: "node-red-sante" })).status, "fail");
    assert.equal(checkName(pkg({ name: "noderedsante" })).status, "fail");
    const contrib = checkName(pkg({ name: "node-red-contrib-sante-pacs" }));
    assert.equal(contrib.status, "pass");
    assert.deepEqual(contrib.warnings, ["New Packages should use a scoped name"]);
    assert.deepEqual(checkName(pkg({ name: "@hospital/node-red-sante" })).warnings, undefined);
  });

  it("P05 fails without the node-red keyword (node-red-dev 0.1.6 passes it by mistake)", () => {
    assert.equal(checkKeyword(pkg({ keywords: ["hl7"] })).status, "fail");
    assert.equal(checkKeyword(pkg({ keywords: ["hl7", "node-red"] })).status, "pass");
  });

  it("P06 wants a current Node-RED release inside node-red.version; P07 wants latest Node-RED's Node.js floor", () => {
    assert.equal(checkNodeRedVersion(pkg({ "node-red": {} }), releases).status, "fail");
    assert.equal(checkNodeRedVersion(pkg({ "node-red": { version: ">=3.0.0 <4" } }), releases).status, "fail");
    assert.equal(checkNodeRedVersion(pkg({ "node-red": { version: ">=4.1.0 <5" } }), releases).status, "pass");
    assert.equal(checkNodeVersion(pkg({}), releases).status, "fail");
    assert.equal(checkNodeVersion(pkg({ engines: { node: ">=20 <22" } }), releases).status, "fail");
    assert.equal(checkNodeVersion(pkg({ engines: { node: ">=20" } }), releases).status, "pass");
  });

  it("D03 follows npm-check: the range must admit the latest version, and no major bump from the installed one", () => {
    const registry = (latest: string) => ({
      distTags: { latest },
      versions: ["6.0.0", "7.0.3", "7.1.0", latest],
      latestEngines: {},
    });
    assert.equal(isUpToDate("^7.0.3", "7.0.3", registry("7.1.0")), true);
    assert.equal(isUpToDate("^7.0.3", "7.0.3", registry("8.0.0")), false);
    assert.equal(isUpToDate("~7.0.3", "7.0.3", registry("7.1.0")), false);
    assert.equal(isUpToDate("^0.3.0", "0.3.0", registry("0.3.4")), true);
    assert.equal(isUpToDate("^7.0.3", undefined, registry("7.1.0")), true, "not installed: the best match counts");
  });

  it("N02 counts only flow files that are JSON arrays, and names the nodes no example uses", () => {
    const files: Record<string, string> = {
      "examples/a.json": JSON.stringify([{ type: "sante-study-token" }]),
      "examples/b.json": JSON.stringify({ nodes: [{ type: "sante-viewer-link" }] }),
    };
    const fake: PackedPackage = { root, pkg: pkg({}), files: Object.keys(files), read: (p) => files[p] };
    const defs = [
      { type: "sante-study-token", category: "Sante PACS", defaults: [], credentials: [] },
      { type: "sante-viewer-link", category: "Sante PACS", defaults: [], credentials: [] },
      { type: "sante-pacs-server", category: "config", defaults: [], credentials: [] },
    ];
    const result = checkExamples(defs, fake);
    assert.equal(result.status, "fail");
    assert.match(result.message, /sante-viewer-link$/);
    assert.equal(result.warnings?.length, 1);
    assert.equal(checkExamples(defs, { ...fake, files: [] }).message, "No examples found");
  });

  it("reads node definitions as node-red-dev does: literal registerType calls in text/javascript scripts only", () => {
    const html = [
      '<script src="resources/x/editor.js"></script>',
      '<script type="text/javascript">',
      'RED.nodes.registerType("a-node", { category: "function", color: "#fff", icon: "a.svg", inputs: 1, outputs: 2,',
      '  defaults: { name: { value: "" }, server: { type: "a-config" } } });',
      'RED.nodes.registerType("b-node", { category: "config", color: pick() });',
      "</script>",
      '<script type="text/html" data-template-name="a-node"><input id="node-input-name"></script>',
    ].join("\n");
    const { definitions, errors } = parseNodeHtml(html);
    assert.deepEqual(definitions[0], {
      type: "a-node",
      category: "function",
      color: "#fff",
      icon: "a.svg",
      inputs: 1,
      outputs: 2,
      defaults: ["name", "server"],
      credentials: [],
    });
    assert.equal(definitions[1].category, "config");
    assert.deepEqual(errors, ["b-node: color-not-inline"]);
    assert.deepEqual(parseNodeHtml('<script type="text/html"></script>').errors, ["No <script> sections found"]);
  });
});
