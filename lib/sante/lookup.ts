import type { SanteError } from "../errors";
import type { LineFrameDecoder } from "./framing";

/** How a lookup ends: once, with an error, or with the value its decoder read (one callback, so one closure per caller). */
export type LookupDone = (err: SanteError | undefined, value?: unknown) => void;

/**
 * One request on its way to the PACS and the state of its attempts. Only the
 * pool (pool.ts) creates and changes it: the pool decides on retries, the
 * clock and going round again; connections only report what happened. It
 * settles exactly once, whatever races between reply, timeout, socket loss and close.
 */
export class Lookup {
  private settled = false;
  /** The clock of the current attempt: connect plus reply, not the wait in the queue. */
  clock: NodeJS.Timeout | undefined;
  /** Set when a kept-alive connection turned out closed and the lookup went round again. */
  wentRoundAgain = false;
  /** Retries spent after connection failures. */
  retries = 0;

  constructor(
    readonly frame: Buffer,
    readonly newDecoder: () => LineFrameDecoder<unknown>,
    private readonly onEnd: LookupDone,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  succeed(value: unknown): void {
    if (this.settle()) this.onEnd(undefined, value);
  }

  fail(err: SanteError): void {
    if (this.settle()) this.onEnd(err);
  }

  stopClock(): void {
    if (this.clock) clearTimeout(this.clock);
    this.clock = undefined;
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.stopClock();
    return true;
  }
}
