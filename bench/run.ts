/**
 * `npm run bench`: the simulator in a child process; a raw net.Socket client,
 * SanteClient, our nodes in a real Node-RED runtime and the core tcp request
 * node against it, in one run; a table on stdout and bench/results.json.
 *
 *   BENCH_ROUNDS=3         times each row is measured; the table shows the median, ratios are
 *                          the median of per-round ratios (a row and its baseline run side by side)
 *   BENCH_N=1000           least lookups per row and round (a burst row: BENCH_N × BENCH_ROUNDS)
 *   BENCH_SECONDS=0.5      least seconds per row and round, after a 0.2 s warm-up
 *   --burst                also the BENCH_BURST_N (100000) message bursts and
 *                          BENCH_BURSTS (10) repeated bursts with RSS after each
 *   --only <regex>         only the rows whose id matches (the repeated bursts: "repeated")
 *   --markdown             also print the table as Markdown
 *   --pin                  the simulator on the last CPU, this process (client and Node-RED) on the
 *                          others (Linux, taskset): says whether the rows compete for CPUs
 *   --profile <dir>        a CPU profile of each row's measured run in dir, and its sampled time
 *                          by layer in µs per lookup (best with BENCH_ROUNDS=1: a file holds the last round)
 *   BENCH_NODES_DIR=dir    the compiled nodes to load into Node-RED (default dist/nodes)
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { burstRows, repeatedBursts, runBurstRows, type RepeatedBurst } from "./burst";
import { NodeRedBench } from "./node-red-embed";
import { judge, runRow, type BenchContext, type RowResult } from "./row";
import { defaultRows } from "./rows";
import { sharesTable } from "./profile";
import { SimChild } from "./sim-child";
import { LEGEND, markdownTable, textTable } from "./table";

const root = path.resolve(__dirname, "..", "..");

/** Distinct studies per second of a row: more than the fastest cache-off row (raw, kept-open) gets through. */
const STUDIES_PER_SECOND = 200_000;
const WARMUP_SECONDS = 0.2;
const WARMUP_MAX = 30_000;

function envNumber(name: string, fallback: number, whole = true): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!(whole ? Number.isSafeInteger(n) : Number.isFinite(n)) || n <= 0) {
    throw new Error(`${name} must be a ${whole ? "whole " : ""}number > 0, got "${raw}"`);
  }
  return n;
}

/**
 * --pin: this process and all its threads on every CPU but the last, the
 * simulator (started next) on the last one, so neither takes the other's CPU.
 */
