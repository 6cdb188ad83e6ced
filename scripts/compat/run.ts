/**
 * `npm run test:compat`: the node suites on every Node-RED version the package claims, each on the Node.js versions
 * it supports (matrix.ts), the library's suites on the oldest Node.js claimed, and the browser tests once on the
 * current release. Node.js and Node-RED are installed
 * on demand into .compat/ (install.ts) and reused; cells run side by side, as many as the machine has cores.
 * Prints the matrix and exits 1 when any cell failed.
 *
 * Usage: node dist/scripts/compat/run.js [--only <Node-RED minor>[@<Node major>] | --only lib] [--jobs <n>]
 *   e.g. --only 3.1, --only 5.0@24. SANTE_COMPAT_CACHE moves the cache (default: .compat in the project).
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { CELLS, NOT_IN_MATRIX, SUITES, type Cell } from "./matrix";
import {
  cachedVersions,
  ensureInstalled,
  newest,
  NODE_PACKAGE,
  NODE_RED_PACKAGE,
  registryVersions,
  type Installed,
} from "./install";
import { runMochaJob, stopAllJobs, type JobResult } from "./mocha-job";
import { Slots } from "./slots";

const ROOT = resolve(__dirname, "..", "..", "..");
const CACHE = resolve(ROOT, process.env.SANTE_COMPAT_CACHE || ".compat");
/** A cell takes about a minute on 2 busy cores; past this it hangs. */
const CELL_TIMEOUT_MS = 8 * 60_000;

