import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export const PACKAGE_NAME = "node-red-contrib-sante-pacs";
export const NODE_TYPES = [
  "sante-pacs-server",
  "sante-study-token",
  "sante-patient-tokens",
  "sante-viewer-link",
  "sante-hl7-endpoint",
  "sante-hl7-send",
  "sante-hl7-result",
  "sante-hl7-in",
  "sante-hl7-reply",
];
/** Our configuration nodes: no palette entry, no icon, no example of their own. */
export const CONFIG_TYPES = ["sante-pacs-server", "sante-hl7-endpoint"];

/** The project root (where package.json names our package), found from wherever the compiled test runs. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file) && (JSON.parse(readFileSync(file, "utf8")) as { name?: string }).name === PACKAGE_NAME) {
      return dir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error("package root not found");
    dir = up;
  }
}

/** The directory holding the compiled node .js files, their .html, icons/ and locales/ (dist/nodes of this build). */
export const BUILT_NODES_DIR = resolve(__dirname, "..", "..", "nodes");

export function readPackageJson(): { files: string[]; "node-red": { nodes: Record<string, string> } } {
  return JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as {
    files: string[];
    "node-red": { nodes: Record<string, string> };
  };
}