function pinCpus(): { bench: string; sim: number } {
  const n = cpus().length;
  if (n < 2) throw new Error("--pin needs at least 2 CPUs");
  const bench = n === 2 ? "0" : `0-${n - 2}`;
  const pinned = spawnSync("taskset", ["-a", "-cp", bench, String(process.pid)], { encoding: "utf8" });
  if (pinned.status !== 0) throw new Error(`--pin: taskset failed: ${pinned.error?.message ?? pinned.stderr}`);
  return { bench, sim: n - 1 };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function machine(): Record<string, unknown> {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      burst: { type: "boolean", default: false },
      only: { type: "string" },
      markdown: { type: "boolean", default: false },
      profile: { type: "string" },
      pin: { type: "boolean", default: false },
    },
  });
  const n = envNumber("BENCH_N", 1000);
  const seconds = envNumber("BENCH_SECONDS", 0.5, false);
  const rounds = envNumber("BENCH_ROUNDS", 3);
  const burstN = envNumber("BENCH_BURST_N", 100_000);
  const bursts = envNumber("BENCH_BURSTS", 10);
  // Distinct studies: measured runs use 0 … maxN − 1, warm-ups the WARMUP_MAX after them.
  const maxN = Math.max(n, values.burst ? burstN : 0, Math.ceil(STUDIES_PER_SECOND * seconds));
  const poolSize = maxN + WARMUP_MAX;
  const startedAt = new Date();
  const mach = machine();

  // Another build of the nodes (say, with a change to the core being tried out) can be measured in its place.
  const nodesDir = path.resolve(process.env.BENCH_NODES_DIR ?? path.join(root, "dist", "nodes"));
  const pinned = values.pin ? pinCpus() : undefined;
  const sim = await SimChild.start(poolSize, pinned?.sim);
  let red: Promise<NodeRedBench> | undefined;
  const ctx: BenchContext = {
    sim,
    n,
    seconds,
    rounds,
    warmupSeconds: WARMUP_SECONDS,
    maxN,
    warmupBase: maxN,
    warmupMax: WARMUP_MAX,
    nodeRed: () => (red ??= NodeRedBench.start(nodesDir)),
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
  };
  if (ctx.profileDir !== undefined) mkdirSync(ctx.profileDir, { recursive: true });
  log(
    `bench: ${rounds} rounds; per round each row ≥ ${n} lookups and ≥ ${seconds} s after a ${WARMUP_SECONDS} s warm-up; ` +
      `simulator on 127.0.0.1:${sim.port} serving ${poolSize} studies` +
      (pinned ? `; pinned: simulator on CPU ${pinned.sim}, client and Node-RED on CPU ${pinned.bench}` : ""),
  );

  try {
    const only = values.only === undefined ? undefined : new RegExp(values.only);
    const specs = defaultRows().filter((s) => !only || only.test(s.id));
    const perRound = new Map<string, RowResult[]>();
    const failed: { id: string; error: string }[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const spec of specs) {
        if (spec.once && round > 1) continue;
        if (failed.some((f) => f.id === spec.id)) continue;
        log(`round ${round}/${rounds}: ${spec.id}`);
        try {
          const result = await runRow(spec, ctx);
          perRound.set(spec.id, [...(perRound.get(spec.id) ?? []), result]);
        } catch (err) {
          // One row that cannot run (say, the nodes are not built) must not cost the others.
          const error = (err as Error).message.split("\n")[0];
          log(`  could not run: ${error}`);
          failed.push({ id: spec.id, error });
        }
      }
    }
    const results = judge(specs, perRound);
    if (results.length > 0) {
      console.log(`${textTable(results)}\n\n${LEGEND}`);
      if (values.markdown) console.log(`\n${markdownTable(results)}`);
      const profiled = results.flatMap((r) =>
        r.profile ? [{ id: r.id, shares: r.profile, cpuUs: r.cpuUsPerLookup }] : [],
      );
      if (profiled.length > 0) console.log(`\n${sharesTable(profiled)}`);
    }

    let burstResults: RowResult[] = [];
    let repeated: RepeatedBurst[] = [];
    if (values.burst) {
      const bSpecs = burstRows(burstN).filter((s) => !only || only.test(s.id));
      for (const [id, result] of await runBurstRows(bSpecs, ctx, log)) perRound.set(id, [result]);
      // Baselines are the default run's raw rows, when they ran.
      burstResults = judge(bSpecs, perRound);
      console.log(`\n${textTable(burstResults)}`);
      if (values.markdown) console.log(`\n${markdownTable(burstResults)}`);
      if (!only || only.test("repeated")) {
        repeated = await repeatedBursts(ctx, burstN, bursts, (line) => console.log(line));
      }
    }

    const ours = [...results, ...burstResults].filter((r) => r.allCorrect !== null);
    const wrong = ours.filter((r) => !r.allCorrect).map((r) => r.id);
    const missed = results.filter((r) => r.target && !r.target.met).map((r) => r.id);
    console.log(`\nours answered N/N: ${wrong.length === 0 ? "every row" : `NOT in ${wrong.join("; ")}`}`);
    console.log(`targets missed: ${missed.length === 0 ? "none" : missed.join("; ")}`);
    if (failed.length > 0) console.log(`rows that could not run: ${failed.map((f) => f.id).join("; ")}`);

    const report = {
      startedAt: startedAt.toISOString(),
      command: process.argv.slice(1).join(" "),
      machine: { ...mach, nodeRed: red ? (await red).version : null, pinned: pinned ?? null },
      nodesDir: path.relative(root, nodesDir),
      rounds,
      minNPerRound: n,
      minSecondsPerRound: seconds,
      warmupSeconds: WARMUP_SECONDS,
      rows: results,
      failed,
      burst: values.burst ? { n: burstN, rows: burstResults, repeated } : null,
    };
    const file = path.join(root, "bench", "results.json");
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    log(`written: ${path.relative(process.cwd(), file) || file}`);
  } finally {
    // The simulator must go even when Node-RED failed to start or stop, or its pipe keeps this process alive.
    try {
      const started = red ? await red.catch(() => undefined) : undefined;
      await started?.stop();
    } finally {
      await sim.stop();
    }
  }
}

main().catch((err: Error) => {
  console.error(`bench: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
