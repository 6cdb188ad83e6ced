/**
 * The node checks of node-red-dev validate (src/libs/checknodes.js): N01 node types are unique, N02 every
 * non-config node is used in an example flow. N01's lookup in the flow catalogue needs catalogue.nodered.org; offline
 * it checks what it can: types unique within the package and not clashing with Node-RED's core nodes.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseNodeHtml, type NodeDefinition } from "./validate-node-defs";
import type { PackedPackage } from "./validate-packed";
import type { CheckResult } from "./validate-scorecard";

/** Every node definition of the package's node sets, read from each set's editor .html as node-red-dev finds it. */
export function nodeDefinitions(packed: PackedPackage): { definitions: NodeDefinition[]; errors: string[] } {
  const definitions: NodeDefinition[] = [];
  const errors: string[] = [];
  for (const file of Object.values(packed.pkg["node-red"]?.nodes ?? {})) {
    // node-red-dev's own mapping: the first ".js" becomes ".html".
    const html = file.replace(/^\.\//, "").replace(".js", ".html");
    const text = packed.read(html);
    if (text === undefined) {
      errors.push(`${html} is not in the package`);
      continue;
    }
    const parsed = parseNodeHtml(text);
    definitions.push(...parsed.definitions);
    errors.push(...parsed.errors.map((e) => `${html}: ${e}`));
  }
  return { definitions, errors };
}

function htmlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return htmlFilesUnder(path);
    return name.endsWith(".html") ? [path] : [];
  });
}

/** The node types Node-RED's core registers (@node-red/nodes, as installed with the node-red devDependency). */
export function coreNodeTypes(): Set<string> {
  const base = dirname(require.resolve("@node-red/nodes/package.json"));
  const types = new Set<string>();
  for (const file of htmlFilesUnder(join(base, "core"))) {
    for (const def of parseNodeHtml(readFileSync(file, "utf8")).definitions) types.add(def.type);
  }
  return types;
}

export function checkUniqueNames(definitions: NodeDefinition[], errors: string[], coreTypes: Set<string>): CheckResult {
  const types = definitions.map((d) => d.type);
  const duplicates = [...new Set(types.filter((t, i) => types.indexOf(t) !== i))];
  const clashes = types.filter((t) => coreTypes.has(t));
  const problems = [
    ...errors,
    ...duplicates.map((t) => `${t} is registered twice in this package`),
    ...clashes.map((t) => `${t} is a Node-RED core node type`),
  ];
  if (types.length === 0) problems.push("no node definitions found");
  return problems.length
    ? { id: "N01", status: "fail", message: problems.join("; "), data: { nodes: [...duplicates, ...clashes] } }
    : {
        id: "N01",
        status: "pass",
        message: `Nodes all have unique names (${types.join(", ")}) within the package and against Node-RED's core nodes`,
        online: "node types unique against every package in the flow catalogue (catalogue.nodered.org)",
      };
}

export function checkExamples(definitions: NodeDefinition[], packed: PackedPackage): CheckResult {
  const files = packed.files.filter((f) => f.startsWith("examples/") && f.endsWith(".json"));
  if (files.length === 0) return { id: "N02", status: "fail", message: "No examples found" };
  const wanted = definitions.filter((d) => d.category !== "config").map((d) => d.type);
  const used = new Set<string>();
  const unreadable: string[] = [];
  for (const file of files) {
    try {
      const flow = JSON.parse(packed.read(file) ?? "") as unknown;
      // node-red-dev iterates each example with forEach: a flow file that is not an array counts for nothing.
      if (!Array.isArray(flow)) throw new Error("not an array");
      for (const node of flow as { type?: unknown }[]) if (typeof node?.type === "string") used.add(node.type);
    } catch {
      unreadable.push(file);
    }
  }
  const missing = wanted.filter((t) => !used.has(t));
  const examplenodes = wanted.filter((t) => used.has(t));
  const warnings = unreadable.map((f) => `Unable to read example : ${f} (must be a JSON array of nodes)`);
  if (missing.length || unreadable.length) {
    const message = missing.length
      ? `Examples not found for the following nodes: ${missing.join(", ")}`
      : "Some example files could not be read";
    return { id: "N02", status: "fail", message, warnings, data: { nodes: examplenodes } };
  }
  return {
    id: "N02",
    status: "pass",
    message: `Examples found for all nodes (${files.length} example flows)`,
    data: { nodes: examplenodes },
  };
}
