/**
 * The editor definitions (<script type="text/javascript"> in nodes/*.html) run
 * here against a stub of the editor's RED and jQuery: enough to catch syntax
 * errors, check defaults, labels and validators. Dialog behaviour in a browser
 * is the browser test's job.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { NODE_TYPES, packageRoot } from "./helpers/nr-package";

interface Definition {
  category: string;
  color?: string;
  defaults: Record<string, { value?: unknown; required?: boolean; type?: string; validate?: Validator }>;
  label(this: Record<string, unknown>): string;
  paletteLabel?: string | ((this: unknown) => string);
  inputLabels?: (this: unknown) => string;
  outputLabels?: (this: unknown) => string;
}
type Validator = (this: unknown, value: unknown, opt?: object) => boolean | string;

const root = packageRoot();
/** The editor's translator stand-in: the key, plus substitutions, so a test sees which text was chosen. */
const _ = (key: string, subs?: object) => (subs ? `${key} ${JSON.stringify(subs)}` : key);

function loadDefinitions(): Map<string, Definition> {
  const defs = new Map<string, Definition>();
  const emptyQuery = () => ({ length: 0, val: () => undefined });
  const RED = {
    nodes: { registerType: (type: string, def: Definition) => defs.set(type, def) },
    validators: { typedInput: () => () => true },
    _,
  };
  const context = { window: {} as Record<string, unknown>, RED, $: emptyQuery };
  // As the browser does: the generated defaults and the shared editor script, then each node's definition.
  for (const script of ["sante-pacs-defaults.js", "sante-pacs-editor.js"]) {
    runInNewContext(readFileSync(join(root, "resources", script), "utf8"), context);
  }
  Object.assign(context, {
    SantePacsEditor: context.window.SantePacsEditor,
    SantePacsDefaults: context.window.SantePacsDefaults,
  });
  for (const type of NODE_TYPES) {
    const html = readFileSync(join(root, "nodes", `${type}.html`), "utf8");
    for (const [, code] of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
      runInNewContext(code, context);
    }
  }
  return defs;
}

