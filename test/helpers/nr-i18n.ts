import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The built package's en-US message catalogs (copied beside the node .js files by the build). */
export const LOCALES_DIR = resolve(__dirname, "..", "..", "nodes", "locales", "en-US");

type Catalog = { [key: string]: string | Catalog };

export function loadCatalogs(): Map<string, Catalog> {
  const catalogs = new Map<string, Catalog>();
  for (const file of readdirSync(LOCALES_DIR).filter((f) => f.endsWith(".json"))) {
    catalogs.set(file.replace(/\.json$/, ""), JSON.parse(readFileSync(join(LOCALES_DIR, file), "utf8")) as Catalog);
  }
  return catalogs;
}

/** The text of `key` ("<node-type>.a.b") in that node's catalog, with i18next's plural forms; undefined if missing. */
export function lookupKey(catalogs: Map<string, Catalog>, key: string, count?: number): string | undefined {
  const [type] = key.split(".");
  let node: string | Catalog | undefined = catalogs.get(type);
  const path = key.split(".");
  for (let i = 0; i < path.length; i++) {
    if (typeof node !== "object") return undefined;
    const last = i === path.length - 1;
    const plural: string | Catalog | undefined =
      last && count !== undefined ? node[`${path[i]}_${count === 1 ? "one" : "other"}`] : undefined;
    node = plural ?? node[path[i]];
  }
  return typeof node === "string" ? node : undefined;
}

/** Keys "<type>.x" exist when the catalog has "x" or its plural forms "x_one"/"x_other". */
export function keyExists(catalogs: Map<string, Catalog>, key: string): boolean {
  return lookupKey(catalogs, key) !== undefined || lookupKey(catalogs, key, 2) !== undefined;
}

/**
 * A stand-in for Node-RED's runtime RED._ that really reads our catalogs (the
 * test helper's own RED._ returns keys), so tests see the texts users see and
 * any key missing from en-US is recorded.
 */
export function catalogTranslator(
  missing: Set<string>,
): (key: string, subs?: Record<string, string | number>) => string {
  const catalogs = loadCatalogs();
  return (key, subs) => {
    const count = typeof subs?.count === "number" ? subs.count : undefined;
    const text = lookupKey(catalogs, key, count);
    if (text === undefined) {
      missing.add(key);
      return key;
    }
    return text.replace(/__([A-Za-z0-9_]+)__/g, (whole, name: string) =>
      subs && name in subs ? String(subs[name]) : whole,
    );
  };
}
