import type { SanteError } from "../errors";
import type { LineFrameDecoder } from "./framing";

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
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (err: SanteError) => void,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  succeed(value: unknown): void {
    if (this.settle()) this.resolve(value);
  }

  fail(err: SanteError): void {
    if (this.settle()) this.reject(err);
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
