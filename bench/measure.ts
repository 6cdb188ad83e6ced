import { performance } from "node:perf_hooks";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";

/** What one measured run of N lookups gave. */
export interface RunResult {
  n: number;
  /** Lookups that ended (answer, error or given up), and the correct answers among them. */
  settled: number;
  correct: number;
  /** Non-correct endings by code: SANTE_* codes, WRONG_ANSWER, NO_ANSWER. */
  failures: Record<string, number>;
  /** Lookups reported ended a second time (none expected). */
  duplicates: number;
  /** From the first lookup started to the last answer or error. */
  elapsedMs: number;
  /** Start to end in ms, per lookup that got an answer or an error (not those given up as NO_ANSWER); `timed` of them. */
  latencies: Float64Array;
  timed: number;
}

/** The code of a lookup that never got an answer and was given up on. */
export const NO_ANSWER = "NO_ANSWER";
export const WRONG_ANSWER = "WRONG_ANSWER";

/** Ends lookup `index`: no code for a correct answer, else why not. One shared function, so a burst of 100,000 costs no closure each. */
export type Settle = (index: number, code?: string) => void;
/** Starts lookup `index`; it must call settle(index, …) once, synchronously or later. */
export type Lookup = (index: number, settle: Settle) => void;

/** A lookup made of a promise: true for the right answer, false for a wrong one; a rejection counts by its `code`. */
export function promised(ask: (index: number) => Promise<boolean>): Lookup {
  return (index, settle) => {
    let answer: Promise<boolean>;
    try {
      answer = ask(index);
    } catch (err) {
      settle(index, codeOf(err));
      return;
    }
    answer.then(
      (ok) => settle(index, ok ? undefined : WRONG_ANSWER),
      (err: unknown) => settle(index, codeOf(err)),
    );
  };
}

/**
 * Keeps `concurrency` lookups in flight until `n` have ended: each one that
 * ends starts the next, as a busy caller would. concurrency ≥ n is a burst:
 * all start at once. Lookups are numbered first, first + 1, …
 */
export function closedLoop(n: number, concurrency: number, lookup: Lookup, first = 0): Promise<RunResult> {
  const latencies = new Float64Array(n);
  const started = new Float64Array(n);
  const ended = new Uint8Array(n);
  const failures: Record<string, number> = {};
  let next = 0;
  let settled = 0;
  let timed = 0;
  let correct = 0;
  let duplicates = 0;
  const t0 = performance.now();
  let last = t0;
  return new Promise((resolve) => {
    const finish = () => resolve({ n, settled, correct, failures, duplicates, elapsedMs: last - t0, latencies, timed });
    if (n === 0) return finish();
    // Lookups owed a start. A lookup that settles synchronously must not start the next one from inside
    // its own start (a burst would recurse 100,000 deep), so starts go through this loop.
    let owed = Math.min(concurrency, n);
    let pumping = false;
    const pump = (): void => {
      if (pumping) return;
      pumping = true;
      while (owed > 0 && next < n) {
        owed--;
        const k = next++;
        started[k] = performance.now();
        lookup(first + k, settle);
      }
      pumping = false;
    };
    const settle: Settle = (index, code) => {
      const k = index - first;
      if (k < 0 || k >= n || ended[k] === 1) {
        duplicates++;
        return;
      }
      ended[k] = 1;
      const now = performance.now();
      settled++;
      // A lookup given up on says how long we waited, not how long an answer took.
      if (code !== NO_ANSWER) {
        latencies[timed++] = now - started[k];
        last = now;
      }
      if (code === undefined) correct++;
      else failures[code] = (failures[code] ?? 0) + 1;
      if (next < n) {
        owed++;
        pump();
      } else if (settled === n) finish();
    };
    pump();
  });
}

export function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : err instanceof Error ? err.message.slice(0, 40) : String(err);
}

/** p in [0, 100], nearest rank over the first `count` latencies. */
export function percentile(latencies: Float64Array, count: number, p: number): number {
  if (count === 0) return NaN;
  const sorted = latencies.slice(0, count).sort();
  const rank = Math.min(count - 1, Math.max(0, Math.ceil((p / 100) * count) - 1));
  return sorted[rank];
}

/** The bench process's resident set, sampled often enough to catch a burst's peak. */
export class RssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), 20);
  }

  /** Peak in MiB since start(). */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    return mib(this.peak);
  }

  private sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }
}

let gcFunction: (() => void) | undefined;

/**
 * A full GC between rows, so one row's garbage does not land in the next
 * row's RSS. `node --expose-gc` would do; this spares the npm script a flag.
 */
export function collectGarbage(): void {
  if (!gcFunction) {
    setFlagsFromString("--expose-gc");
    gcFunction = runInNewContext("gc") as () => void;
  }
  gcFunction();
}

export function mib(bytes: number): number {
  return bytes / 2 ** 20;
}
