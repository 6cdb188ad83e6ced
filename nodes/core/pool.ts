import { SanteError } from "./errors";
import { Fifo } from "./fifo";
import type { Lookup } from "./lookup";
import type { ResolvedClientOptions } from "./client-options";
import { SanteConnection } from "./connection";

/**
 * At most `connections` sockets to one PACS, and the queue of lookups waiting
 * for one of them. With keep-alive, a socket that finishes an exchange takes
 * the next lookup; without, each lookup gets a socket of its own.
 */
export class ConnectionPool {
  private readonly queue = new Fifo<Lookup>();
  private readonly all = new Set<SanteConnection>();
  private idle: SanteConnection[] = [];
  private closing: Promise<void> | undefined;
  private allClosed: (() => void) | undefined;

  constructor(private readonly options: ResolvedClientOptions) {}

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  get queued(): number {
    return this.queue.length;
  }

  get sockets(): number {
    return this.all.size;
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

  /** Ends every socket; lookups queued or in flight fail with SANTE_CLOSED. */
  close(): Promise<void> {
    if (!this.closing) {
      const err = closedError(this.address);
      this.queue.drain((lookup) => lookup.fail(err));
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
      if (this.idle.length === 0 && this.all.size >= this.options.connections) return;
      const lookup = this.queue.shift() as Lookup;
      // A lookup whose clock ran out while it waited to go round again is not sent.
      if (lookup.done) continue;
      (this.idle.pop() ?? this.open()).run(lookup);
    }
  }

  private open(): SanteConnection {
    const conn = new SanteConnection(this.options, {
      idle: (c) => {
        this.idle.push(c);
        this.dispatch();
      },
      closed: (c, retry) => {
        this.all.delete(c);
        this.idle = this.idle.filter((x) => x !== c);
        if (retry) {
          if (this.closing) retry.fail(closedError(this.address));
          else this.queue.unshift(retry);
        }
        if (this.closing) this.checkClosed();
        else this.dispatch();
      },
    });
    this.all.add(conn);
    return conn;
  }

  private checkClosed(): void {
    if (this.all.size === 0) this.allClosed?.();
  }
}

function closedError(address: string): SanteError {
  return new SanteError("SANTE_CLOSED", `The client for ${address} was closed`);
}