describe("the editor definitions", () => {
  const defs = loadDefinitions();
  const node = (type: string, props: Record<string, unknown>) => {
    const def = defs.get(type);
    assert.ok(def, type);
    const values = Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value]));
    return { def, self: { ...values, ...props, _ } };
  };
  const check = (type: string, field: string, value: unknown, props: Record<string, unknown> = {}) => {
    const { def, self } = node(type, props);
    const validate = def.defaults[field].validate;
    assert.ok(validate, `${type}.${field} has a validator`);
    return validate.call(self, value, {});
  };

  it("registers all four types, the lookup nodes in one palette category with one colour", () => {
    assert.deepEqual([...defs.keys()].sort(), [...NODE_TYPES].sort());
    assert.equal(defs.get("sante-pacs-server")?.category, "config");
    const lookups = NODE_TYPES.filter((t) => t !== "sante-pacs-server").map((t) => defs.get(t));
    assert.deepEqual(new Set(lookups.map((d) => d?.category)), new Set(["Sante PACS"]));
    assert.equal(new Set(lookups.map((d) => d?.color)).size, 1);
  });

  it("has the contract's defaults", () => {
    const value = (type: string) =>
      Object.fromEntries(Object.entries(defs.get(type)?.defaults ?? {}).map(([k, v]) => [k, v.value]));
    assert.deepEqual(value("sante-pacs-server"), {
      name: "",
      host: "127.0.0.1",
      port: "2575",
      tls: undefined,
      timeout: "10000",
      connections: "4",
      keepAlive: false,
      webHost: "",
      webPort: "3000",
      ssl: false,
      queueLimit: "10000",
      retries: "2",
      breakerThreshold: "5",
      breakerCooldown: "10000",
      cacheSize: "10000",
      patientCacheSeconds: "0",
      cacheStore: "",
    });
    const lookup = { name: "", server: "", property: "payload", propertyType: "msg", output: "payload" };
    assert.deepEqual(value("sante-study-token"), lookup);
    assert.deepEqual(value("sante-patient-tokens"), { ...lookup, split: false });
    assert.deepEqual(value("sante-viewer-link"), {
      name: "",
      server: "",
      property: "payload",
      propertyType: "msg",
      linkText: "Open this study",
      viewerPath: "C:\\Program Files\\Santesoft\\Sante DICOM Web Viewer\\Sante DICOM Web Viewer.exe",
    });
  });

  it("labels the config node host:port and each lookup node by what it reads", () => {
    const label = (type: string, props: Record<string, unknown>) => {
      const { def, self } = node(type, props);
      return def.label.call(self);
    };
    assert.equal(label("sante-pacs-server", { host: "pacs.local", port: "2600" }), "pacs.local:2600");
    assert.equal(label("sante-pacs-server", { name: "Main PACS" }), "Main PACS");
    assert.equal(label("sante-study-token", {}), "sante-study-token.label.node");
    assert.equal(
      label("sante-study-token", { propertyType: "hl7", property: "IPC-3.1,ZDS-1.1" }),
      'sante-study-token.label.node-from {"from":"HL7 IPC-3.1,ZDS-1.1"}',
    );
    assert.equal(
      label("sante-patient-tokens", { property: "patient.id" }),
      'sante-patient-tokens.label.node-from {"from":"msg.patient.id"}',
    );
    assert.equal(label("sante-viewer-link", { name: "links" }), "links");
  });

  it("validates ports, timeout and connections as whole numbers in range, with a reason", () => {
    for (const ok of ["1", "2575", "65535", 3000])
      assert.equal(check("sante-pacs-server", "port", ok), true, String(ok));
    for (const bad of ["0", "65536", "25.5", "-1", "http", ""]) {
      assert.equal(
        check("sante-pacs-server", "port", bad),
        'sante-pacs-server.validation.port {"min":1,"max":65535}',
        bad,
      );
    }
    assert.equal(
      check("sante-pacs-server", "webPort", "70000"),
      'sante-pacs-server.validation.port {"min":1,"max":65535}',
    );
    assert.equal(
      check("sante-pacs-server", "timeout", "0"),
      'sante-pacs-server.validation.timeout {"min":1,"max":2147483647}',
    );
    assert.equal(check("sante-pacs-server", "timeout", "500"), true);
    assert.equal(
      check("sante-pacs-server", "connections", "0"),
      'sante-pacs-server.validation.connections {"min":1,"max":1024}',
    );
    assert.equal(check("sante-pacs-server", "host", "pacs host"), "sante-pacs-server.validation.host");
    assert.equal(check("sante-pacs-server", "webHost", ""), true);
  });

  it("validates an hl7 property as a field path list, and a viewer path without quotes", () => {
    const hl7 = { propertyType: "hl7" };
    assert.equal(check("sante-study-token", "property", "IPC-3.1,ZDS-1.1", hl7), true);
    assert.equal(check("sante-patient-tokens", "property", "PID-3[MR].1", hl7), true);
    assert.equal(check("sante-patient-tokens", "property", "payload", hl7), "sante-patient-tokens.validation.hl7-path");
    assert.equal(check("sante-study-token", "property", "payload", { propertyType: "msg" }), true);
    assert.equal(check("sante-viewer-link", "viewerPath", 'C:\\a "b"'), "sante-viewer-link.validation.viewer-path");
  });

  it("labels ports and the palette", () => {
    for (const type of NODE_TYPES.filter((t) => t !== "sante-pacs-server")) {
      const def = defs.get(type);
      assert.equal(
        typeof def?.paletteLabel === "function" ? def.paletteLabel.call({ _ }) : def?.paletteLabel,
        `${type}.label.node`,
      );
      assert.equal(def?.inputLabels?.call({ _ }), `${type}.label.input`);
      assert.equal(def?.outputLabels?.call({ _ }), `${type}.label.output`);
    }
  });
});
