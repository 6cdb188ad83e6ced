import type { RowResult } from "./row";

const HEAD = [
  "row",
  "mode",
  "in flight",
  "N",
  "lookups/s",
  "spread",
  "p50 ms",
  "p99 ms",
  "CPU µs",
  "correct",
  "outputs",
  "peak RSS MiB",
  "PACS conns",
  "× raw",
  "× same policy",
  "target",
];

function fixed(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}

/** How far apart the rounds' rates were, as ± half the range over the median: the noise of this machine. */
function spread(r: RowResult): string {
  if (r.roundRates.length < 2 || r.lookupsPerSecond <= 0) return "";
  const half = (Math.max(...r.roundRates) - Math.min(...r.roundRates)) / 2;
  return `±${((100 * half) / r.lookupsPerSecond).toFixed(0)}%`;
}

function rowName(r: RowResult): string {
  return `${r.group}: ${r.what}`;
}

function failures(r: RowResult): string {
  const parts = Object.entries(r.failures).map(([code, count]) => `${count} ${code}`);
  return parts.length > 0 ? ` (${parts.join(", ")})` : "";
}

function cells(r: RowResult): string[] {
  const target = r.target
    ? `${r.target.label}: ${fixed(r.target.ratio, r.target.min >= 10 ? 1 : 2)} ${r.target.met ? "met" : "MISSED"}`
    : "";
  return [
    rowName(r),
    r.mode,
    String(r.inFlight),
    String(r.n),
    fixed(r.lookupsPerSecond, 0),
    spread(r),
    fixed(r.p50Ms, 2),
    fixed(r.p99Ms, 2),
    fixed(r.cpuUsPerLookup, 0),
    `${r.correct}/${r.n}${failures(r)}`,
    r.outputs === null ? "–" : String(r.outputs),
    fixed(r.peakRssMiB, 0),
    String(r.pacsPeakConnections),
    fixed(r.ratioToBaseline, 2),
    fixed(r.ratioToSamePolicy, 2),
    target,
  ];
}

/** A plain-text table for the terminal. */
export function textTable(rows: readonly RowResult[]): string {
  const body = rows.map(cells);
  const widths = HEAD.map((h, k) => Math.max(h.length, ...body.map((c) => c[k].length)));
  const line = (c: string[]) => c.map((x, k) => (k <= 2 ? x.padEnd(widths[k]) : x.padStart(widths[k]))).join("  ");
  return [line(HEAD), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** Columns the README's table keeps (the others are in results.json). */
const MARKDOWN_COLUMNS = [
  "row",
  "mode",
  "in flight",
  "N",
  "lookups/s",
  "p50 ms",
  "p99 ms",
  "correct",
  "outputs",
  "peak RSS MiB",
  "× raw",
  "× same policy",
  "target",
];

/** A narrower Markdown table, for the README. */
export function markdownTable(rows: readonly RowResult[]): string {
  const keep = MARKDOWN_COLUMNS.map((name) => HEAD.indexOf(name));
  const md = (c: string[]) => `| ${keep.map((k) => c[k].replace(/\|/g, "\\|")).join(" | ")} |`;
  const align = HEAD.map((_, k) => (k <= 2 ? "---" : "---:"));
  return [md(HEAD), md(align), ...rows.map((r) => md(cells(r)))].join("\n");
}

/** What the columns mean, printed under the table. */
export const LEGEND = [
  "lookups/s: correct answers per second, median of the rounds; spread: ± half the range of the rounds' rates.",
  "p50/p99: latency of one lookup, injection to answer (for a burst, including the wait behind the others).",
  "CPU µs: CPU time of the bench process (Node-RED included, simulator not) per lookup.",
  "outputs: messages at the end of the flow; PACS conns: most sockets open at once at the simulator.",
  "× raw: median over the rounds of this row's rate ÷ the rate of the raw row of the same mode and in-flight count",
  "  (raw patient rows for patient rows, raw ×1 per-lookup for the tcp request node, raw ×4 for bursts, raw kept-open",
  "  for floor rows) in the same round. × same policy: the same against the raw row with our pool's close policy (a",
  "  per-lookup socket's slot is free once it has closed, not at the reply, so the PACS never sees more than N sockets).",
].join("\n");
