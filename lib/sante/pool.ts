import { SanteError } from "../errors";
import { backoffDelay } from "../util/backoff";
import { CircuitBreaker } from "../util/breaker";
import { Fifo } from "../util/fifo";
import type { ResolvedClientOptions } from "./client-options";
import { SanteConnection, type ExchangeFailure } from "./connection";
import type { LineFrameDecoder } from "./framing";
import { Lookup, type LookupDone } from "./lookup";

/**
 * At most `connections` sockets to one PACS, and the queue of lookups waiting
 * for one of them. With keep-alive, a socket that finishes an exchange takes
 * the next lookup; without, each lookup gets a socket of its own, whose slot is
 * free again once the socket has closed (so the PACS never sees more than
 * `connections`). The pool owns every lookup's attempts: the clock of each,
 * going round again on a stale kept-alive socket, and retries after connection
 * failures (lookups are idempotent), behind a circuit breaker that stops new
 * attempts while the PACS cannot be reached.
 */
export class ConnectionPool {
  private readonly queue = new Fifo<Lookup>();
  private readonly all = new Set<SanteConnection>();
  /** The lookup each busy connection carries. */
  private readonly carrying = new Map<SanteConnection, Lookup>();
  private readonly backingOff = new Map<Lookup, NodeJS.Timeout>();
  private readonly breaker: CircuitBreaker;
  private readonly idle: SanteConnection[] = [];
  private closing: Promise<void> | undefined;
  private allClosed: (() => void) | undefined;
  private readonly events = {
    connected: () => this.breaker.connected(),
    replied: (conn: SanteConnection, value: unknown) => this.replied(conn, value),
    closed: (conn: SanteConnection, failure: ExchangeFailure | undefined) => this.connectionClosed(conn, failure),
  };

  constructor(private readonly options: ResolvedClientOptions) {
    this.breaker = new CircuitBreaker(options.breakerThreshold, options.breakerCooldown);
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** True while the breaker refuses new connections. */
  get unreachable(): boolean {
    return this.breaker.isOpen;
  }

  /** Sends `frame` and calls `done` once: with the reply `newDecoder` reads, or with a SanteError. */
  request(frame: Buffer, newDecoder: () => LineFrameDecoder<unknown>, done: LookupDone): void {
    const lookup = new Lookup(frame, newDecoder, done);
    if (this.closing) return lookup.fail(closedError(this.address));
    if (this.queue.length >= this.options.queueLimit) {
      return lookup.fail(
        new SanteError("SANTE_BUSY", `${this.queue.length} lookups already wait for ${this.address}; try again later`),
      );
    }
    this.queue.push(lookup);
    this.dispatch();
  }

  /** Ends every socket; lookups queued, backing off or in flight fail with SANTE_CLOSED. */
  close(): Promise<void> {
    if (!this.closing) {
      const err = closedError(this.address);
      this.queue.drain((lookup) => lookup.fail(err));
      for (const [lookup, timer] of this.backingOff) {
        clearTimeout(timer);
        lookup.fail(err);
      }
      this.backingOff.clear();
      for (const lookup of this.carrying.values()) lookup.fail(err);
      this.closing = new Promise<void>((resolve) => {
        this.allClosed = resolve;
      });
      for (const conn of this.all) conn.destroy();
      this.checkClosed();
    }
    return this.closing;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const conn = this.idle.pop();
      if (!conn) {
        if (this.all.size >= this.options.connections) return;
        if (!this.breaker.allowAttempt()) {
          if (this.all.size === 0) this.failQueued(this.unreachableError());
          return;
        }
      }
      const lookup = this.queue.shift() as Lookup;
      // A lookup whose clock ran out while it waited to go round again is not sent.
      if (lookup.done) {
        if (conn) this.idle.push(conn);
        continue;
      }
      this.start(lookup, conn ?? this.open());
    }
  }

  private open(): SanteConnection {
    const conn = new SanteConnection(this.options, this.events);
    this.all.add(conn);
    return conn;
  }

  private start(lookup: Lookup, conn: SanteConnection): void {
    this.carrying.set(conn, lookup);
    // Going round again on a stale kept-alive socket keeps the clock that is running.
    lookup.clock ??= setTimeout(this.expire, this.options.timeout, lookup);
    conn.send(lookup.frame, lookup.newDecoder);
  }

  /** A lookup's clock ran out. One function for all lookups: a clock costs no closure of its own. */
  private readonly expire = (lookup: Lookup): void => {
    lookup.clock = undefined;
    lookup.fail(new SanteError("SANTE_TIMEOUT", `No reply from ${this.address} within ${this.options.timeout} ms`));
    // The attempt may have gone round again onto another socket since this clock started.
    for (const [carrier, carried] of this.carrying) if (carried === lookup) carrier.destroy();
  };

  private replied(conn: SanteConnection, value: unknown): void {
    this.carrying.get(conn)?.succeed(value);
    this.carrying.delete(conn);
    if (this.options.keepAlive && !this.closing) {
      this.idle.push(conn);
      this.dispatch();
    }
  }

  private connectionClosed(conn: SanteConnection, failure: ExchangeFailure | undefined): void {
    this.all.delete(conn);
    const idleAt = this.idle.indexOf(conn);
    if (idleAt !== -1) this.idle.splice(idleAt, 1);
    const lookup = this.carrying.get(conn);
    this.carrying.delete(conn);
    if (failure?.connectFailed) this.breaker.connectFailed();
    if (lookup && failure && !lookup.done) this.attemptFailed(lookup, failure);
    if (this.closing) this.checkClosed();
    else this.dispatch();
  }

  /** Decides what a failed attempt means: go round again, retry after a pause, or fail the lookup. */
  private attemptFailed(lookup: Lookup, failure: ExchangeFailure): void {
    if (failure.staleSocket && !lookup.wentRoundAgain) {
      lookup.wentRoundAgain = true;
      this.queue.unshift(lookup);
      return;
    }
    const error = failure.error;
    // Only a PACS that could not be reached is worth asking again; a bad reply would come back the same.
    if (error.code === "SANTE_CONNECTION" && lookup.retries < this.options.retries && !this.breaker.isOpen) {
      lookup.retries++;
      lookup.stopClock();
      const timer = setTimeout(() => {
        this.backingOff.delete(lookup);
        this.queue.unshift(lookup);
        this.dispatch();
      }, backoffDelay(lookup.retries));
      this.backingOff.set(lookup, timer);
      return;
    }
    lookup.fail(error);
  }

  /** While the breaker is open and no connection is left to try, waiting lookups fail at once. */
  private failQueued(err: SanteError): void {
    this.queue.drain((lookup) => lookup.fail(err));
  }

  private unreachableError(): SanteError {
    const seconds = Math.ceil(this.breaker.retryInMs / 1000);
    return new SanteError(
      "SANTE_CONNECTION",
      `${this.address} could not be reached ${this.options.breakerThreshold} times in a row; ` +
        `not trying again for ${seconds} s`,
    );
  }

  private checkClosed(): void {
    if (this.all.size === 0) this.allClosed?.();
  }
}

function closedError(address: string): SanteError {
  return new SanteError("SANTE_CLOSED", `The client for ${address} was closed`);
}
