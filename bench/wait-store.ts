/**
 * `node dist/bench/wait-store.js`: the durable wait store, our journal next
 * to embedded databases (bench/wait-store-candidates.ts), same machine, one
 * run each, every measurement in a fresh child process so that one store's
 * memory and caches do not colour another's:
 *
 *   add latency    one accepted wait at a time, each flushed to disk (p50/p99)   } 3 rounds, the candidates
 *   concurrent     64 accepts in flight: waits/s, and disk flushes per wait (group commit)  } taking turns; median
 *   fill           WAIT_BENCH_N (100,000) waits, 256 in flight; file size
 *   start          open + load every wait's fields, with N waits: time, RSS, peak RSS
 *   scheduler      the journal only: start + WaitScheduler.attach() of all N (the whole of what a restart does)
 *   compaction     after updating every wait once and removing half: time to compact, size before/after,
 *                  and p99 of the adds made meanwhile
 *
 *   WAIT_BENCH_N=100000   waits for fill/start/compaction
 *   --only <regex>        candidates whose name matches
 *   --markdown            print the table as Markdown (for the README)
 *
 * The databases are optional: `npm install --no-save lmdb@3.5.6 classic-level@3.0.0` first, else their rows
 * say "not installed". Each wait carries a ~1.2 KB message (an ORM^O01 as an MLLP listener passes it on).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { WaitScheduler } from "../lib/wait/scheduler";
import { WaitStore } from "../lib/wait/store";
import { benchEntry, runChild as runChildProcess } from "./child";
import { CANDIDATES, type Candidate, type CandidateStore } from "./wait-store-candidates";
import { benchMessage as message, benchWait } from "./wait-fixture";

const wait = (n: number) => benchWait(n, "bench-node");

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(full) : statSync(full).size;
  }
  return total;
}

function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function rssNow(): { rssMiB: number; peakRssMiB: number; heapMiB: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), peakRssMiB: mib(process.resourceUsage().maxRSS * 1024), heapMiB: mib(m.heapUsed) };
}

/** Runs `count` operations with `inFlight` at once; returns each one's latency in ms. */
async function loop(count: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = new Array<number>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      await op(i);
      latencies[i] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return latencies;
}

// --- roles, each run in its own process ---

type Result = Record<string, number | string>;

