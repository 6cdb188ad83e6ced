/**
 * The build's steps after tsc. Node-RED's registry looks for a node's editor
 * `.html`, its `icons/` and its `locales/` beside the node's `.js` (registry
 * loader.js: loadNodeConfig, loadNodeLocales); tsc only emits `.js`, so they
 * are copied next to it. And the editor's defaults are written from the
 * runtime's constants into resources/, which Node-RED serves to the editor.
 */
import { cpSync, existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { EDITOR_DEFAULTS_FILE, editorDefaultsScript } from "../nodes/glue/editor-defaults";

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
writeFileSync(join(root, "resources", EDITOR_DEFAULTS_FILE), editorDefaultsScript());
