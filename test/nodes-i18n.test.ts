import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { isValidHl7PathList } from "../lib/hl7";
import { keyExists, loadCatalogs, LOCALES_DIR } from "./helpers/nr-i18n";
import { missingKeys } from "./helpers/nr-helper";
import { NODE_TYPES, packageRoot } from "./helpers/nr-package";
import { requireFromNodeRed } from "./helpers/nr-runtime";

const root = packageRoot();

interface NodeRedI18n {
  init(settings: object): Promise<void>;
  registerMessageCatalog(namespace: string, dir: string, file: string): Promise<void>;
  _(key: string, substitutions?: object): string;
}
const KEY = /"([a-z][a-z0-9-]*(?:\.[A-Za-z0-9_-]+)+)"/g;

/** A node's .ts and every nodes/glue module it imports, directly or not. */
function sourcesOf(type: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
      const target = resolve(dirname(file), `${spec}.ts`);
      if (target.includes(`${join("nodes", "glue")}`) && existsSync(target)) visit(target);
    }
  };
  visit(join(root, "nodes", `${type}.ts`));
  return [...seen];
}

/** Keys a TypeScript file asks for: `t("status.x")` below its node type, `RED._("type.x")` in full. */
function keysInTs(source: string, type: string): string[] {
  const keys: string[] = [];
  for (const [, args] of source.matchAll(/\bt\(([^;]*?)\)[;,)\s]/g)) {
    for (const [, key] of args.matchAll(KEY)) keys.push(`${type}.${key}`);
  }
  for (const [, args] of source.matchAll(/\bRED\._\(([^;]*?)\)/g)) {
    for (const [, key] of args.matchAll(KEY)) keys.push(key);
  }
  return keys;
}

/**
 * Keys an editor .html asks for: data-i18n attributes (except core `node-red:` ones) and every string literal
 * naming a key of one of our node types (this._("…"), node._("…"), validator factories, …); file names aside.
 */
function keysInHtml(source: string): string[] {
  const keys: string[] = [];
  for (const [, value] of source.matchAll(/data-i18n="([^"]+)"/g)) {
    for (const part of value.split(";")) {
      const key = part.replace(/^\[[a-z]+\]/, "");
      if (!key.includes(":")) keys.push(key);
    }
  }
  for (const [, key] of source.matchAll(/"(sante-[a-z0-9-]+\.[A-Za-z0-9_.-]+)"/g)) {
    if (!/\.(svg|js|html)$/.test(key)) keys.push(key);
  }
  return keys;
}

describe("message catalogs (en-US)", () => {
  const catalogs = loadCatalogs();

  it("has one catalog and one help file per node, each catalog under its node type", () => {
    for (const type of NODE_TYPES) {
      assert.ok(catalogs.has(type), `locales/en-US/${type}.json`);
      assert.deepEqual(Object.keys(catalogs.get(type) ?? {}), [type]);
      const help = readFileSync(join(LOCALES_DIR, `${type}.html`), "utf8");
      assert.match(help, new RegExp(`data-help-name="${type}"`));
    }
  });

  for (const type of NODE_TYPES) {
    it(`${type}: every key the runtime code uses exists`, () => {
      const keys = sourcesOf(type).flatMap((file) => keysInTs(readFileSync(file, "utf8"), type));
      assert.ok(keys.length > 0, "the scan found the node's keys");
      assert.deepEqual(
        keys.filter((k) => !keyExists(catalogs, k)),
        [],
      );
    });

    it(`${type}: every key the editor .html uses exists`, () => {
      const keys = keysInHtml(readFileSync(join(root, "nodes", `${type}.html`), "utf8"));
      assert.ok(keys.length > 3, "the scan found the editor's keys");
      assert.deepEqual(
        keys.filter((k) => !keyExists(catalogs, k)),
        [],
      );
      assert.ok(
        keys.every((k) => k.startsWith(`${type}.`)),
        "an editor only uses its own node set's catalog",
      );
    });
  }

  it("reads the way Node-RED's own i18n (i18next) reads it, plurals and substitutions included", async () => {
    // @node-red/util ships no type declarations.
    const { i18n } = requireFromNodeRed("@node-red/util") as { i18n: NodeRedI18n };
    await i18n.init({});
    const ns = "test-sante/sante-patient-tokens";
    await i18n.registerMessageCatalog(ns, LOCALES_DIR.replace(/en-US$/, ""), "sante-patient-tokens.json");
    // English whatever the machine's LANG: other languages have catalogs too.
    const t = (key: string, subs: object) => i18n._(`${ns}:sante-patient-tokens.${key}`, { lng: "en-US", ...subs });
    assert.deepEqual(
      [0, 1, 3].map((count) => t("status.studies", { count })),
      ["0 studies", "1 study", "3 studies"],
    );
    assert.equal(t("status.waiting", { count: 2 }), "2 waiting");
    assert.equal(t("errors.no-input", { property: "msg.pid" }), "There is no Patient ID in msg.pid");
  });

  it("help follows Node-RED's sections (Inputs, Outputs, Details, References) and documents the hl7 syntax", () => {
    for (const type of [
      "sante-study-token",
      "sante-patient-tokens",
      "sante-viewer-link",
      "sante-hl7-send",
      "sante-hl7-result",
    ]) {
      const help = readFileSync(join(LOCALES_DIR, `${type}.html`), "utf8");
      const sections = [...help.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
      assert.deepEqual(sections, ["Inputs", "Outputs", "Details", "References"], type);
    }
    const examples: Record<string, string[]> = {
      "sante-study-token": ["SEG[s]-F[r].C.S", "IPC-3.1,ZDS-1.1", "OBX[2]", "OBX[3.1=110180]-5", "[type=MR]"],
      "sante-patient-tokens": ["SEG[s]-F[r].C.S", "PID-3.1", "PID-3[MR].1", "PID-3[type=MR].1", "PID-3[auth=HOSP].1"],
    };
    for (const [type, shown] of Object.entries(examples)) {
      const help = readFileSync(join(LOCALES_DIR, `${type}.html`), "utf8");
      for (const example of shown) assert.ok(help.includes(example), `${type} help shows ${example}`);
      // Every whole path the help shows in <code> is one the runtime accepts.
      for (const [, code] of help.matchAll(/<code>([A-Z][A-Z0-9]{2}(?:\[[^\]<]*\])?-[0-9][^<]*)<\/code>/g)) {
        if (!code.startsWith("SEG")) assert.ok(isValidHl7PathList(code.replace(/&amp;/g, "&")), `${type}: ${code}`);
      }
    }
  });
});

// A root-level hook: it runs after every test file, once all nodes have translated their texts.
after("no node asked for a message key that en-US lacks", () => {
  assert.deepEqual([...missingKeys], []);
});
