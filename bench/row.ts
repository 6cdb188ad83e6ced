import { performance } from "node:perf_hooks";
import { closedLoop, collectGarbage, percentile, RssSampler, type Lookup } from "./measure";
import type { NodeRedBench } from "./node-red-embed";
import { layerShares, RowProfiler, writeProfile, type LayerShares } from "./profile";
import type { SimChild } from "./sim-child";

export type Mode = "per-lookup" | "kept-open";
/** How a row's lookups reach the PACS; a floor row does not ask it at all. */
export type RowMode = Mode | "no PACS";

export interface BenchContext {
  sim: SimChild;
  /** Least lookups per row and round (BENCH_N); a burst row has exactly this many (× rounds) unless it says otherwise. */
  n: number;
  /** Least seconds a row's measured run lasts per round (BENCH_SECONDS): short runs measure the JIT and GC, not the code. */
  seconds: number;
  /** How many times each row is measured (BENCH_ROUNDS); a row and its baseline run next to each other in every round. */
  rounds: number;
  /** Seconds of untimed lookups before each row, so the JIT has warmed up. */
  warmupSeconds: number;
  /** Lookups are numbered 0 … maxN − 1 in a measured run, from warmupBase on in a warm-up (distinct UIDs). */
  maxN: number;
  warmupBase: number;
  warmupMax: number;
  /** Started on first use by a row that needs it. */
  nodeRed(): Promise<NodeRedBench>;
  /** With --profile: where each row's measured run leaves its CPU profile. */
  profileDir?: string;
}

/** What a row needs while it runs. */
export interface RowSession {
  lookup: Lookup;
  /** Messages that reached the end of the flow, for Node-RED rows (or, for a row ending in another process, there); and those that matched no input. */
  outputs?(): number | Promise<number>;
  unmatched?(): number;
  /** Called after the warm-up, before the measured run (which waits for it). */
  beforeMeasure?(): void | Promise<void>;
  teardown(): Promise<void>;
}

export interface RowSpec {
  id: string;
  group: "raw" | "core" | "nodes" | "floor" | "peer";
  /** What is looked up and how, for the table. */
  what: string;
  mode: RowMode;
  /** Lookups kept in flight; "burst" = all N at once. */
  inFlight: number | "burst";
  /** In flight during the warm-up; default: as in the run, 4 for a burst. */
  warmupInFlight?: number;
  /** A burst's N when it differs from the context's. */
  n?: number;
  /** Measured once, for as long as all rounds of a row together, instead of once per round. */
  once?: boolean;
  /** Row whose rate this row's ratio is taken against. */
  baseline?: string;
  /** Per-lookup rows: the raw row with our pool's close policy, a second ratio (like with like). */
  samePolicy?: string;
  /** At least `min` × the rate of row `of`; without `of`, at least `min` lookups/s. */
  target?: { min: number; of?: string; label: string };
  /** Rows of ours must answer N out of N. */
  ours: boolean;
  open(ctx: BenchContext): Promise<RowSession>;
}

export interface RowResult {
  id: string;
  group: RowSpec["group"];
  what: string;
  mode: RowMode;
  inFlight: number | "burst";
  n: number;
  lookupsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the bench process (user + system) per lookup: steadier than rates on a shared machine. */
  cpuUsPerLookup: number;
  correct: number;
  outputs: number | null;
  /** Outputs that matched no input still waiting (none expected from ours). */
  unmatchedOutputs: number | null;
  failures: Record<string, number>;
  /** Answers to a lookup that had already ended (none expected). */
  duplicates: number;
  elapsedMs: number;
  /** The rate of each round; the row shows the median round. */
  roundRates: number[];
  peakRssMiB: number;
  /** Most sockets open at once at the simulator during the measured run. */
  pacsPeakConnections: number;
  baseline: string | null;
  ratioToBaseline: number | null;
  ratioToSamePolicy: number | null;
  /** `ratio`: the rate itself for a target without `of`. */
  target: { label: string; min: number; of?: string; ratio: number | null; met: boolean } | null;
  allCorrect: boolean | null;
  /** With --profile: sampled CPU time of the measured run by layer, µs per lookup (of the median round). */
  profile?: LayerShares;
}

/** Warm-up lookups in batches until warmupSeconds have passed; returns the rate seen. */
async function warmUp(spec: RowSpec, ctx: BenchContext, session: RowSession): Promise<number> {
  const inFlight = spec.warmupInFlight ?? (spec.inFlight === "burst" ? 4 : spec.inFlight);
  const batch = Math.max(100, inFlight * 25);
  const t0 = performance.now();
  let done = 0;
  while (performance.now() - t0 < ctx.warmupSeconds * 1000 && done + batch <= ctx.warmupMax) {
    await closedLoop(batch, inFlight, session.lookup, ctx.warmupBase + done);
    done += batch;
  }
  const seconds = (performance.now() - t0) / 1000;
  return seconds > 0 ? done / seconds : 0;
}

