/**
 * The dependency checks of node-red-dev validate (src/libs/checkdeps.js): D01 at most 6 dependencies, D02 no known
 * bad package anywhere in the production dependency tree, D03 every dependency at its latest major version (the
 * npm-check rule node-red-dev uses).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PackageJson } from "./validate-package";
import type { RegistryPackage } from "./validate-registry";
import type { CheckResult } from "./validate-scorecard";
import { semver } from "./validate-semver";

/** node-red-dev 0.1.6 src/badpackages.json: packages that break Node-RED when they end up in its process. */
export const BAD_PACKAGES: Record<string, string> = { "agent-base": "<6.0.0" };

/** Based on the 95th percentile of all packages in the catalogue (node-red-dev, Oct 2021). */
const MAX_DEPENDENCIES = 6;

export function checkDependencyCount(pkg: PackageJson): CheckResult {
  const total = Object.keys(pkg.dependencies ?? {}).length;
  return total <= MAX_DEPENDENCIES
    ? { id: "D01", status: "pass", message: `Package has ${total} dependencies`, data: { total } }
    : { id: "D01", status: "fail", message: `Package has a large number of dependencies (${total})`, data: { total } };
}

interface TreeNode {
  version?: string;
  missing?: boolean;
  dependencies?: Record<string, TreeNode>;
}

/**
 * name@version of every package in the installed production tree (`npm ls --all --omit=dev`). node-red-dev
 * resolves the tree from the registry instead (npm-remote-ls); the installed tree is what the tests ran against.
 */
export function productionTree(root: string): { packages: string[]; missing: string[] } {
  const ls = spawnSync("npm", ["ls", "--all", "--omit=dev", "--json"], {
    cwd: root,
    encoding: "utf8",
    shell: process.platform === "win32",
  });
  // npm ls exits non-zero on any tree problem but still prints the tree.
  const tree = JSON.parse(ls.stdout || "{}") as TreeNode;
  const packages = new Set<string>();
  const missing: string[] = [];
  const walk = (deps: Record<string, TreeNode> | undefined) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (node.missing || !node.version) missing.push(name);
      else if (!packages.has(`${name}@${node.version}`)) {
        packages.add(`${name}@${node.version}`);
        walk(node.dependencies);
      }
    }
  };
  walk(tree.dependencies);
  return { packages: [...packages].sort(), missing };
}

export function checkBadPackages(tree: { packages: string[]; missing: string[] }): CheckResult {
  if (tree.missing.length) {
    return {
      id: "D02",
      status: "fail",
      message: `dependencies not installed (${tree.missing.join(", ")}): run npm install first`,
    };
  }
  const bad = tree.packages.filter((spec) => {
    const at = spec.lastIndexOf("@");
    const range = BAD_PACKAGES[spec.slice(0, at)];
    return range !== undefined && semver.satisfies(spec.slice(at + 1), range);
  });
  return bad.length
    ? {
        id: "D02",
        status: "fail",
        message: "Incompatible packages found in dependency tree",
        warnings: bad.map((b) => `Incompatible package ${b} found`),
        data: { packages: bad },
      }
    : {
        id: "D02",
        status: "pass",
        message: `No incompatible packages found in dependency tree (${tree.packages.length} packages)`,
      };
}

export function installedVersion(root: string, name: string): string | undefined {
  const file = join(root, "node_modules", name, "package.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version : undefined;
}

/**
 * npm-check's `easyUpgrade` (lib/in/create-package-summary.js), which node-red-dev requires of every dependency:
 * the range in package.json admits the latest version, and going from the installed version to it is not a major
 * bump. Exported for tests.
 */
export function isUpToDate(range: string, installed: string | undefined, registry: RegistryPackage): boolean {
  const tags = registry.distTags;
  const latest = installed && tags.latest && tags.next && semver.gt(installed, tags.latest) ? tags.next : tags.latest;
  const current = installed ?? semver.maxSatisfying(registry.versions, range) ?? undefined;
  if (!latest || !semver.validRange(range) || !current || !semver.valid(current)) return false;
  const bump = semver.gt(latest, current) ? semver.diff(current, latest) : null;
  const nonSemver = semver.lt(latest, "1.0.0-pre");
  return semver.satisfies(latest, range) && (nonSemver || bump !== "major");
}

export function checkLatest(
  pkg: PackageJson,
  root: string,
  lookup: (name: string) => RegistryPackage | undefined,
): CheckResult {
  const outdated: string[] = [];
  const warnings: string[] = [];
  for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
    const registry = lookup(name);
    if (!registry) return { id: "D03", status: "skip", message: "latest versions: needs registry.npmjs.org" };
    if (!isUpToDate(range, installedVersion(root, name), registry)) {
      outdated.push(name);
      warnings.push(
        `${name} is not at latest version, package.json specifies: ${range}, latest is: ${registry.distTags.latest}`,
      );
    }
  }
  return outdated.length
    ? {
        id: "D03",
        status: "fail",
        message: "Dependencies behind their latest version",
        warnings,
        data: { packages: outdated },
      }
    : { id: "D03", status: "pass", message: "All prod dependencies using latest versions" };
}
