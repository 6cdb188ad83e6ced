import { EventEmitter } from "node:events";
import { SanteError } from "../errors";
import { backoffDelay } from "../util/backoff";
import { CircuitBreaker } from "../util/breaker";
import { Fifo } from "../util/fifo";
import { controlIdOf, Hl7AckError, type MllpAck } from "./ack";
import { MllpClientConnection, type AttemptFailure } from "./client-connection";
import { resolveMllpClientOptions, type MllpClientOptions, type ResolvedMllpClientOptions } from "./client-options";
import { Exchange } from "./exchange";
import { encodeMllp } from "./framing";

export interface MllpSendOptions {
  /**
   * Withdraws the message when aborted, if it is still waiting for a connection: it fails with the signal's
   * reason when that is a SanteError, else SANTE_CLOSED, and is never sent. A message already sent once
   * runs to its end (its ACK, or its retries): bytes on the wire cannot be taken back.
   */
  signal?: AbortSignal;
}

export interface MllpClientEvents {
  /** Messages queued or in flight; emitted whenever the number changes. */
  pending: [count: number];
}

/**
 * Sends HL7 messages to one receiver over MLLP and waits for each one's ACK. Every send() settles exactly
 * once: with the ACK when it accepts (AA/CA), or with a SanteError: SANTE_HL7_ERROR (AE/CE) and
 * SANTE_HL7_REJECTED (AR/CR), both carrying the ACK; SANTE_TIMEOUT, SANTE_CONNECTION after the retries;
 * SANTE_PROTOCOL for an answer that is not this message's ACK; SANTE_BUSY, SANTE_CLOSED, SANTE_INVALID_INPUT.
 *
 * A message keeps its connection slot through its retries, so with one connection nothing overtakes it:
 * the receiver sees the feed in order. A retry resends the same bytes (same MSH-10): a receiver that took
 * the first copy but whose ACK was lost or late sees it twice, and one that suppresses duplicates by
 * sender and control ID acknowledges it again without handling it twice. Where duplicates do harm and the
 * receiver cannot tell them apart, set retries to 0 and decide in the flow.
 */
export class MllpClient extends EventEmitter<MllpClientEvents> {
  private readonly options: ResolvedMllpClientOptions;
  private readonly queue = new Fifo<Exchange>();
  private readonly sockets = new Set<MllpClientConnection>();
  private readonly backingOff = new Map<Exchange, NodeJS.Timeout>();
  private readonly breaker: CircuitBreaker;
  private idle: MllpClientConnection[] = [];
  /** Exchanges taken from the queue and not settled (on a connection or between retries): at most `connections`. */
  private active = 0;
  private inFlight = 0;
  private closing: Promise<void> | undefined;
  private allClosed: (() => void) | undefined;

  constructor(options: MllpClientOptions = {}) {
    super();
    this.options = resolveMllpClientOptions(options);
    this.breaker = new CircuitBreaker(this.options.breakerThreshold, this.options.breakerCooldown);
  }

  /** "host:port" of the receiver, for messages and status. */
  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Messages queued or in flight. */
  get pending(): number {
    return this.inFlight;
  }

  /** Most messages that may wait for a connection (the queueLimit option). */
  get queueLimit(): number {
    return this.options.queueLimit;
  }

  /** Messages waiting for a connection. */
  get queued(): number {
    return this.queue.length;
  }

  /** True while the circuit breaker refuses to connect (the receiver could not be reached). */
  get unreachable(): boolean {
    return this.breaker.isOpen;
  }

  /**
   * Sends one HL7 message (text, written as UTF-8, or bytes as they are) and resolves with its ACK. The
   * message must have a control ID (MSH-10) and no MLLP frame byte; it is checked before a byte is sent.
   */
  async send(message: string | Buffer, options: MllpSendOptions = {}): Promise<MllpAck> {
    const frame = encodeMllp(message);
    const controlId = controlIdOf(message);
    const { signal } = options;
    if (this.closing) throw this.closedError();
    if (signal?.aborted) throw withdrawn(signal);
    if (this.queue.length >= this.options.queueLimit) {
      throw new SanteError(
        "SANTE_BUSY",
        `${this.queue.length} messages already wait for ${this.address}; try again later`,
      );
    }
    return new Promise<MllpAck>((resolve, reject) => {
      this.changePending(1);
      // Not yet sent: failing it is enough, dispatch() skips a settled exchange.
      const onAbort = () => exchange.attempts === 0 && exchange.fail(withdrawn(signal as AbortSignal));
      const exchange = new Exchange(
        frame,
        controlId,
        (ack) => {
          signal?.removeEventListener("abort", onAbort);
          this.changePending(-1);
          resolve(ack);
        },
        (err) => {
          signal?.removeEventListener("abort", onAbort);
          this.changePending(-1);
          reject(err);
        },
      );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(exchange);
      this.dispatch();
    });
  }

