/**
 * `node dist/bench/wait-nodes.js` (part of `npm run bench`): the wait mode of sante-study-token in a real Node-RED
 * runtime (bench/node-red-embed.ts), against the simulator in its own process (bench/sim-child.ts); every
 * measurement in a fresh child process, so that one's memory does not colour another's.
 *
 *   accept      an order (1.2 KB ORM^O01, the UID read with an hl7 path) for a study the PACS does not know:
 *               without wait mode it ends with SANTE_NOT_FOUND at Catch; in wait mode it is stored (fdatasync)
 *               and leaves by the "waiting" output. The difference is what waiting adds per accepted order:
 *               one at a time (p50/p99), and 64 in flight (orders/s, group commit). 3 rounds, the modes taking
 *               turns, the median round shown.
 *   start       Node-RED with WAIT_BENCH_N (100,000) waits in its journal: from the deploy until the study node
 *               shows them all in its status (store opened, every wait attached to the scheduler), and RSS after
 *               a GC and at its peak; next to the same start with an empty journal.
 *   overdue     the same start with every wait due at once (a restart after a long stop), then 10 s of polling:
 *               lookups made, the most connections the simulator saw at once (at most `connections`, 4), peak RSS.
 *
 *   WAIT_BENCH_N=100000     waits for `start`
 *   WAIT_BENCH_ACCEPT=500   orders per `accept` row
 *   --markdown              also print the table as Markdown
 *
 * Targets (issue 13): RSS < 250 MiB and start < 5 s with 100,000 waits. Results also go to bench/wait-nodes.json.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { WaitStore } from "../lib/wait/store";
import { WAIT_JOURNAL } from "../nodes/glue/wait-store-lease";
import { benchEntry, runChild as runChildProcess } from "./child";
import { collectGarbage, mib, percentile, RssSampler } from "./measure";
import { NodeRedBench, TAB, type BenchMessage, type FlowNode } from "./node-red-embed";
import { SimChild } from "./sim-child";
import { benchMessage, benchWait } from "./wait-fixture";
import { median as middle } from "./mllp-baseline";

const root = path.resolve(__dirname, "..", "..");
const STUDY = "bench-study";
const RSS_LIMIT_MIB = 250;
const START_LIMIT_MS = 5000;
/** Rounds of the accept rows, the two modes taking turns; the table shows the median round. */
const ROUNDS = 3;

interface Row {
  row: string;
  figures: Record<string, number | string>;
}

