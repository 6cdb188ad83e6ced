/**
 * Which Node-RED the tests run against: this project's devDependency, or the
 * node-red package folder named by SANTE_NODE_RED (`npm run test:compat` sets
 * it to each version it installed under .compat/). Everything that loads
 * Node-RED in a test (the test helper, core nodes, @node-red/util, red.js, the
 * demo) goes through here, so one variable moves them all.
 */
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { semver } from "../../scripts/validate-semver";

/** The node-red package folder (the one holding red.js and lib/red.js). */
export const NODE_RED_DIR = process.env.SANTE_NODE_RED
  ? resolve(process.env.SANTE_NODE_RED)
  : dirname(require.resolve("node-red/package.json"));

/** require() as from inside that node-red package: its own @node-red/* modules, wherever npm put them. */
export const requireFromNodeRed = createRequire(join(NODE_RED_DIR, "package.json"));

export const NODE_RED_VERSION = (requireFromNodeRed("./package.json") as { version: string }).version;

/** The runtime's entry point, as `require("node-red")` finds it (what node-red-node-test-helper's init takes). */
export const NODE_RED_MAIN = requireFromNodeRed.resolve(NODE_RED_DIR);

/** The command-line entry point users start (`node-red` runs red.js). */
export const NODE_RED_CLI = join(NODE_RED_DIR, "red.js");

/** Whether the runtime is `version` or later, for what came in a given release (prereleases count as the release). */
export function nodeRedAtLeast(version: string): boolean {
  return semver.satisfies(NODE_RED_VERSION.split("-")[0], `>=${version}`);
}

/**
 * Whether this runtime copies an error's own `code` to the Catch node's msg.error.code: from 4.1.0 on
 * (@node-red/runtime lib/flows/Flow.js, handleError). Before, only message, source, stack and cause.
 */
export const COPIES_ERROR_CODE = nodeRedAtLeast("4.1.0");
