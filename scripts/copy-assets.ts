/**
 * Node-RED's registry looks for a node's editor `.html`, its `icons/` and its
 * `locales/` beside the node's `.js` (registry loader.js: loadNodeConfig,
 * loadNodeLocales). tsc only emits `.js`, so the build copies the rest next to it.
 */
import { cpSync, existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(__dirname, "..", "..");
const out = join(root, "dist", "nodes");

for (const name of readdirSync(join(root, "nodes"))) {
  if (name.endsWith(".html")) cpSync(join(root, "nodes", name), join(out, name));
}
for (const dir of ["icons"]) {
  const from = join(root, "nodes", dir);
  if (existsSync(from)) cpSync(from, join(out, dir), { recursive: true });
}
cpSync(join(root, "locales"), join(out, "locales"), { recursive: true });