function envNumber(name: string, fallback: number): number {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a whole number > 0`);
  return n;
}

function pct(latencies: number[], p: number): number {
  return percentile(Float64Array.from(latencies), latencies.length, p);
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A study node (wait mode or not) reading the UID from ZDS-1, wired to sinks; a Catch sink for errors. */
function flow(simPort: number, wait: boolean, plan = "100x1h"): FlowNode[] {
  return [
    { id: "pacs", type: "sante-pacs-server", host: "127.0.0.1", port: String(simPort), connections: "4" },
    {
      id: STUDY,
      type: "sante-study-token",
      z: TAB,
      server: "pacs",
      property: "ZDS-1.1",
      propertyType: "hl7",
      output: "token",
      wait,
      waitPlan: plan,
      waitDeadline: "3d",
      wires: [["found"], ["waiting"]],
    },
    { id: "found", type: "bench-sink", z: TAB, channel: "found" },
    { id: "waiting", type: "bench-sink", z: TAB, channel: "waiting" },
    { id: "catch", type: "catch", z: TAB, scope: [STUDY], wires: [["caught"]] },
    { id: "caught", type: "bench-sink", z: TAB, channel: "caught" },
  ];
}

/** Sends order n and resolves with where it came out; `inFlight` at a time, `count` in all. Latencies in ms. */
async function drive(red: NodeRedBench, first: number, count: number, inFlight: number) {
  const pending = new Map<number, (channel: string) => void>();
  red.onSink((channel, msg: BenchMessage) => {
    const n = Number(msg.benchIndex);
    const done = pending.get(n);
    pending.delete(n);
    done?.(channel);
  });
  const latencies: number[] = [];
  const channels: Record<string, number> = {};
  const node = red.node(STUDY);
  let next = first;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < first + count) {
        const n = next++;
        const started = performance.now();
        const channel = await new Promise<string>((resolve) => {
          pending.set(n, resolve);
          node.receive({ ...benchMessage(n), benchIndex: n });
        });
        latencies.push(performance.now() - started);
        channels[channel] = (channels[channel] ?? 0) + 1;
      }
    }),
  );
  return { latencies, channels, perSecond: count / ((performance.now() - t0) / 1000) };
}

/** Child role: orders for unknown studies through the study node, without and with wait mode, in turns. */
async function roleAccept(simPort: number, count: number): Promise<Row[]> {
  const red = await NodeRedBench.start(path.join(root, "dist", "nodes"));
  const rounds: Record<"plain" | "wait", Array<[Driven, Driven]>> = { plain: [], wait: [] };
  try {
    let base = 9_000_000;
    for (let round = 0; round < ROUNDS; round++) {
      for (const wait of [false, true]) {
        await red.deploy(flow(simPort, wait));
        await drive(red, base, 200, 4); // warm-up
        base += 200;
        const one = await drive(red, base, count, 1);
        base += count;
        const many = await drive(red, base, count * 4, 64);
        base += count * 4;
        rounds[wait ? "wait" : "plain"].push([one, many]);
      }
    }
  } finally {
    await red.stop();
  }
  return (["plain", "wait"] as const).map((mode) => {
    const runs = rounds[mode];
    const median = (f: (one: Driven, many: Driven) => number) => middle(runs.map(([one, many]) => f(one, many)));
    const ended = mode === "wait" ? "waiting" : "caught";
    const total = runs.reduce((sum, [one, many]) => sum + (one.channels[ended] ?? 0) + (many.channels[ended] ?? 0), 0);
    return {
      row:
        mode === "wait"
          ? "accept: wait mode, stored → waiting output"
          : "accept: no wait mode, SANTE_NOT_FOUND → Catch",
      figures: {
        "1 at a time p50 ms": median((one) => pct(one.latencies, 50)),
        "1 at a time p99 ms": median((one) => pct(one.latencies, 99)),
        "64 in flight /s": Math.round(median((_, many) => many.perSecond)),
        "64 in flight p50 ms": median((_, many) => pct(many.latencies, 50)),
        ended: `${total}/${ROUNDS * count * 5} at ${ended}`,
      },
    };
  });
}

type Driven = Awaited<ReturnType<typeof drive>>;

/** Child role: fills a journal with `n` waits of the bench study node, next attempts an hour away or all due now. */
async function roleFill(dir: string, n: number, due: boolean): Promise<Row[]> {
  const store = await WaitStore.open(path.join(dir, WAIT_JOURNAL));
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      while (next < n) {
        const i = next++;
        const nextAttemptAt = due ? Date.now() : Date.now() + 3_600_000;
        await store.add({ ...benchWait(i, STUDY), nextAttemptAt }, benchMessage(i));
      }
    }),
  );
  const fileMiB = mib(store.stats.fileBytes);
  await store.close();
  const seconds = (performance.now() - t0) / 1000;
  return [{ row: `fill${due ? " (due now)" : ""}`, figures: { waits: n, seconds, "file MiB": fileMiB } }];
}

/** Child role: Node-RED with the journal in `dir` (or none): deploy until the status shows every wait. */
async function roleStart(dir: string, n: number, simPort: number, pollMs: number): Promise<Row[]> {
  const red = await NodeRedBench.start(path.join(root, "dist", "nodes"));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the embedded runtime's own settings and events
    const runtime = require("node-red") as {
      settings: { userDir: string };
      events: { on(e: string, f: (s: { id: string; status?: { text?: string } }) => void): void };
    };
    if (n > 0) {
      mkdirSync(path.join(runtime.settings.userDir, "sante-waits"), { recursive: true });
      cpSync(path.join(dir, WAIT_JOURNAL), path.join(runtime.settings.userDir, WAIT_JOURNAL));
    }
    collectGarbage();
    const before = process.memoryUsage().rss;
    const shown = new Promise<void>((resolve) => {
      if (n === 0) return resolve();
      runtime.events.on("node-status", (event) => {
        if (event.id === STUDY && event.status?.text?.startsWith(`${n} waiting for images`)) resolve();
      });
    });
    const sampler = new RssSampler();
    sampler.start();
    const t0 = performance.now();
    await red.deploy(flow(simPort, true));
    await shown;
    const ms = performance.now() - t0;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const peak = sampler.stop();
    collectGarbage();
    const rss = process.memoryUsage().rss;
    return [
      {
        row: `start: ${n.toLocaleString("en-US")} waits${pollMs > 0 ? `, all due, then ${pollMs / 1000} s of polling` : ""}`,
        figures: {
          "deploy → all attached ms": Math.round(ms),
          "RSS MiB": Math.round(mib(rss)),
          "peak RSS MiB": Math.round(peak),
          "RSS before deploy MiB": Math.round(mib(before)),
        },
      },
    ];
  } finally {
    await red.stop();
  }
}

function runChild(args: string[]): Promise<Row[]> {
  return runChildProcess<Row[]>(__filename, args);
}

/** Rows one after another with the same figures share a table. */
function table(rows: Row[], markdown: boolean): string {
  const cell = (v: number | string) => (typeof v === "number" ? round(v) : v);
  if (!markdown) {
    return rows
      .map(
        (r) =>
          `${r.row}\n${Object.entries(r.figures)
            .map(([k, v]) => `  ${k}: ${cell(v)}`)
            .join("\n")}`,
      )
      .join("\n");
  }
  const out: string[] = [];
  let keys = "";
  for (const r of rows) {
    const names = Object.keys(r.figures);
    if (names.join("|") !== keys) {
      keys = names.join("|");
      out.push("", `| row | ${names.join(" | ")} |`, `| --- |${names.map(() => " ---: |").join("")}`);
    }
    out.push(`| ${r.row} | ${Object.values(r.figures).map(cell).join(" | ")} |`);
  }
  return out.join("\n");
}

function round(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { markdown: { type: "boolean", default: false } } });
  const n = envNumber("WAIT_BENCH_N", 100_000);
  const accept = envNumber("WAIT_BENCH_ACCEPT", 500);
  const dir = mkdtempSync(path.join(tmpdir(), "sante-wait-nodes-"));
  const dueDir = mkdtempSync(path.join(tmpdir(), "sante-wait-nodes-due-"));
  const sim = await SimChild.start(1000);
  const rows: Row[] = [];
  try {
    log(`wait-nodes: accept (${ROUNDS} rounds of ${accept} + ${accept * 4} orders each way)`);
    rows.push(...(await runChild(["accept", String(sim.port), String(accept)])));
    log(`wait-nodes: fill ${n} waits`);
    rows.push(...(await runChild(["fill", dir, String(n), "later"])));
    log("wait-nodes: start without waits, then with them");
    rows.push(...(await runChild(["start", dir, "0", String(sim.port), "0"])));
    rows.push(...(await runChild(["start", dir, String(n), String(sim.port), "0"])));
    log(`wait-nodes: fill ${n} waits due at once, start, poll`);
    rows.push(...(await runChild(["fill", dueDir, String(n), "due"])));
    await sim.reset();
    const overdue = await runChild(["start", dueDir, String(n), String(sim.port), "10000"]);
    const polled = await sim.reset();
    overdue[0].figures["lookups"] = polled.requests;
    overdue[0].figures["most connections at once"] = polled.peak;
    rows.push(...overdue);
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dueDir, { recursive: true, force: true });
  }
  const [plain, waiting] = rows;
  const added = (key: string) => Number(waiting.figures[key]) - Number(plain.figures[key]);
  const start = rows.find((r) => r.row === `start: ${n.toLocaleString("en-US")} waits`) as Row;
  const verdict = [
    `added by waiting, per accepted order: p50 ${round(added("1 at a time p50 ms"))} ms, p99 ${round(added("1 at a time p99 ms"))} ms (one at a time)`,
    `start with ${n.toLocaleString("en-US")} waits: ${start.figures["deploy → all attached ms"]} ms (target < ${START_LIMIT_MS}), ` +
      `RSS ${start.figures["RSS MiB"]} MiB, peak ${start.figures["peak RSS MiB"]} MiB (target < ${RSS_LIMIT_MIB})`,
  ];
  console.log(`\nWaits in the nodes (bench/wait-nodes.ts)\n${table(rows, false)}\n\n${verdict.join("\n")}`);
  if (values.markdown) console.log(`\n${table(rows, true)}`);
  const report = {
    startedAt: new Date().toISOString(),
    machine: { nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg: loadavg() },
    rows,
    verdict,
  };
  writeFileSync(path.join(root, "bench", "wait-nodes.json"), `${JSON.stringify(report, null, 2)}\n`);
}

benchEntry(main, ([role, a, b, c, d]) =>
  role === "accept"
    ? roleAccept(Number(a), Number(b))
    : role === "fill"
      ? roleFill(a, Number(b), c === "due")
      : roleStart(a, Number(b), Number(c), Number(d)),
);