  /** Ends every connection; messages queued, between retries or in flight fail with SANTE_CLOSED. */
  close(): Promise<void> {
    if (!this.closing) {
      const err = this.closedError();
      this.closing = new Promise<void>((resolve) => (this.allClosed = resolve));
      this.queue.drain((exchange) => exchange.fail(err));
      for (const [exchange, timer] of this.backingOff) {
        clearTimeout(timer);
        exchange.fail(err);
      }
      this.backingOff.clear();
      for (const conn of [...this.sockets]) conn.destroy(err);
      this.checkClosed();
    }
    return this.closing;
  }

  private dispatch(): void {
    while (!this.closing && this.queue.length > 0 && this.active < this.options.connections) {
      const exchange = this.queue.shift() as Exchange;
      if (exchange.done) continue;
      this.active++;
      if (!this.attempt(exchange)) return;
    }
  }

  /** One attempt on an idle connection or a new one. False when the breaker held it back. */
  private attempt(exchange: Exchange): boolean {
    const idle = this.idle.pop();
    if (idle) {
      idle.run(exchange);
      return true;
    }
    if (!this.breaker.allowAttempt()) {
      this.active--;
      if (this.sockets.size === 0) {
        // Nothing left to try with: fail fast rather than let messages age in the queue.
        const err = this.unreachableError();
        exchange.fail(err);
        this.queue.drain((waiting) => waiting.fail(err));
      } else {
        // First in line again, for the connection that frees up next.
        this.queue.unshift(exchange);
      }
      return false;
    }
    this.open().run(exchange);
    return true;
  }

  private open(): MllpClientConnection {
    const conn = new MllpClientConnection(this.options, {
      connected: () => this.breaker.connected(),
      acked: (c, exchange, ack, reusable) => {
        if (reusable && !this.closing) this.idle.push(c);
        this.active--;
        if (ack.code === "AA" || ack.code === "CA") exchange.succeed(ack);
        else exchange.fail(new Hl7AckError(ack, this.address));
        this.dispatch();
      },
      closed: (c, exchange, failure) => {
        this.sockets.delete(c);
        this.idle = this.idle.filter((x) => x !== c);
        if (failure.connectFailed) this.breaker.connectFailed();
        if (exchange) this.attemptFailed(exchange, failure);
        if (this.closing) this.checkClosed();
        else this.dispatch();
      },
    });
    this.sockets.add(conn);
    return conn;
  }

  private attemptFailed(exchange: Exchange, failure: AttemptFailure): void {
    if (this.closing) {
      exchange.fail(this.closedError());
    } else if (failure.staleSocket && !exchange.wentRoundAgain) {
      exchange.wentRoundAgain = true;
      this.attempt(exchange);
      return;
    } else if (failure.retryable && exchange.retries < this.options.retries && !this.breaker.isOpen) {
      exchange.retries++;
      const timer = setTimeout(() => {
        this.backingOff.delete(exchange);
        this.attempt(exchange);
      }, backoffDelay(exchange.retries));
      this.backingOff.set(exchange, timer);
      return;
    } else {
      exchange.fail(failure.error);
    }
    this.active--;
  }

  private unreachableError(): SanteError {
    const seconds = Math.ceil(this.breaker.retryInMs / 1000);
    return new SanteError(
      "SANTE_CONNECTION",
      `${this.address} could not be reached ${this.options.breakerThreshold} times in a row; not trying again for ${seconds} s`,
    );
  }

  private closedError(): SanteError {
    return new SanteError("SANTE_CLOSED", `The HL7 sender for ${this.address} was closed`);
  }

  private checkClosed(): void {
    if (this.sockets.size === 0) this.allClosed?.();
  }

  private changePending(delta: number): void {
    this.inFlight += delta;
    if (this.listenerCount("pending") > 0) this.emit("pending", this.inFlight);
  }
}

function withdrawn(signal: AbortSignal): SanteError {
  const reason: unknown = signal.reason;
  return reason instanceof SanteError
    ? reason
    : new SanteError("SANTE_CLOSED", "The message was withdrawn before it was sent");
}
