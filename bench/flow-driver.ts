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
  /**
   * Inputs still waiting: one byte per index, not a Map entry, so that a burst of 100,000 costs the
   * bench 100 KB rather than some 4 MB of heap, which V8 would multiply before collecting. Indices start
   * in increasing order, so the oldest waiting one is the first marked from `oldest` on.
   */
  private waiting = new Uint8Array(1024);
  private waitingCount = 0;
  private oldest = 0;
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
    private readonly payloadOf: (index: number) => unknown,
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
      if (this.waitingCount > 0 && now - this.lastProgress > stallMs) {
        const left: number[] = [];
        for (let index = this.oldest; index < this.waiting.length && left.length < this.waitingCount; index++) {
          if (this.waiting[index] === 1) left.push(index);
        }
        this.waiting.fill(0);
        this.waitingCount = 0;
        for (const index of left) this.settle(index, NO_ANSWER);
      }
    }, WATCHDOG_MS);
  }

  readonly lookup: Lookup = (index, settle) => {
    this.settle = settle;
    // Injecting a burst can keep the event loop busy for seconds; the quiet time counts from the last input.
    this.lastProgress = performance.now();
    this.markWaiting(index);
    // As a message coming over a wire already has its _msgid, the slot is there from the start (receive() fills
    // it): a literal without it would make V8 give each of a burst's 100,000 messages a property array too.
    this.entry.receive({ _msgid: undefined, payload: this.payloadOf(index), benchIndex: index });
  };

  private markWaiting(index: number): void {
    if (index >= this.waiting.length) {
      const grown = new Uint8Array(Math.max(index + 1, 2 * this.waiting.length));
      grown.set(this.waiting);
      this.waiting = grown;
    }
    if (this.waitingCount === 0) this.oldest = index;
    this.waiting[index] = 1;
    this.waitingCount++;
  }

  private isWaiting(index: unknown): index is number {
    return typeof index === "number" && index >= 0 && index < this.waiting.length && this.waiting[index] === 1;
  }

  private oldestWaiting(): number | undefined {
    if (this.waitingCount === 0) return undefined;
    while (this.waiting[this.oldest] !== 1) this.oldest++;
    return this.oldest;
  }

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
    let index = this.isWaiting(msg.benchIndex) ? msg.benchIndex : undefined;
    if (index === undefined && this.matchOldest) index = this.oldestWaiting();
    if (index === undefined) {
      this.unmatched++;
      return;
    }
    this.waiting[index] = 0;
    this.waitingCount--;
    if (channel === "out") this.settle(index, this.isCorrect(msg) ? undefined : WRONG_ANSWER);
    else this.settle(index, msg.error?.code ?? `ERROR ${msg.error?.message ?? ""}`.slice(0, 40));
  }
}
