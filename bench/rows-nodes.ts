/**
 * Our nodes in the embedded Node-RED: inject → lookup node → bench-sink, with
 * a Catch node scoped to the lookup node sending errors to a second sink.
 */
import { patientId, patientStudies, poolToken, poolUid, type PatientSize } from "./dataset";
import { FlowDriver } from "./flow-driver";
import { TAB, type BenchMessage, type FlowNode } from "./node-red-embed";
import type { BenchContext, Mode, RowSession, RowSpec } from "./row";
import { rawPolicyRowId, rawRowId } from "./rows-raw";

/** Distinct UIDs a cache-on row cycles through (each asked the PACS once, then served from the cache). */
export const CACHED_DISTINCT = 50;
/** Our nodes' own timeout is 10 s; a lookup silent for longer than that is lost. */
const STALL_MS = 15_000;

export interface LookupFlow {
  lookupType: "sante-study-token" | "sante-patient-tokens";
  mode: Mode;
  connections: number;
  cache: boolean;
}

export function lookupFlow(port: number, f: LookupFlow): FlowNode[] {
  return [
    {
      id: "pacs",
      type: "sante-pacs-server",
      name: "bench PACS",
      host: "127.0.0.1",
      port: String(port),
      timeout: "10000",
      connections: String(f.connections),
      keepAlive: f.mode === "kept-open",
      cacheSize: f.cache ? "10000" : "0",
      // A backlog replay: the 100,000-message bursts must all wait, not be refused with SANTE_BUSY.
      queueLimit: "200000",
    },
    {
      id: "lookup",
      type: f.lookupType,
      z: TAB,
      name: "",
      server: "pacs",
      property: "payload",
      propertyType: "msg",
      output: "payload",
      split: false,
      wires: [["out"]],
    },
    { id: "out", type: "bench-sink", z: TAB, channel: "out", wires: [] },
    { id: "catch", type: "catch", z: TAB, scope: ["lookup"], uncaught: false, wires: [["err"]] },
    { id: "err", type: "bench-sink", z: TAB, channel: "err", wires: [] },
  ];
}

/** Deploys `flow` and drives its node "lookup"; the peer rows use it too. */
export async function openFlow(
  ctx: BenchContext,
  flow: FlowNode[],
  payloadOf: (i: number) => unknown,
  isCorrect: (msg: BenchMessage) => boolean,
  stallMs: number,
  matchOldest = false,
): Promise<RowSession> {
  const red = await ctx.nodeRed();
  await red.deploy(flow);
  const driver = new FlowDriver(red, "lookup", payloadOf, isCorrect, stallMs, matchOldest);
  return {
    lookup: driver.lookup,
    outputs: () => driver.outputs,
    unmatched: () => driver.unmatched,
    beforeMeasure: () => driver.resetCounts(),
    teardown: async () => {
      driver.dispose();
      await red.deploy([]);
    },
  };
}

/** The tokens of the studies cache-on rows repeat: computed once, so checking an answer costs no more than the lookup. */
const cachedTokens = Array.from({ length: 2 * CACHED_DISTINCT }, (_, k) => poolToken(k));

/** Which pool study lookup `i` asks about: all distinct, or CACHED_DISTINCT repeated (the warm-up another such set). */
function studyIndex(cache: boolean, warmupBase: number): (i: number) => number {
  if (!cache) return (i) => i;
  return (i) => (i >= warmupBase ? CACHED_DISTINCT : 0) + (i % CACHED_DISTINCT);
}

function expectedToken(cache: boolean, index: number): string {
  return cache ? cachedTokens[index] : poolToken(index);
}

export function nodeStudyRowId(mode: Mode, inFlight: number | "burst", cache: boolean): string {
  return `nodes study${cache ? " cached" : ""} ${mode} ×${inFlight}`;
}

export function nodeStudyRow(mode: Mode, inFlight: number | "burst", cache: boolean, n?: number): RowSpec {
  const connections = inFlight === "burst" ? 4 : inFlight;
  const offTarget = mode === "per-lookup" ? 0.8 : 0.6;
  return {
    id: nodeStudyRowId(mode, inFlight, cache),
    group: "nodes",
    what: cache ? `study, cache on (${CACHED_DISTINCT} UIDs repeated)` : "study, cache off",
    mode,
    inFlight,
    n,
    ours: true,
    baseline: rawRowId("study", mode, connections),
    samePolicy: mode === "per-lookup" && !cache ? rawPolicyRowId("study", connections) : undefined,
    target:
      inFlight === "burst"
        ? undefined
        : cache
          ? { min: 20, of: nodeStudyRowId(mode, inFlight, false), label: "≥20× cache off" }
          : { min: offTarget, of: rawRowId("study", mode, inFlight), label: `≥${offTarget}× raw` },
    open: (ctx) => {
      const uidIndex = studyIndex(cache, ctx.warmupBase);
      return openFlow(
        ctx,
        lookupFlow(ctx.sim.port, { lookupType: "sante-study-token", mode, connections, cache }),
        (i) => poolUid(uidIndex(i)),
        (msg) => msg.payload === expectedToken(cache, uidIndex(msg.benchIndex as number)),
        STALL_MS,
      );
    },
  };
}

export function nodePatientRow(size: PatientSize, mode: Mode, inFlight: number): RowSpec {
  return {
    id: `nodes patient${size} ${mode} ×${inFlight}`,
    group: "nodes",
    what: `patient, ${size} studies`,
    mode,
    inFlight,
    ours: true,
    baseline: rawRowId(`patient${size}`, mode, inFlight),
    open: (ctx) =>
      openFlow(
        ctx,
        lookupFlow(ctx.sim.port, { lookupType: "sante-patient-tokens", mode, connections: inFlight, cache: true }),
        (i) => patientId(size, i),
        (msg) => sameStudies(msg.payload, patientStudies(size, msg.benchIndex as number)),
        STALL_MS,
      ),
  };
}

function sameStudies(got: unknown, expected: readonly { studyInstanceUid: string; token: string }[]): boolean {
  if (!Array.isArray(got) || got.length !== expected.length) return false;
  return expected.every((e, k) => {
    const s = got[k] as { studyInstanceUid?: unknown; token?: unknown } | null;
    return s?.studyInstanceUid === e.studyInstanceUid && s.token === e.token;
  });
}
