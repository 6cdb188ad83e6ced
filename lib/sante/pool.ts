import { backoffDelay } from "../util/backoff";
import { CircuitBreaker } from "../util/breaker";
import { SanteError } from "../errors";
import { Fifo } from "../util/fifo";
import type { Lookup } from "./lookup";
import type { ResolvedClientOptions } from "./client-options";
import { SanteConnection, type AttemptFailure } from "./connection";

/**
 * At most `connections` sockets to one PACS, and the queue of lookups waiting
 * for one of them. With keep-alive, a socket that finishes an exchange takes
 * the next lookup; without, each lookup gets a socket of its own. Lookups whose
 * connection failed are retried here (they are idempotent), behind a circuit
 * breaker that stops new attempts while the PACS cannot be reached.
 */
export class ConnectionPool {
  private readonly queue = new Fifo<Lookup>();
  private readonly all = new Set<SanteConnection>();
  private readonly backingOff = new Map<Lookup, NodeJS.Timeout>();
  private readonly breaker: CircuitBreaker;
  private idle: SanteConnection[] = [];
  private closing: Promise<void> | undefined;
  private allClosed: (() => void) | undefined;

  constructor(private readonly options: ResolvedClientOptions) {
    this.breaker = new CircuitBreaker(options.breakerThreshold, options.breakerCooldown);
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get queued(): number {
    return this.queue.length;
  }

  get sockets(): number {
    return this.all.size;
  }

  /** True while the breaker refuses new connections. */
  get unreachable(): boolean {
    return this.breaker.isOpen;
  }

  enqueue(lookup: Lookup): void {
    if (this.closing) {
      lookup.fail(closedError(this.address));
      return;
    }
    if (this.queue.length >= this.options.queueLimit) {
      lookup.fail(
        new SanteError("SANTE_BUSY", `${this.queue.length} lookups already wait for ${this.address}; try again later`),
      );
      return;
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
      this.closing = new Promise<void>((resolve) => {
        this.allClosed = resolve;
      });
      for (const conn of [...this.all]) conn.destroy(err);
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
      (conn ?? this.open()).run(lookup);
    }
  }

  private open(): SanteConnection {
    const conn = new SanteConnection(this.options, {
      connected: () => this.breaker.connected(),
      idle: (c) => {
        this.idle.push(c);
        this.dispatch();
      },
      closed: (c, lookup, failure) => {
        this.all.delete(c);
        this.idle = this.idle.filter((x) => x !== c);
        if (failure.connectFailed) this.breaker.connectFailed();
        if (lookup) this.attemptFailed(lookup, failure);
        if (this.closing) this.checkClosed();
        else this.dispatch();
      },
    });
    this.all.add(conn);
    return conn;
  }

  private attemptFailed(lookup: Lookup, failure: AttemptFailure): void {
    if (this.closing) {
      lookup.fail(closedError(this.address));
    } else if (failure.staleSocket && !lookup.wentRoundAgain) {
      lookup.wentRoundAgain = true;
      this.queue.unshift(lookup);
    } else if (lookup.retries < this.options.retries && !this.breaker.isOpen) {
      lookup.retries++;
      lookup.stopClock();
      const timer = setTimeout(() => {
        this.backingOff.delete(lookup);
        this.queue.unshift(lookup);
        this.dispatch();
      }, backoffDelay(lookup.retries));
      this.backingOff.set(lookup, timer);
    } else {
      lookup.fail(failure.error);
    }
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