async function roleLatency(store: CandidateStore): Promise<Result> {
  await loop(50, 1, (i) => store.add(wait(1e6 + i), message(1e6 + i))); // warm-up
  const lat = await loop(2000, 1, (i) => store.add(wait(i), message(i)));
  return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function roleConcurrent(store: CandidateStore): Promise<Result> {
  const flushes0 = store.flushes ?? NaN;
  const t0 = performance.now();
  const lat = await loop(20_000, 64, (i) => store.add(wait(i), message(i)));
  const seconds = (performance.now() - t0) / 1000;
  return {
    perSecond: Math.round(20_000 / seconds),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    flushesPerWait: ((store.flushes ?? NaN) - flushes0) / 20_000,
  };
}

async function roleFill(store: CandidateStore, n: number): Promise<Result> {
  const t0 = performance.now();
  await loop(n, 256, (i) => store.add(wait(i), message(i)));
  return { fillSeconds: (performance.now() - t0) / 1000 };
}

async function roleCompaction(store: CandidateStore, dir: string, n: number): Promise<Result> {
  // An attempt for every wait (written, not flushed), then half of them found.
  await loop(n, 256, (i) =>
    store.update(idAt(i), { attempts: 1, nextAttemptAt: Date.now() + 300_000, lastError: undefined }),
  );
  await loop(Math.floor(n / 2), 256, (i) => store.remove(idAt(2 * i)));
  const before = dirBytes(dir);
  if (!store.compact) return { beforeMiB: mib(before), afterMiB: mib(dirBytes(dir)), seconds: "none needed" };
  let compacting = true;
  const meanwhile: number[] = [];
  const adds = (async () => {
    for (let i = 0; compacting; i++) {
      const t = performance.now();
      await store.add(wait(5e6 + i), message(5e6 + i));
      meanwhile.push(performance.now() - t);
    }
  })();
  const t0 = performance.now();
  await store.compact();
  const seconds = (performance.now() - t0) / 1000;
  compacting = false;
  await adds;
  return {
    beforeMiB: mib(before),
    afterMiB: mib(dirBytes(dir)),
    seconds,
    addsMeanwhile: meanwhile.length,
    addP99Meanwhile: percentile(meanwhile, 99),
  };
}

let ids: string[] = [];
function idAt(i: number): string {
  return ids[i];
}

async function child(role: string, name: string, dir: string, n: number): Promise<Result> {
  const candidate = CANDIDATES.find((c) => c.name === name) as Candidate;
  if (role === "scheduler") {
    const t0 = performance.now();
    const store = await WaitStore.open(path.join(dir, "waits.journal"));
    const opened = performance.now();
    const scheduler = new WaitScheduler({ store, lookup: () => new Promise<string>(() => undefined), concurrency: 4 });
    const attached = scheduler.attach("bench-node", { found: () => undefined, gaveUp: () => undefined });
    const done = performance.now();
    const result = { waits: attached, openMs: opened - t0, attachMs: done - opened, startMs: done - t0, ...rssNow() };
    await scheduler.close();
    await store.close();
    return result;
  }
  const t0 = performance.now();
  const store = await candidate.open(dir);
  const startMs = performance.now() - t0;
  try {
    switch (role) {
      case "latency":
        return await roleLatency(store);
      case "concurrent":
        return await roleConcurrent(store);
      case "fill":
        return await roleFill(store, n);
      case "start":
        return { waits: store.size, startMs, ...rssNow() };
      case "compaction": {
        ids = store.ids();
        return await roleCompaction(store, dir, ids.length);
      }
      default:
        throw new Error(`unknown role ${role}`);
    }
  } finally {
    await store.close();
  }
}

// --- the parent ---

function runChild(role: string, candidate: Candidate, dir: string, n: number): Promise<Result> {
  return runChildProcess<Result>(__filename, [role, candidate.name, dir, String(n)]);
}

const ROUNDS = 3;

/** The run whose `key` is the median of the runs (so a row's figures come from one run). */
function median(runs: Result[], key: string): Result {
  const sorted = [...runs].sort((a, b) => Number(a[key]) - Number(b[key]));
  return sorted[Math.floor(sorted.length / 2)] ?? {};
}

function fmt(value: number | string | undefined, digits = 2): string {
  if (value === undefined) return "–";
  if (typeof value === "string") return value;
  if (!Number.isFinite(value)) return "–";
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { only: { type: "string" }, markdown: { type: "boolean", default: false } },
  });
  const n = Number(process.env.WAIT_BENCH_N ?? 100_000);
  const only = values.only ? new RegExp(values.only) : undefined;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log(
    `wait store bench: ${n.toLocaleString("en-US")} waits; ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ` +
      `Node ${process.version}, load ${loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
  );
  const rows: string[][] = [];
  const present = CANDIDATES.filter((c) => (!only || only.test(c.name)) && c.missing() === undefined);
  for (const c of CANDIDATES) {
    if (only && !only.test(c.name)) continue;
    const missing = c.missing();
    if (missing) rows.push([c.name, missing]);
  }
  const dirs: string[] = [];
  const fresh = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "wait-bench-"));
    dirs.push(dir);
    return dir;
  };
  const measure = (role: string, candidate: Candidate, dir: string): Promise<Result> => {
    log(`  ${candidate.name}: ${role}`);
    return runChild(role, candidate, dir, n);
  };
  try {
    // The short measurements are taken ROUNDS times, the candidates taking turns, and the median kept: on a
    // shared machine a single run mostly measures the neighbours.
    const latency = new Map<Candidate, Result[]>(present.map((c) => [c, []]));
    const concurrent = new Map<Candidate, Result[]>(present.map((c) => [c, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of present) latency.get(c)?.push(await measure("latency", c, fresh()));
      for (const c of present) concurrent.get(c)?.push(await measure("concurrent", c, fresh()));
    }
    for (const candidate of present) {
      const filled = fresh();
      const fill = await measure("fill", candidate, filled);
      const fileBytes = dirBytes(filled);
      const start = await measure("start", candidate, filled);
      const scheduler = candidate.name.startsWith("journal")
        ? await measure("scheduler", candidate, filled)
        : undefined;
      const compaction = await measure("compaction", candidate, filled);
      const lat = median(latency.get(candidate) ?? [], "p50");
      const con = median(concurrent.get(candidate) ?? [], "perSecond");
      rows.push([
        candidate.name,
        `${fmt(lat.p50)} / ${fmt(lat.p99)}`,
        `${fmt(con.perSecond)} (${fmt(con.flushesPerWait, 3)})`,
        `${fmt(con.p50)} / ${fmt(con.p99)}`,
        fmt(fill.fillSeconds, 1),
        fmt(mib(fileBytes), 1),
        fmt(start.startMs, 0),
        `${fmt(start.rssMiB, 0)} (${fmt(start.peakRssMiB, 0)})`,
        scheduler
          ? `${fmt(scheduler.startMs, 0)} ms, ${fmt(scheduler.rssMiB, 0)} (${fmt(scheduler.peakRssMiB, 0)}) MiB`
          : "–",
        `${fmt(compaction.seconds, 2)}${typeof compaction.seconds === "number" ? " s" : ""}, ` +
          `${fmt(compaction.beforeMiB, 0)} → ${fmt(compaction.afterMiB, 0)} MiB` +
          (compaction.addP99Meanwhile !== undefined ? `, adds p99 ${fmt(compaction.addP99Meanwhile)} ms` : ""),
      ]);
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const header = [
    "store",
    "add, one at a time: p50 / p99 ms",
    "64 at once: waits/s (flushes per wait)",
    "64 at once: p50 / p99 ms",
    `fill ${n.toLocaleString("en-US")}: s`,
    "file MiB",
    "start: open + load, ms",
    "RSS after start (peak), MiB",
    "start with scheduler",
    "compaction (½ removed)",
  ];
  if (values.markdown) {
    console.log(`| ${header.join(" | ")} |`);
    console.log(`| ${header.map(() => "---").join(" | ")} |`);
    for (const row of rows) console.log(`| ${row.join(" | ")}${" | –".repeat(header.length - row.length)} |`);
  } else {
    for (const row of rows) console.log(header.map((h, i) => `${h}: ${row[i] ?? "–"}`).join("\n  "));
  }
}

benchEntry(main, ([role, name, dir, n]) => child(role, name, dir, Number(n)));