/** One measurement of a row; `once` rows last as long as all rounds together. */
export async function runRow(spec: RowSpec, ctx: BenchContext): Promise<RowResult> {
  const scale = spec.once ? ctx.rounds : 1;
  const session = await spec.open(ctx);
  try {
    const rate = await warmUp(spec, ctx, session);
    const n =
      spec.inFlight === "burst"
        ? (spec.n ?? ctx.n * scale)
        : Math.min(ctx.maxN, Math.max(ctx.n * scale, Math.ceil(rate * ctx.seconds * scale)));
    const concurrency = spec.inFlight === "burst" ? n : spec.inFlight;
    await session.beforeMeasure?.();
    collectGarbage();
    await ctx.sim.reset();
    const rss = new RssSampler();
    rss.start();
    const profiler = ctx.profileDir === undefined ? undefined : await RowProfiler.start();
    const cpu = process.cpuUsage();
    const run = await closedLoop(n, concurrency, session.lookup);
    const used = process.cpuUsage(cpu);
    const peakRssMiB = rss.stop();
    let profile: LayerShares | undefined;
    if (profiler && ctx.profileDir !== undefined) {
      const taken = await profiler.stop();
      writeProfile(ctx.profileDir, spec.id, taken);
      profile = layerShares(taken, n);
    }
    const simStats = await ctx.sim.stats();
    const seconds = run.elapsedMs / 1000;
    return {
      id: spec.id,
      group: spec.group,
      what: spec.what,
      mode: spec.mode,
      inFlight: spec.inFlight,
      n,
      lookupsPerSecond: seconds > 0 ? run.correct / seconds : 0,
      p50Ms: percentile(run.latencies, run.timed, 50),
      p99Ms: percentile(run.latencies, run.timed, 99),
      cpuUsPerLookup: (used.user + used.system) / n,
      correct: run.correct,
      outputs: session.outputs ? await session.outputs() : null,
      unmatchedOutputs: session.unmatched ? session.unmatched() : null,
      failures: run.failures,
      duplicates: run.duplicates,
      elapsedMs: run.elapsedMs,
      roundRates: [seconds > 0 ? run.correct / seconds : 0],
      peakRssMiB,
      pacsPeakConnections: simStats.peak,
      baseline: spec.baseline ?? null,
      ratioToBaseline: null,
      ratioToSamePolicy: null,
      target: null,
      allCorrect: spec.ours ? run.correct === n : null,
      profile,
    };
  } finally {
    await session.teardown();
  }
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The rounds of one row as one: the median round's figures, with counts summed and peaks maxed. */
function combine(rounds: RowResult[]): RowResult {
  const mid = [...rounds].sort((a, b) => a.lookupsPerSecond - b.lookupsPerSecond)[Math.floor((rounds.length - 1) / 2)];
  const sum = (f: (r: RowResult) => number) => rounds.reduce((total, r) => total + f(r), 0);
  const failures: Record<string, number> = {};
  for (const r of rounds)
    for (const [code, count] of Object.entries(r.failures)) failures[code] = (failures[code] ?? 0) + count;
  return {
    ...mid,
    n: sum((r) => r.n),
    correct: sum((r) => r.correct),
    outputs: mid.outputs === null ? null : sum((r) => r.outputs ?? 0),
    unmatchedOutputs: mid.unmatchedOutputs === null ? null : sum((r) => r.unmatchedOutputs ?? 0),
    failures,
    duplicates: sum((r) => r.duplicates),
    elapsedMs: sum((r) => r.elapsedMs),
    roundRates: rounds.map((r) => r.lookupsPerSecond),
    cpuUsPerLookup: median(rounds.map((r) => r.cpuUsPerLookup)) ?? NaN,
    peakRssMiB: Math.max(...rounds.map((r) => r.peakRssMiB)),
    pacsPeakConnections: Math.max(...rounds.map((r) => r.pacsPeakConnections)),
    allCorrect: mid.allCorrect === null ? null : rounds.every((r) => r.allCorrect),
  };
}

/**
 * The median over rounds of (row's rate ÷ baseline's rate in the same round): the two ran next to
 * each other, so a shared machine's load, which changes from minute to minute, mostly cancels out.
 */
function pairedRatio(rows: RowResult[], base: RowResult[] | undefined): number | null {
  if (!base || base.length === 0) return null;
  const ratios = rows
    .map((r, k) => {
      const b = base[Math.min(k, base.length - 1)];
      return b.lookupsPerSecond > 0 ? r.lookupsPerSecond / b.lookupsPerSecond : NaN;
    })
    .filter(Number.isFinite);
  return median(ratios);
}

/** One result per row that ran (in spec order), its rounds combined, with ratios and targets. */
export function judge(specs: readonly RowSpec[], perRound: ReadonlyMap<string, RowResult[]>): RowResult[] {
  const results: RowResult[] = [];
  for (const spec of specs) {
    const rounds = perRound.get(spec.id);
    if (!rounds || rounds.length === 0) continue;
    const row = combine(rounds);
    row.ratioToBaseline = spec.baseline ? pairedRatio(rounds, perRound.get(spec.baseline)) : null;
    row.ratioToSamePolicy = spec.samePolicy ? pairedRatio(rounds, perRound.get(spec.samePolicy)) : null;
    if (spec.target) {
      const ratio =
        spec.target.of === undefined ? row.lookupsPerSecond : pairedRatio(rounds, perRound.get(spec.target.of));
      row.target = { ...spec.target, ratio, met: ratio !== null && ratio >= spec.target.min };
    }
    results.push(row);
  }
  return results;
}
