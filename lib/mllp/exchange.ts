import type { SanteError } from "../errors";
import type { MllpAck } from "./ack";

/**
 * One message on its way to a receiver: its frame (the same bytes on every attempt), the control ID its
 * ACK must echo, and the promise to settle. It settles exactly once, whatever races between ACK,
 * timeout, socket loss and close.
 */
export class Exchange {
  private settled = false;
  /** Attempts started (1 + retries + go-rounds on a stale connection). */
  attempts = 0;
  /** Retries spent after timeouts and lost connections. */
  retries = 0;
  /** Set when a kept-open connection turned out closed and the message went round again at once. */
  wentRoundAgain = false;

  constructor(
    readonly frame: Buffer,
    readonly controlId: string,
    private readonly resolve: (ack: MllpAck) => void,
    private readonly reject: (err: SanteError) => void,
  ) {}

  get done(): boolean {
    return this.settled;
  }

  succeed(ack: MllpAck): void {
    if (this.settle()) this.resolve(ack);
  }

  fail(err: SanteError): void {
    if (this.settle()) this.reject(err);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    return true;
  }
}
