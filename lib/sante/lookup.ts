import type { LineFrameDecoder } from "./framing";
import type { SanteError } from "../errors";

/**
 * One request on its way to the PACS: the frame to send, how to decode the
 * reply, and the promise to settle. It settles exactly once, whatever races
 * between reply, timeout, socket loss and close.
 */
export class Lookup {
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  /** Set when a kept-alive connection turned out closed and the lookup went round again. */
  wentRoundAgain = false;
  /** Retries spent after connection failures. */
  retries = 0;
  /** Called when the clock runs out; the connection that holds the lookup sets it. */
  onTimeout: (() => void) | undefined;

  constructor(
    readonly frame: Buffer,
    readonly newDecoder: () => LineFrameDecoder<unknown>,
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (err: SanteError) => void,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  /**
   * Starts the timeout for one attempt; it covers connect plus reply, not the
   * wait in the queue. Going round again on a stale kept-alive socket keeps the clock running.
   */
  startClock(ms: number, timeoutError: () => SanteError): void {
    if (this.timer || this.settled) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const abort = this.onTimeout;
      this.fail(timeoutError());
      abort?.();
    }, ms);
  }

  /** Before a retry's backoff: the next attempt gets a clock of its own. */
  stopClock(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  succeed(value: unknown): void {
    if (this.settle()) this.resolve(value);
  }

  fail(err: SanteError): void {
    if (this.settle()) this.reject(err);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.onTimeout = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return true;
  }
}
