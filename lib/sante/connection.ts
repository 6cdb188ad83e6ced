import * as net from "node:net";
import * as tls from "node:tls";
import { SanteError } from "../errors";
import type { LineFrameDecoder } from "./framing";
import type { Lookup } from "./lookup";
import type { ResolvedClientOptions } from "./client-options";

/** How long an idle kept-alive socket stays open before we close it ourselves. */
const IDLE_TIMEOUT_MS = 30_000;
/** After our FIN, how long the PACS gets to close its side before we cut the socket. */
const LINGER_MS = 2_000;

/** How a lookup's attempt on this connection ended without a reply. */
export interface AttemptFailure {
  error: SanteError;
  /** The socket never connected: counts toward the circuit breaker, may be retried. */
  connectFailed: boolean;
  /** A kept-alive socket the PACS had closed while idle: go round again at once, no retry spent. */
  staleSocket: boolean;
}

export interface ConnectionEvents {
  /** The socket connected (or finished the TLS handshake). */
  connected(conn: SanteConnection): void;
  /** The connection finished an exchange and can take another (keep-alive only). */
  idle(conn: SanteConnection): void;
  /** The socket is gone; `lookup` is the one it held, still unsettled, with why it failed. */
  closed(conn: SanteConnection, lookup: Lookup | undefined, failure: AttemptFailure): void;
}

/**
 * One socket to the PACS carrying one exchange at a time: the protocol has no
 * request ids, so a reply can only be matched to a request by never having
 * two outstanding on the same socket.
 */
export class SanteConnection {
  private readonly socket: net.Socket;
  private current: Lookup | undefined;
  private decoder: LineFrameDecoder<unknown> | undefined;
  private connected = false;
  private replyBytes = 0;
  private exchanges = 0;
  private lastError: NodeJS.ErrnoException | undefined;
  private linger: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly events: ConnectionEvents,
  ) {
    const { host, port } = options;
    this.socket = options.tls
      ? tls.connect({ ...options.tls, host, port, servername: options.tls.servername ?? sniName(host) })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.once(options.tls ? "secureConnect" : "connect", () => this.onConnect());
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) => (this.lastError = err));
    this.socket.on("timeout", () => this.socket.destroy());
    this.socket.once("close", () => this.onClose());
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Send a lookup. The pool only hands one to a connection that has none. */
  run(lookup: Lookup): void {
    this.current = lookup;
    this.decoder = lookup.newDecoder();
    this.replyBytes = 0;
    lookup.onTimeout = () => this.destroy();
    lookup.startClock(
      this.options.timeout,
      () => new SanteError("SANTE_TIMEOUT", `No reply from ${this.address} within ${this.options.timeout} ms`),
    );
    this.socket.setTimeout(0);
    this.socket.ref();
    if (this.connected) this.socket.write(lookup.frame);
  }

  /** Close now; the lookup in progress, if any, fails with `err`. */
  destroy(err?: SanteError): void {
    if (err) this.current?.fail(err);
    this.socket.destroy();
  }

  private onConnect(): void {
    this.connected = true;
    this.events.connected(this);
    if (this.current) this.socket.write(this.current.frame);
  }

  private onData(chunk: Buffer): void {
    const lookup = this.current;
    const decoder = this.decoder;
    if (!lookup || !decoder) {
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
      this.destroy(this.protocolError(err));
      return;
    }
    if (frames.length === 0) return;
    if (decoder.error) {
      this.destroy(this.protocolError(decoder.error));
      return;
    }
    if (frames.length > 1 || decoder.midFrame) {
      this.destroy(this.protocolError(new Error("more than one reply to one request")));
      return;
    }
    this.current = undefined;
    this.decoder = undefined;
    this.exchanges++;
    lookup.succeed(frames[0]);
    if (this.options.keepAlive) {
      this.socket.setTimeout(IDLE_TIMEOUT_MS);
      // An idle pooled socket must not keep a script's process alive.
      this.socket.unref();
      this.events.idle(this);
    } else {
      this.ended = true;
      this.socket.end();
      this.linger = setTimeout(() => this.socket.destroy(), LINGER_MS);
    }
  }

  private onClose(): void {
    if (this.linger) clearTimeout(this.linger);
    const lookup = this.current && !this.current.done ? this.current : undefined;
    this.current = undefined;
    this.decoder = undefined;
    if (lookup) lookup.onTimeout = undefined;
    const connectionError = () => this.connectionError();
    this.events.closed(this, lookup, {
      // Made only when read: without keep-alive every socket closes after its reply, with no lookup to fail,
      // and a SanteError (with its stack) per lookup is measurable.
      get error() {
        return connectionError();
      },
      connectFailed: !this.connected,
      // A kept-alive socket the PACS closed while idle shows up only when we use it.
      staleSocket: this.exchanges > 0 && this.replyBytes === 0 && !this.ended,
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

  private protocolError(err: unknown): SanteError {
    const what = err instanceof Error ? err.message.replace(/^Invalid reply: /, "") : String(err);
    return new SanteError("SANTE_PROTOCOL", `Invalid reply from ${this.address}: ${what}`);
  }
}

/** SNI must be a host name, never an IP address (RFC 6066). */
function sniName(host: string): string | undefined {
  return net.isIP(host) ? undefined : host;
}
