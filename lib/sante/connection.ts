import * as net from "node:net";
import { SanteError } from "../errors";
import type { LineFrameDecoder } from "./framing";
import type { ResolvedClientOptions } from "./client-options";
import { connectTls } from "../util/tls-connect";

/** How long an idle kept-alive socket stays open before we close it ourselves. */
const IDLE_TIMEOUT_MS = 30_000;
/** After our FIN, how long the PACS gets to close its side before we cut the socket. */
const LINGER_MS = 2_000;
/**
 * Plain TCP sockets read into this one buffer (net's `onread`), all of them: a read is handed to onData and
 * decoded before the next read of any socket, and the decoder keeps no reference to it. That spares each reply
 * the Buffer and the readable stream's work (push, 'data', the next-tick read-ahead) a 'data' event costs.
 */
let readBuffer: Buffer | undefined;

/** How the exchange in progress ended when its socket went away without a reply. */
export interface ExchangeFailure {
  /** SANTE_CONNECTION (lost, refused, reset) or SANTE_PROTOCOL (a bad reply). */
  readonly error: SanteError;
  /** The socket never connected: counts toward the circuit breaker. */
  readonly connectFailed: boolean;
  /** A kept-alive socket the PACS had closed while idle, found out only when used. */
  readonly staleSocket: boolean;
}

export interface ConnectionEvents {
  /** The socket connected (or finished the TLS handshake). */
  connected(conn: SanteConnection): void;
  /** The exchange got its reply. With keep-alive the connection is idle again; without, it is closing. */
  replied(conn: SanteConnection, value: unknown): void;
  /** The socket is gone; `failure` tells how the exchange in progress ended, undefined when there was none. */
  closed(conn: SanteConnection, failure: ExchangeFailure | undefined): void;
}

/**
 * One socket to the PACS carrying one exchange at a time: the protocol has no
 * request ids, so a reply can only be matched to a request by never having
 * two outstanding on the same socket. It reports what happened and decides
 * nothing about the lookup: retries, timeouts and queueing are the pool's.
 */
