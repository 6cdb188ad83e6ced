/**
 * The long checks (`--burst`): one burst of BENCH_BURST_N messages into each
 * of our lookup setups and into the core tcp request node, then the same flow
 * hit by BENCH_BURSTS bursts in a row with the RSS after each, to show memory
 * does not grow.
 */
import { closedLoop, collectGarbage, mib, RssSampler } from "./measure";
import { FlowDriver } from "./flow-driver";
import { poolToken, poolUid } from "./dataset";
import { runRow, type BenchContext, type RowResult, type RowSpec } from "./row";
import { lookupFlow, nodeStudyRow } from "./rows-nodes";
import { peerRow } from "./rows-peer";

export interface RepeatedBurst {
  burst: number;
  correct: number;
  /** Answers that came after the lookup had been given up as NO_ANSWER. */
  lateOutputs: number;
  failures: Record<string, number>;
  elapsedMs: number;
  peakRssMiB: number;
  /** After the burst and a full GC. */
  rssMiB: number;
  heapUsedMiB: number;
}

export function burstRows(burstN: number): RowSpec[] {
  return [
    nodeStudyRow("per-lookup", "burst", false, burstN),
    nodeStudyRow("kept-open", "burst", false, burstN),
    nodeStudyRow("per-lookup", "burst", true, burstN),
    peerRow("burst", burstN),
  ].map((spec) => ({ ...spec, id: `${spec.id} (${burstN})` }));
}

export async function runBurstRows(
  specs: RowSpec[],
  ctx: BenchContext,
  log: (line: string) => void,
): Promise<[string, RowResult][]> {
  const results: [string, RowResult][] = [];
  for (const spec of specs) {
    log(`burst: ${spec.id}`);
    results.push([spec.id, await runRow({ ...spec, once: false }, ctx)]);
  }
  return results;
}

/** Study lookups, cache as the config node has it, kept-open with 4 connections: one deployed flow, `bursts` bursts. */
export async function repeatedBursts(
  ctx: BenchContext,
  burstN: number,
  bursts: number,
  log: (line: string) => void,
): Promise<RepeatedBurst[]> {
  const red = await ctx.nodeRed();
  await red.deploy(
    lookupFlow(ctx.sim.port, { lookupType: "sante-study-token", mode: "kept-open", connections: 4, cache: true }),
  );
  const driver = new FlowDriver(
    red,
    "lookup",
    // Each burst numbers its messages on from the last (the same UIDs), so a late answer is never taken for this burst's.
    (i) => poolUid(i % burstN),
    (msg) => msg.payload === poolToken((msg.benchIndex as number) % burstN),
    15_000,
  );
  const out: RepeatedBurst[] = [];
  try {
    for (let k = 1; k <= bursts; k++) {
      driver.resetCounts();
      const rss = new RssSampler();
      rss.start();
      const run = await closedLoop(burstN, burstN, driver.lookup, (k - 1) * burstN);
      const peakRssMiB = rss.stop();
      collectGarbage();
      const mem = process.memoryUsage();
      const row: RepeatedBurst = {
        burst: k,
        correct: run.correct,
        lateOutputs: 0,
        failures: run.failures,
        elapsedMs: run.elapsedMs,
        peakRssMiB,
        rssMiB: mib(mem.rss),
        heapUsedMiB: mib(mem.heapUsed),
      };
      // Answers still on their way when a burst was given up on show up during the next: count them there.
      if (out.length > 0) out[out.length - 1].lateOutputs = driver.unmatched;
      log(
        `repeated burst ${k}/${bursts}: ${run.correct}/${burstN} correct${describe(run.failures)}, ` +
          `${(run.elapsedMs / 1000).toFixed(1)} s, peak RSS ${peakRssMiB.toFixed(0)} MiB, ` +
          `after GC: RSS ${row.rssMiB.toFixed(0)} MiB, heap ${row.heapUsedMiB.toFixed(1)} MiB`,
      );
      out.push(row);
    }
  } finally {
    driver.dispose();
    await red.deploy([]);
  }
  return out;
}

function describe(failures: Record<string, number>): string {
  const parts = Object.entries(failures).map(([code, count]) => `${count} ${code}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}
