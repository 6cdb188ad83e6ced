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
import { CONFIG_TYPES, NODE_TYPES, packageRoot } from "./helpers/nr-package";

interface Definition {
  category: string;
  color?: string;
  inputs?: number;
  outputs?: number;
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

  it("registers every type: the lookup nodes and the HL7 nodes in one palette category, each family one colour", () => {
    assert.deepEqual([...defs.keys()].sort(), [...NODE_TYPES].sort());
    for (const type of CONFIG_TYPES) assert.equal(defs.get(type)?.category, "config", type);
    const flowNodes = NODE_TYPES.filter((t) => !CONFIG_TYPES.includes(t));
    assert.deepEqual(new Set(flowNodes.map((t) => defs.get(t)?.category)), new Set(["Sante PACS"]));
    const colours = (hl7: boolean) =>
      new Set(flowNodes.filter((t) => t.startsWith("sante-hl7-") === hl7).map((t) => defs.get(t)?.color));
    assert.deepEqual(colours(false), new Set(["#3FADB5"]));
    assert.deepEqual(colours(true), new Set(["#B9D9B5"]));
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
    assert.deepEqual(value("sante-study-token"), {
      ...lookup,
      outputs: 1,
      wait: false,
      waitPlan: "10x1m, 10x5m, 12x15m, 68x1h",
      waitDeadline: "3d",
    });
    assert.deepEqual(value("sante-patient-tokens"), { ...lookup, split: false });
    assert.deepEqual(value("sante-hl7-endpoint"), {
      name: "",
      host: "127.0.0.1",
      port: "2575",
      tls: undefined,
      timeout: "10000",
      connections: "1",
      retries: "2",
      queueLimit: "10000",
      breakerThreshold: "5",
      breakerCooldown: "10000",
      idleTimeout: "300000",
    });
    assert.deepEqual(value("sante-hl7-send"), { name: "", endpoint: "" });
    assert.deepEqual(value("sante-hl7-result"), {
      name: "",
      property: "payload",
      propertyType: "msg",
      order: "hl7.message",
      shape: "oru",
      controlIdFrom: "new",
      linkCode: "SANTE_LINK",
      linkText: "Sante DICOM Web Viewer link",
      linkSystem: "L",
      sendingApplication: "",
      sendingFacility: "",
      receivingApplication: "",
      receivingFacility: "",
    });
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

  it("validates the HL7 endpoint's numbers in the sender's ranges (blank: the default) and the result's settings", () => {
    const endpoint = (field: string, v: unknown) => check("sante-hl7-endpoint", field, v);
    assert.equal(endpoint("port", "2575"), true);
    assert.equal(endpoint("port", "0"), 'sante-hl7-endpoint.validation.port {"min":1,"max":65535}');
    assert.equal(endpoint("connections", "1025"), 'sante-hl7-endpoint.validation.connections {"min":1,"max":1024}');
    assert.equal(endpoint("retries", "11"), 'sante-hl7-endpoint.validation.retries {"min":0,"max":10}');
    assert.equal(endpoint("retries", ""), true);
    assert.equal(endpoint("idleTimeout", "0"), true);
    assert.equal(endpoint("idleTimeout", "-1"), 'sante-hl7-endpoint.validation.idleTimeout {"min":0,"max":2147483647}');
    assert.equal(endpoint("host", "his host"), "sante-hl7-endpoint.validation.host");
    assert.equal(check("sante-hl7-result", "shape", "status"), true);
    assert.equal(check("sante-hl7-result", "shape", "xml"), "sante-hl7-result.validation.shape");
    assert.equal(check("sante-hl7-result", "shape", ""), true, "blank: the runtime's default");
    assert.equal(check("sante-hl7-result", "controlIdFrom", "order"), true);
    assert.equal(check("sante-hl7-result", "controlIdFrom", ""), true, "blank: the runtime's default");
    assert.equal(check("sante-hl7-result", "controlIdFrom", "msh"), "sante-hl7-result.validation.controlIdFrom");
    assert.equal(check("sante-hl7-result", "sendingApplication", "PACS^1.2.3^ISO"), true);
    assert.equal(check("sante-hl7-result", "receivingFacility", "A^B^C^D"), "sante-hl7-result.validation.designator");
  });

  it("labels the HL7 endpoint host:port and the result node by its shape", () => {
    const label = (type: string, props: Record<string, unknown>) => {
      const { def, self } = node(type, props);
      return def.label.call(self);
    };
    assert.equal(label("sante-hl7-endpoint", { host: "his.local", port: "6661" }), "his.local:6661");
    assert.equal(label("sante-hl7-endpoint", { name: "Main HIS" }), "Main HIS");
    assert.equal(label("sante-hl7-send", {}), "sante-hl7-send.label.node");
    assert.equal(label("sante-hl7-result", {}), "sante-hl7-result.label.node");
    assert.equal(label("sante-hl7-result", { shape: "status" }), "sante-hl7-result.label.node-status");
  });

  it("validates the wait plan and deadline only in wait mode, with a reason", () => {
    const on = { wait: true };
    assert.equal(check("sante-study-token", "waitPlan", "6x10s, 12x5m", on), true);
    assert.equal(
      check("sante-study-token", "waitPlan", "6x10w", on),
      'sante-study-token.validation.wait-plan {"steps":20}',
    );
    assert.equal(check("sante-study-token", "waitPlan", "6x10w", { wait: false }), true, "not checked when off");
    assert.equal(check("sante-study-token", "waitDeadline", "12h", on), true);
    assert.equal(
      check("sante-study-token", "waitDeadline", "400d", on),
      'sante-study-token.validation.wait-deadline {"steps":20}',
    );
  });

  it("labels the study node's second output 'waiting'", () => {
    const def = defs.get("sante-study-token") as unknown as { outputLabels(this: unknown, i: number): string };
    assert.equal(def.outputLabels.call({ _ }, 0), "sante-study-token.label.output");
    assert.equal(def.outputLabels.call({ _ }, 1), "sante-study-token.label.output-waiting");
  });

  it("hl7 in and hl7 reply: the runtime's defaults, labels and validators with a reason", () => {
    const values = (type: string) =>
      Object.fromEntries(Object.entries(defs.get(type)?.defaults ?? {}).map(([k, v]) => [k, v.value]));
    assert.deepEqual(values("sante-hl7-in"), {
      name: "",
      port: "2575",
      host: "",
      allow: "",
      tls: undefined,
      maxMessageBytes: "1048576",
      maxConnections: "100",
      idleTimeout: "600000",
      ackMode: "after-handling",
      replyTimeout: "30000",
      timeoutAck: "AE",
      duplicates: true,
      duplicateWindow: "600000",
    });
    assert.equal(defs.get("sante-hl7-in")?.defaults.tls.type, "tls-config");
    assert.deepEqual(values("sante-hl7-reply"), { name: "", errorAck: "auto" });
    const { def, self } = node("sante-hl7-in", { port: "2576" });
    assert.equal(def.label.call(self), 'sante-hl7-in.label.node-port {"port":"2576"}');
    assert.equal(def.label.call({ ...self, name: "orders" }), "orders");
    const hl7In = (field: string, value: unknown) => check("sante-hl7-in", field, value);
    assert.equal(hl7In("port", "2576"), true);
    assert.equal(hl7In("port", "65536"), 'sante-hl7-in.validation.port {"min":0,"max":65535}');
    assert.equal(hl7In("replyTimeout", "0"), 'sante-hl7-in.validation.replyTimeout {"min":1,"max":2147483647}');
    assert.equal(hl7In("idleTimeout", "0"), true);
    assert.equal(hl7In("maxConnections", "0"), 'sante-hl7-in.validation.maxConnections {"min":1,"max":100000}');
    assert.equal(hl7In("maxMessageBytes", "8"), 'sante-hl7-in.validation.maxMessageBytes {"min":16,"max":1073741824}');
    assert.equal(hl7In("duplicateWindow", "x"), 'sante-hl7-in.validation.duplicateWindow {"min":1,"max":2147483647}');
    assert.equal(hl7In("allow", "10.1.2.3, 10.1.0.0/16\n::1 fd00::/8"), true);
    assert.equal(hl7In("allow", ""), true);
    assert.equal(hl7In("allow", "ris.example.org"), "sante-hl7-in.validation.allow");
    assert.equal(hl7In("host", ""), true);
    assert.equal(hl7In("host", "127.0.0.1"), true);
    assert.equal(hl7In("host", "a b"), "sante-hl7-in.validation.host");
    const reply = defs.get("sante-hl7-reply");
    assert.deepEqual([reply?.inputs, reply?.outputs, defs.get("sante-hl7-in")?.inputs], [1, 0, 0]);
  });

  it("labels ports and the palette", () => {
    for (const type of NODE_TYPES.filter((t) => !CONFIG_TYPES.includes(t))) {
      const def = defs.get(type);
      assert.equal(
        typeof def?.paletteLabel === "function" ? def.paletteLabel.call({ _ }) : def?.paletteLabel,
        `${type}.label.node`,
      );
      if (def?.inputs) assert.equal(def.inputLabels?.call({ _ }), `${type}.label.input`);
      if (def?.outputs) assert.equal(def.outputLabels?.call({ _ }), `${type}.label.output`);
    }
  });
});
