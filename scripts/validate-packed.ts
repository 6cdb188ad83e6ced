/**
 * The package as npm would publish it: `npm pack --dry-run` decides which files ship (package.json `files`,
 * .npmignore, npm's own rules), and the checks only see those. The flow library validates the published package, so
 * a file that is in the work tree but not in the package does not count.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PackageJson } from "./validate-package";

export interface PackedPackage {
  root: string;
  pkg: PackageJson;
  /** Paths relative to the package root, "/"-separated, as npm lists them. */
  files: string[];
  /** A packed file's text; undefined when npm would not ship it. */
  read(path: string): string | undefined;
}

export interface PackEntry {
  path: string;
  size: number;
}

/** `npm pack --dry-run --json` for the package in `root`. */
export function packList(root: string): PackEntry[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    shell: process.platform === "win32",
  });
  const [result] = JSON.parse(out) as { files: PackEntry[] }[];
  return result.files;
}

export function packedPackage(root: string): PackedPackage {
  const files = packList(root).map((f) => f.path);
  const shipped = new Set(files);
  return {
    root,
    pkg: JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson,
    files,
    read: (path) => (shipped.has(path) ? readFileSync(join(root, path), "utf8") : undefined),
  };
}
