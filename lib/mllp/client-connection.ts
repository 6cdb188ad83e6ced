import * as net from "node:net";
import { SanteError } from "../errors";
import { readAck, shown, type MllpAck } from "./ack";
import type { Exchange } from "./exchange";
import { MllpDecoder, mllpFaultError, type MllpFault } from "./framing";
import type { ResolvedMllpClientOptions } from "./client-options";
import { connectTls } from "../util/tls-connect";

/** How an attempt ended without an ACK. */
export interface AttemptFailure {
  readonly error: SanteError;
  /** A timeout or a lost connection: the same bytes may be sent again. A bad or foreign ACK is not retried. */
  readonly retryable: boolean;
  /** The socket never connected: counts toward the circuit breaker. */
  readonly connectFailed: boolean;
  /** A kept-open connection the receiver had closed while idle: go round again at once, no retry spent. */
  readonly staleSocket: boolean;
}

export interface ClientConnectionEvents {
  connected(conn: MllpClientConnection): void;
  /** The exchange got its ACK (any code, matching its control ID); `reusable` false when the socket is being dropped. */
  acked(conn: MllpClientConnection, exchange: Exchange, ack: MllpAck, reusable: boolean): void;
  /** The socket is gone; `exchange` is the one it held, still unsettled, with why it failed. */
  closed(conn: MllpClientConnection, exchange: Exchange | undefined, failure: AttemptFailure): void;
}

/**
 * One socket to an HL7 receiver carrying one message at a time. An ACK is taken only if its MSA-2 is the
 * control ID of the message in flight; anything else (a foreign ACK, a second answer, a frame while idle)
 * drops the connection, so a late or stray ACK can never be taken for the next message's (Mirth #1441).
 */
export class MllpClientConnection {
  private readonly socket: net.Socket;
  private readonly decoder: MllpDecoder;
  /** What one read decoded, in order: frames and faults. */
  private inbound: (Buffer | MllpFault)[] = [];
  private current: Exchange | undefined;
  private timer: NodeJS.Timeout | undefined;
  private connected = false;
  private exchanges = 0;
  private attemptBytes = 0;
  private failure: AttemptFailure | undefined;
  private lastError: NodeJS.ErrnoException | undefined;

  constructor(
    private readonly options: ResolvedMllpClientOptions,
    private readonly events: ClientConnectionEvents,
  ) {
    const { host, port } = options;
    this.socket = options.tls ? connectTls(options.tls, host, port) : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.decoder = new MllpDecoder(
      {
        message: (m) => this.inbound.push(m),
        // Bytes before a start byte are skipped, as the listener does; any other fault is pushed.
        fault: (f) => f.kind !== "skipped" && this.inbound.push(f),
      },
      { maxMessageBytes: options.maxAckBytes },
    );
    this.socket.once(options.tls ? "secureConnect" : "connect", () => this.onConnect());
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) => (this.lastError ??= err));
    // The socket's own idle clock, refreshed by every read and write at no cost per message; while a
    // message is in flight its attempt timer rules instead.
    if (options.idleTimeout > 0) this.socket.setTimeout(options.idleTimeout);
    this.socket.on("timeout", () => this.current === undefined && this.socket.destroy());
    this.socket.on("end", () => this.socket.destroy());
    this.socket.once("close", () => this.onClose());
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Sends the exchange's message. The client hands one only to a connection that holds none. */
  run(exchange: Exchange): void {
    this.current = exchange;
    this.attemptBytes = 0;
    exchange.attempts++;
    this.timer = setTimeout(() => this.onTimeout(), this.options.timeout);
    this.socket.ref();
    if (this.connected) this.socket.write(exchange.frame);
  }

  /** Closes now; the exchange in flight, if any, fails with `err`. */
  destroy(err?: SanteError): void {
    if (err) this.current?.fail(err);
    this.socket.destroy();
  }

  private onConnect(): void {
    this.connected = true;
    this.events.connected(this);
    if (this.current) this.socket.write(this.current.frame);
  }

  private onTimeout(): void {
    this.timer = undefined;
    const exchange = this.current;
    if (!exchange) return;
    const where = this.connected
      ? `No ACK from ${this.address} within ${this.options.timeout} ms`
      : `Could not connect to ${this.address} within ${this.options.timeout} ms`;
    this.abort(
      new SanteError("SANTE_TIMEOUT", `${where} for message ${shown(exchange.controlId)}${tries(exchange)}`),
      true,
    );
  }

  private onData(chunk: Buffer): void {
    this.attemptBytes += chunk.length;
    this.decoder.push(chunk);
    const inbound = this.inbound;
    if (inbound.length === 0) return;
    this.inbound = [];
    const exchange = this.current;
    if (!exchange) {
      // The receiver spoke unasked (a frame while idle, or after the ACK): this socket is not in step.
      this.socket.destroy();
      return;
    }
    const first = inbound[0];
    if (!Buffer.isBuffer(first)) return this.abort(this.protocolError(mllpFaultError(first).message), false);
    let ack: MllpAck;
    try {
      ack = readAck(first);
    } catch (err) {
      return this.abort(this.protocolError(err instanceof Error ? err.message : String(err)), false);
    }
    if (ack.controlId !== exchange.controlId) {
      const other = ack.controlId === "" ? "an ACK without MSA-2" : `an ACK for message ${shown(ack.controlId)}`;
      return this.abort(this.protocolError(`${other} to message ${shown(exchange.controlId)}`), false);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.current = undefined;
    this.exchanges++;
    const reusable = inbound.length === 1 && !this.decoder.midFrame;
    if (reusable) {
      // An idle kept-open socket must not keep a script's process alive.
      this.socket.unref();
    } else {
      this.socket.destroy();
    }
    this.events.acked(this, exchange, ack, reusable);
  }

  /** Ends the attempt with `error`; the exchange is handed back when the socket has closed. */
  private abort(error: SanteError, retryable: boolean): void {
    this.failure ??= { error, retryable, connectFailed: !this.connected, staleSocket: false };
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const exchange = this.current && !this.current.done ? this.current : undefined;
    this.current = undefined;
    const failure = this.failure ?? {
      error: this.connectionError(exchange),
      retryable: true,
      connectFailed: !this.connected,
      // A kept-open socket the receiver closed while idle shows up only when we use it.
      staleSocket: this.exchanges > 0 && this.attemptBytes === 0,
    };
    this.events.closed(this, exchange, failure);
  }

  private connectionError(exchange: Exchange | undefined): SanteError {
    const err = this.lastError;
    const about = exchange ? ` for message ${shown(exchange.controlId)}${tries(exchange)}` : "";
    if (!this.connected) {
      const why = err ? (err.code ?? err.message) : "closed";
      return new SanteError("SANTE_CONNECTION", `Could not connect to ${this.address} (${why})${about}`, {
        cause: err,
      });
    }
    const why = err ? ` (${err.code ?? err.message})` : "";
    return new SanteError("SANTE_CONNECTION", `${this.address} closed the connection before the ACK${why}${about}`, {
      cause: err,
    });
  }

  private protocolError(what: string): SanteError {
    return new SanteError(
      "SANTE_PROTOCOL",
      `Invalid answer from ${this.address}: ${what.replace(/^Invalid MLLP: /, "")}`,
    );
  }
}

function tries(exchange: Exchange): string {
  return exchange.attempts > 1 ? ` (${exchange.attempts} attempts)` : "";
}
