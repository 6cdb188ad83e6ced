/**
 * `--profile <dir>`: a V8 CPU profile of each row's measured run (not its
 * warm-up or set-up), written as <dir>/<row>.cpuprofile for Chrome DevTools,
 * and the sampled time split by layer in µs per lookup, so a loss can be put
 * where it is: Node-RED's runtime, our node glue, our client, Node.js's own
 * sockets and timers, the bench's driver, or the garbage collector.
 */
import { Session } from "node:inspector";
import { writeFileSync } from "node:fs";
import * as path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** The shape of a V8 .cpuprofile (Profiler.Profile in the DevTools protocol). */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Sampled microseconds per lookup, by layer; `total` excludes idle time. */
export type LayerShares = Record<string, number>;

/** One sample every 100 µs: fine enough for code paths of a few µs per lookup, over many lookups. */
const SAMPLING_INTERVAL_US = 100;

/** Layers in the order the summary prints them. */
export const LAYERS = [
  "node-red",
  "glue",
  "core",
  "node:net",
  "node:timers",
  "node:other",
  "bench",
  "native",
  "gc",
  "program",
] as const;
type Layer = (typeof LAYERS)[number] | "idle";

function layerOf(frame: CallFrame): Layer {
  const url = frame.url;
  if (url === "") {
    if (frame.functionName === "(garbage collector)") return "gc";
    if (frame.functionName === "(idle)") return "idle";
    // (program): V8 and libuv outside any JS function, which includes the microtask queue's own work.
    if (frame.functionName === "(program)" || frame.functionName === "(root)") return "program";
    return "native";
  }
  if (url.includes("/@node-red/") || url.includes("/node_modules/node-red/")) return "node-red";
  if (url.includes("/dist/nodes/")) return "glue";
  if (url.includes("/dist/lib/")) return "core";
  if (url.includes("/dist/bench/")) return "bench";
  if (/^node:(net|internal\/(stream_base_commons|streams\/|net))/.test(url)) return "node:net";
  if (/^node:(timers|internal\/timers)/.test(url)) return "node:timers";
  return "node:other";
}

export class RowProfiler {
  private readonly session = new Session();

  private constructor() {}

  static async start(): Promise<RowProfiler> {
    const profiler = new RowProfiler();
    profiler.session.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await profiler.post("Profiler.start");
    return profiler;
  }

  async stop(): Promise<CpuProfile> {
    try {
      const { profile } = (await this.post("Profiler.stop")) as { profile: CpuProfile };
      return profile;
    } finally {
      this.session.disconnect();
    }
  }

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params, (err, result) => (err ? reject(err) : resolve(result)));
    });
  }
}

/** Self time of every sample, by the layer of the function it was in, in µs per lookup. */
export function layerShares(profile: CpuProfile, lookups: number): LayerShares {
  const layers = new Map<number, Layer>(profile.nodes.map((n) => [n.id, layerOf(n.callFrame)]));
  const shares: LayerShares = {};
  let total = 0;
  for (let k = 0; k < profile.samples.length; k++) {
    // timeDeltas[k + 1] is how long the sample k stood (the last one's length is unknown: left out).
    const us = profile.timeDeltas[k + 1] ?? 0;
    const layer = layers.get(profile.samples[k]) ?? "program";
    if (layer === "idle") continue;
    shares[layer] = (shares[layer] ?? 0) + us;
    total += us;
  }
  for (const key of Object.keys(shares)) shares[key] /= lookups;
  shares.total = total / lookups;
  return shares;
}

export function writeProfile(dir: string, rowId: string, profile: CpuProfile): string {
  const file = path.join(dir, `${rowId.replace(/[^A-Za-z0-9.-]+/g, "_")}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return file;
}

/**
 * The layer shares of each profiled row, one line each, scaled to the row's
 * CPU µs per lookup: a sample counts wall time, which on a busy machine
 * includes time the process waited for a CPU, so only the proportions are kept.
 */
export function sharesTable(rows: readonly { id: string; shares: LayerShares; cpuUs: number }[]): string {
  const head = ["row (CPU µs per lookup, by profile share)", ...LAYERS, "total"];
  const body = rows.map((r) => {
    const scale = r.shares.total > 0 ? r.cpuUs / r.shares.total : 0;
    return [r.id, ...[...LAYERS, "total"].map((l) => ((r.shares[l] ?? 0) * scale).toFixed(1))];
  });
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((c) => c[k].length)));
  const line = (c: string[]) => c.map((x, k) => (k === 0 ? x.padEnd(widths[k]) : x.padStart(widths[k]))).join("  ");
  return [line(head), ...body.map(line)].join("\n");
}