interface Resolved {
  cell: Cell;
  nodeRed: string | undefined;
  node: string;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function selectedCells(): Cell[] {
  const only = option("--only");
  if (!only) return [...CELLS];
  const [minor, major] = only.split("@");
  const cells = CELLS.filter(
    (c) =>
      (only === "lib" ? c.suites === "lib" : c.nodeRed === `~${minor}.0`) && (major === undefined || c.node === major),
  );
  if (cells.length === 0) throw new Error(`--only ${only} matches no cell of the matrix`);
  return cells;
}

/** Newest release per range: from the registry, or (unreachable) from what the cache already holds. */
async function versionsOf(name: string, prefix: string): Promise<{ versions: string[]; offline: boolean }> {
  try {
    return { versions: await registryVersions(name), offline: false };
  } catch (err) {
    console.log(`--- npm registry unreachable for ${name} (${(err as Error).message.split("\n")[0]}): using the cache`);
    return { versions: cachedVersions(CACHE, prefix), offline: true };
  }
}

function pick(versions: string[], range: string, what: string): string {
  const version = newest(versions, range);
  if (!version) throw new Error(`no ${what} release matches ${range}`);
  return version;
}

function projectNodeRed(): { version: string; dir: string } {
  const dir = join(ROOT, "node_modules", "node-red");
  return { version: (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version, dir };
}

const seconds = (s: number) => `${Math.round(s)} s`;

const KIND: Record<Cell["suites"], string> = {
  nodes: "node suites",
  lib: "lib suites (no Node-RED)",
  browser: "browser (Chromium)",
};

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function printMatrix(results: Array<{ r: Resolved; result: JobResult }>, wallSeconds: number): void {
  const lines = [
    row(["Node-RED", "Node.js", "tests", "passed", "failed", "skipped", "time"]),
    row(["--------", "-------", "-----", "-----:", "-----:", "------:", "---:"]),
    ...results.map(({ r, result }) =>
      row([
        r.nodeRed ?? "–",
        r.node,
        KIND[r.cell.suites],
        String(result.passed),
        String(result.failed),
        String(result.pending),
        seconds(result.seconds),
      ]),
    ),
  ];
  console.log(`\n--- compatibility matrix (${seconds(wallSeconds)} in all)\n${lines.join("\n")}\n`);
}

async function main(): Promise<number> {
  const started = Date.now();
  const cells = selectedCells();
  const jobs = Number(option("--jobs") ?? availableParallelism());
  mkdirSync(join(CACHE, "logs"), { recursive: true });

  const [nodeRedVersions, nodeVersions] = await Promise.all([
    versionsOf(NODE_RED_PACKAGE, "node-red"),
    versionsOf(NODE_PACKAGE, "node"),
  ]);
  const resolved: Resolved[] = cells.map((cell) => ({
    cell,
    nodeRed: cell.nodeRed === undefined ? undefined : pick(nodeRedVersions.versions, cell.nodeRed, "Node-RED"),
    node: pick(nodeVersions.versions, cell.node, "Node.js"),
  }));

  // Installs run side by side (npm mostly waits on the network); each is made once, whichever cell asks first.
  const own = projectNodeRed();
  const installs = new Map<string, Promise<Installed>>();
  const installSlots = new Slots(4);
  const install = (prefix: string, name: string, version: string): Promise<Installed> => {
    const key = `${prefix}-${version}`;
    let pending = installs.get(key);
    if (!pending) {
      pending = installSlots.run(() => ensureInstalled(CACHE, prefix, name, version));
      void pending.then(
        (done) =>
          done.seconds !== undefined && console.log(`--- installed ${name}@${version} in ${seconds(done.seconds)}`),
        () => undefined,
      );
      installs.set(key, pending);
    }
    return pending;
  };
  const nodeRedDir = async (version: string | undefined): Promise<string | undefined> =>
    version === undefined
      ? undefined
      : version === own.version
        ? own.dir
        : join((await install("node-red", NODE_RED_PACKAGE, version)).folder, "node_modules", NODE_RED_PACKAGE);
  const nodeBin = async (version: string): Promise<string> =>
    join((await install("node", NODE_PACKAGE, version)).folder, "node_modules", NODE_PACKAGE, "bin", "node");

  const testDir = join(ROOT, "dist", "test");
  const testFiles = readdirSync(testDir);
  const matching = (pattern: string): string[] => {
    const [head, tail = ""] = pattern.split("*");
    const found = pattern.includes("*")
      ? testFiles.filter((f) => f.startsWith(head) && f.endsWith(tail))
      : testFiles.filter((f) => f === pattern);
    if (found.length === 0) throw new Error(`no compiled test matches ${pattern}: build first (npm run build)`);
    return found;
  };
  const claimed = new Set([...Object.values(SUITES).flat().flatMap(matching), ...NOT_IN_MATRIX]);
  const filesFor = (cell: Cell): string[] =>
    (cell.suites === "lib"
      ? testFiles.filter((f) => f.endsWith(".test.js") && !claimed.has(f))
      : SUITES[cell.suites].flatMap(matching)
    )
      .sort()
      .map((f) => join(testDir, f));

  const testSlots = new Slots(Math.max(1, jobs));
  const outcomes = await Promise.all(
    resolved.map(async (r) => {
      const label = `${r.nodeRed ? `Node-RED ${r.nodeRed} × ` : ""}Node.js ${r.node}, ${KIND[r.cell.suites]}`;
      let result: JobResult;
      try {
        const [bin, dir] = await Promise.all([nodeBin(r.node), nodeRedDir(r.nodeRed)]);
        const outputBase = join(CACHE, "logs", `node-red-${r.nodeRed ?? "none"}_node-${r.node}_${r.cell.suites}`);
        result = await testSlots.run(() =>
          runMochaJob({
            root: ROOT,
            nodeBin: bin,
            nodeRedDir: dir,
            files: filesFor(r.cell),
            outputBase,
            timeoutMs: CELL_TIMEOUT_MS,
          }),
        );
      } catch (err) {
        const message = (err as Error).message;
        result = { passed: 0, failed: 1, pending: 0, seconds: 0, logFile: "", failures: [{ title: "setup", message }] };
      }
      const mark = result.failed === 0 && result.passed > 0 ? "ok  " : "FAIL";
      const skipped = result.pending > 0 ? `, ${result.pending} skipped` : "";
      console.log(
        `${mark} ${label}: ${result.passed} passed, ${result.failed} failed${skipped} (${seconds(result.seconds)})`,
      );
      for (const f of result.failures)
        console.log(`     ✗ ${f.title}\n       ${f.message.replace(/\n/g, "\n       ")}`);
      if (result.failed > 0 && result.logFile) console.log(`     log: ${result.logFile}`);
      return { r, result };
    }),
  );

  printMatrix(outcomes, (Date.now() - started) / 1000);
  const passed = outcomes.reduce((n, o) => n + o.result.passed, 0);
  const failed = outcomes.reduce((n, o) => n + o.result.failed, 0);
  const empty = outcomes.filter((o) => o.result.passed === 0).length;
  // The closing line CI reads.
  console.log(`test:compat: ${passed} passed, ${failed} failed`);
  return failed === 0 && empty === 0 ? 0 : 1;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stopAllJobs(signal);
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`test:compat: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
