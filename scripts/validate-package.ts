/**
 * The package.json checks of node-red-dev validate (src/libs/checkpackage.js): P01 license, P03 repository or bugs,
 * P04 naming, P05 keyword, P06 Node-RED version, P07 Node.js version. P02 is disabled in node-red-dev and P08
 * (similar names in the flow catalogue) needs catalogue.nodered.org, so both are left to an online run.
 */
import { semver } from "./validate-semver";
import type { CheckResult } from "./validate-scorecard";

export interface PackageJson {
  name: string;
  version: string;
  license?: string;
  repository?: string | { type?: string; url?: string; directory?: string };
  bugs?: string | { url?: string; email?: string };
  keywords?: string[];
  engines?: { node?: string };
  "node-red"?: { version?: string; nodes?: Record<string, string> };
  dependencies?: Record<string, string>;
}

/** What is known about Node-RED's releases: from the registry, or offline from the installed node-red. */
export interface NodeRedReleases {
  /** Versions carrying the `latest` dist-tag or a `*maintenance*` one (node-red-dev's "current" versions). */
  current: string[];
  /** engines.node of the latest release. */
  latestNodeEngines: string | undefined;
  /** Where these facts come from, for the report. */
  source: string;
}

export function checkLicense(pkg: PackageJson): CheckResult {
  return pkg.license
    ? { id: "P01", status: "pass", message: `Package is ${pkg.license} licensed`, data: { license: pkg.license } }
    : { id: "P01", status: "fail", message: "No License Specified" };
}

/** Placeholders that would pass node-red-dev's presence test without helping anyone report a bug. */
const PLACEHOLDER = /todo|fixme|example\.(com|org)|placeholder|your-?(org|name|user)/i;
const URL_LIKE =
  /^(git\+)?(https?|git|ssh):\/\/\S+$|^git@[\w.-]+:\S+$|^(github|gitlab|bitbucket):\S+$|^[\w.-]+\/[\w.-]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** P03: node-red-dev only asks that one of the fields exists; this also refuses empty and placeholder values. */
export function checkRepository(pkg: PackageJson): CheckResult {
  const repo = typeof pkg.repository === "string" ? pkg.repository : pkg.repository?.url;
  const bugs = typeof pkg.bugs === "string" ? pkg.bugs : (pkg.bugs?.url ?? pkg.bugs?.email);
  const usable = (value: string | undefined) =>
    value !== undefined && !PLACEHOLDER.test(value) && (URL_LIKE.test(value) || EMAIL.test(value));
  if (usable(repo) || usable(bugs)) return { id: "P03", status: "pass", message: "Repository/Bugs Link Supplied" };
  const given = [repo, bugs].filter((v) => v !== undefined);
  return {
    id: "P03",
    status: "fail",
    message: given.length
      ? `Repository/Bugs value is not a usable URL or email: ${given.join(", ")}`
      : "Please provide either a repository URL or a Bugs URL/Email",
  };
}

const SCOPED = /@[a-z\d][\w-.]+\/[a-z\d][\w-.]*/;
const RESERVED_PREFIX = /^(node-red|nodered)(?!-contrib-).*/i;

/**
 * P04 as node-red-dev runs it on a local folder (no npm publish date, so the package counts as new): an unscoped
 * name draws a warning, and passes unless it claims the node-red prefix without -contrib-. (The official nodes list
 * that exempts node-red-node-* is not bundled here: such names fail.)
 */
export function checkName(pkg: PackageJson): CheckResult {
  if (SCOPED.test(pkg.name)) return { id: "P04", status: "pass", message: "Package uses a Scoped Name" };
  const warnings = ["New Packages should use a scoped name"];
  return RESERVED_PREFIX.test(pkg.name)
    ? {
        id: "P04",
        status: "fail",
        message: "Packages using the node-red prefix in their name must use node-red-contrib",
        warnings,
      }
    : { id: "P04", status: "pass", message: "Package uses a valid name", warnings };
}

/** P05. node-red-dev 0.1.6 records a pass even when the keyword is missing (a bug); this does not. */
export function checkKeyword(pkg: PackageJson): CheckResult {
  return pkg.keywords?.includes("node-red")
    ? { id: "P05", status: "pass", message: "Node-RED Keyword Found" }
    : { id: "P05", status: "fail", message: "Package.json keywords MUST contain node-red" };
}

export function checkNodeRedVersion(pkg: PackageJson, releases: NodeRedReleases): CheckResult {
  const range = pkg["node-red"]?.version;
  if (!range) return { id: "P06", status: "fail", message: "Node-RED version compatibility not declared" };
  const compatible = releases.current.filter((v) => semver.satisfies(v, range));
  const warnings = releases.current
    .filter((v) => !compatible.includes(v))
    .map((v) => `NOT Compatible with Node-RED v${v}`);
  return compatible.length
    ? {
        id: "P06",
        status: "pass",
        message: `Compatible with Node-RED v${compatible.join(", v")} (${releases.source})`,
        warnings,
        data: { versions: compatible },
      }
    : {
        id: "P06",
        status: "fail",
        message: `"${range}" is Not Compatible with any current Node-RED version (${releases.source})`,
        warnings,
      };
}

export function checkNodeVersion(pkg: PackageJson, releases: NodeRedReleases): CheckResult {
  const range = pkg.engines?.node;
  if (!range) return { id: "P07", status: "fail", message: "Node version not declared in engines" };
  const minimum = releases.latestNodeEngines ? semver.minVersion(releases.latestNodeEngines)?.version : undefined;
  if (!minimum)
    return { id: "P07", status: "skip", message: `latest Node-RED's engines.node is unknown (${releases.source})` };
  return semver.satisfies(minimum, range)
    ? {
        id: "P07",
        status: "pass",
        message: `Compatible NodeJS Version found ${minimum} (${releases.source})`,
        data: { version: range },
      }
    : {
        id: "P07",
        status: "fail",
        message: `Minimum Node version is not compatible with minimum supported Node-RED Version Node v${minimum}`,
        data: { version: range },
      };
}

export function checkPackage(pkg: PackageJson, releases: NodeRedReleases): CheckResult[] {
  return [
    checkLicense(pkg),
    checkRepository(pkg),
    checkName(pkg),
    checkKeyword(pkg),
    checkNodeRedVersion(pkg, releases),
    checkNodeVersion(pkg, releases),
    { id: "P08", status: "skip", message: "similar package names: needs the flow catalogue (catalogue.nodered.org)" },
  ];
}
