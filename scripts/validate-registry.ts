/**
 * What the npm registry knows about a package, asked through npm's own client (`npm view`), so proxies and
 * registry settings in .npmrc apply. undefined when the registry cannot be reached: checks then say so instead of
 * failing.
 */
import { execFileSync } from "node:child_process";

export interface RegistryPackage {
  distTags: Record<string, string>;
  versions: string[];
  /** engines of the `latest` version. */
  latestEngines: Record<string, string>;
}

const TIMEOUT_MS = 60_000;

function npmView(spec: string, fields: string[]): unknown {
  const out = execFileSync("npm", ["view", spec, ...fields, "--json"], {
    encoding: "utf8",
    timeout: TIMEOUT_MS,
    stdio: ["ignore", "pipe", "pipe"],
    shell: process.platform === "win32",
  });
  // npm prints nothing for a field the package does not have.
  return out.trim() ? (JSON.parse(out) as unknown) : undefined;
}

export function fromRegistry(name: string): RegistryPackage | undefined {
  try {
    const info = npmView(name, ["dist-tags", "versions"]) as {
      "dist-tags": Record<string, string>;
      versions: string[];
    };
    const latest = info["dist-tags"].latest;
    const engines = latest
      ? (npmView(`${name}@${latest}`, ["engines"]) as Record<string, string> | undefined)
      : undefined;
    return { distTags: info["dist-tags"], versions: info.versions, latestEngines: engines ?? {} };
  } catch {
    return undefined;
  }
}