export class SanteConnection {
  private readonly socket: net.Socket;
  private decoder: LineFrameDecoder<unknown> | undefined;
  /**
   * Kept-alive sockets: the last exchange's decoder, clean after its reply (a
   * decoder between frames is in the state a new one starts in), reused when
   * the next exchange wants the same kind (`kind`, the factory of the last exchange's decoder).
   */
  private spare: LineFrameDecoder<unknown> | undefined;
  private kind: (() => LineFrameDecoder<unknown>) | undefined;
  private frame: Buffer | undefined;
  private connected = false;
  private replyBytes = 0;
  private exchanges = 0;
  private lastError: NodeJS.ErrnoException | undefined;
  private badReply: SanteError | undefined;
  private linger: NodeJS.Timeout | undefined;
  /** Kept-alive sockets: one timer for the socket's life, refreshed at each reply rather than made anew. */
  private idleTimer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly events: ConnectionEvents,
  ) {
    const { host, port } = options;
    this.socket = options.tls
      ? connectTls(options.tls, host, port)
      : net.connect({
          host,
          port,
          onread: { buffer: (readBuffer ??= Buffer.allocUnsafeSlow(64 * 1024)), callback: (n) => this.onRead(n) },
        });
    this.socket.setNoDelay(true);
    this.socket.once(options.tls ? "secureConnect" : "connect", () => this.onConnect());
    // @types/node does not declare `onread` for tls.connect: TLS sockets keep 'data' events.
    if (options.tls) this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) => (this.lastError = err));
    this.socket.once("close", () => this.onClose());
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Start an exchange. The pool only gives one to a connection that has none. */
  send(frame: Buffer, newDecoder: () => LineFrameDecoder<unknown>): void {
    this.frame = frame;
    this.decoder = this.spare !== undefined && this.kind === newDecoder ? this.spare : newDecoder();
    this.kind = newDecoder;
    this.spare = undefined;
    this.replyBytes = 0;
    if (this.connected) this.socket.write(frame);
  }

  /** Close now; an exchange in progress is reported as failed when the socket has closed. */
  destroy(): void {
    this.socket.destroy();
  }

  private onConnect(): void {
    this.connected = true;
    this.events.connected(this);
    if (this.frame) this.socket.write(this.frame);
  }

  private onRead(bytes: number): boolean {
    this.onData((readBuffer as Buffer).subarray(0, bytes));
    return true;
  }

  private onData(chunk: Buffer): void {
    const decoder = this.decoder;
    if (!decoder) {
      // A LF after the last reply's CR may trail in late; anything else is unasked for.
      if (chunk.every((b) => b === 0x0a)) return;
      this.socket.destroy();
      return;
    }
    this.replyBytes += chunk.length;
    let frames: unknown[];
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      return this.refuse(err);
    }
    if (frames.length === 0) return;
    if (decoder.error) return this.refuse(decoder.error);
    if (frames.length > 1 || decoder.midFrame) return this.refuse(new Error("more than one reply to one request"));
    this.decoder = undefined;
    this.frame = undefined;
    this.exchanges++;
    // Settle the socket's state first: the pool may hand this connection its next exchange at once.
    if (this.options.keepAlive) {
      this.spare = decoder;
      if (this.idleTimer) this.idleTimer.refresh();
      else this.idleTimer = setTimeout(() => this.onIdle(), IDLE_TIMEOUT_MS).unref();
      // An idle pooled socket must not keep a script's process alive; while it carries an exchange, the pool's
      // clock for the lookup does, so the socket stays unref'd.
      this.socket.unref();
    } else {
      this.ended = true;
      this.socket.end();
      this.linger = setTimeout(() => this.socket.destroy(), LINGER_MS);
    }
    this.events.replied(this, frames[0]);
  }

  private refuse(err: unknown): void {
    const what = err instanceof Error ? err.message.replace(/^Invalid reply: /, "") : String(err);
    this.badReply = new SanteError("SANTE_PROTOCOL", `Invalid reply from ${this.address}: ${what}`);
    this.socket.destroy();
  }

  /** Idle since the last reply for IDLE_TIMEOUT_MS; a socket busy with an exchange is the pool's clock's business. */
  private onIdle(): void {
    if (this.decoder === undefined) this.socket.destroy();
  }

  private onClose(): void {
    // Node keeps a closed socket's object graph until a full GC (its handle's wrapper outlives it), and with
    // it whatever the socket's listeners reach: this connection. Let go of the timers and decoder it holds.
    clearTimeout(this.linger);
    clearTimeout(this.idleTimer);
    this.linger = this.idleTimer = this.spare = undefined;
    const inExchange = this.decoder !== undefined;
    this.decoder = undefined;
    this.frame = undefined;
    if (!inExchange) return this.events.closed(this, undefined);
    const badReply = this.badReply;
    const connectionError = () => this.connectionError();
    this.events.closed(this, {
      // Made only when read: an attempt the pool had already ended (a timeout, a close) needs no error.
      get error() {
        return badReply ?? connectionError();
      },
      connectFailed: !this.connected,
      staleSocket: this.exchanges > 0 && this.replyBytes === 0 && !this.ended && !badReply,
    });
  }

  private connectionError(): SanteError {
    const err: NodeJS.ErrnoException | undefined = this.lastError;
    if (!this.connected) {
      const why = err ? (err.code ?? err.message) : "closed";
      return new SanteError("SANTE_CONNECTION", `Could not connect to ${this.address} (${why})`, { cause: err });
    }
    const why = err ? ` (${err.code ?? err.message})` : "";
    return new SanteError("SANTE_CONNECTION", `${this.address} closed the connection before a full reply${why}`, {
      cause: err,
    });
  }
}
