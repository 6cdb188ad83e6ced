import { performance } from "node:perf_hooks";
import { NO_ANSWER, WRONG_ANSWER, type Lookup, type Settle } from "./measure";
import type { BenchMessage, NodeRedBench } from "./node-red-embed";

const WATCHDOG_MS = 100;

/**
 * Turns "inject a message into node X, see what reaches the sinks" into a
 * lookup for the closed loop. An output is matched to the input whose
 * benchIndex it carries. With `matchOldest` (for the core tcp request node,
 * which copies the last message it saw), one carrying an index no longer
 * waiting is matched to the oldest input still waiting; without, it only
 * counts as unmatched. Whether it is correct is decided from its own content.
 */
export class FlowDriver {
  /** Inputs still waiting, oldest first (a Map keeps insertion order); the value is unused. */
  private readonly waiting = new Map<number, true>();
  private settle: Settle = () => undefined;
  private lastProgress = performance.now();
  private readonly watchdog: NodeJS.Timeout;
  private readonly entry: { receive(msg: BenchMessage): void };
  /** Messages at the "out" sink, and those that matched no waiting input. */
  outputs = 0;
  unmatched = 0;

  constructor(
    private readonly bench: NodeRedBench,
    entryId: string,
    private readonly makeMessage: (index: number) => BenchMessage,
    private readonly isCorrect: (msg: BenchMessage) => boolean,
    stallMs: number,
    private readonly matchOldest = false,
  ) {
    this.entry = bench.node(entryId);
    bench.onSink((channel, msg) => this.onSink(channel, msg));
    // Inputs that never get an answer (the core node drops them) end as NO_ANSWER once nothing has come in
    // or out for stallMs.
    let lastTick = performance.now();
    this.watchdog = setInterval(() => {
      const now = performance.now();
      // A tick this late means the event loop was busy (a burst's promise chains run as one long
      // microtask drain, before any answer can be delivered): busy is not stalled.
      if (now - lastTick > WATCHDOG_MS * 5) this.lastProgress = now;
      lastTick = now;
      if (this.waiting.size > 0 && now - this.lastProgress > stallMs) {
        const left = [...this.waiting.keys()];
        this.waiting.clear();
        for (const index of left) this.settle(index, NO_ANSWER);
      }
    }, WATCHDOG_MS);
  }

  readonly lookup: Lookup = (index, settle) => {
    this.settle = settle;
    // Injecting a burst can keep the event loop busy for seconds; the quiet time counts from the last input.
    this.lastProgress = performance.now();
    this.waiting.set(index, true);
    this.entry.receive(this.makeMessage(index));
  };

  resetCounts(): void {
    this.outputs = 0;
    this.unmatched = 0;
  }

  dispose(): void {
    clearInterval(this.watchdog);
    this.bench.onSink(() => undefined);
  }

  private onSink(channel: string, msg: BenchMessage): void {
    this.lastProgress = performance.now();
    if (channel === "out") this.outputs++;
    let index = typeof msg.benchIndex === "number" && this.waiting.has(msg.benchIndex) ? msg.benchIndex : undefined;
    if (index === undefined && this.matchOldest) index = this.waiting.keys().next().value;
    if (index === undefined) {
      this.unmatched++;
      return;
    }
    this.waiting.delete(index);
    if (channel === "out") this.settle(index, this.isCorrect(msg) ? undefined : WRONG_ANSWER);
    else this.settle(index, msg.error?.code ?? `ERROR ${msg.error?.message ?? ""}`.slice(0, 40));
  }
}
