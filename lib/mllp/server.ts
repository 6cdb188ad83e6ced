import { EventEmitter } from "node:events";
import * as net from "node:net";
import * as tls from "node:tls";
import { SanteError } from "../errors";
import { normalizeAddress } from "./allow-list";
import type { MllpPeer, MllpReceived } from "./received";
import { MllpServerConnection, type MllpDisconnect } from "./server-connection";
import { resolveServerOptions, type MllpServerOptions, type ResolvedServerOptions } from "./server-options";

export interface MllpRefusal {
  /** Not in the allowed senders; one connection more than maxConnections; a failed TLS handshake. */
  readonly reason: "not-allowed" | "too-many-connections" | "tls-failed";
  readonly address: string;
  readonly port: number;
  /** For a failed handshake, the TLS error (an untrusted client certificate, say). */
  readonly error?: Error;
}

export interface MllpServerEvents {
  /** A sender connected (after the TLS handshake, with TLS). */
  connection: [peer: MllpPeer];
  /** A whole message arrived: answer it with message.reply(ack) or message.closeWithoutReply(). */
  message: [message: MllpReceived];
  /**
   * A message over maxMessageBytes: `bytes` holds its first segment, so an AR can name its MSH-10. Its
   * connection closes after the answer. Without a listener the connection closes unanswered.
   */
  oversize: [message: MllpReceived];
  /** A connection was closed at once, before any message: for the log. */
  refused: [refusal: MllpRefusal];
  /** Bytes outside any frame were dropped (a sender without MLLP framing, say); the connection goes on. */
  skipped: [peer: MllpPeer, bytes: number];
  /** A connection is gone, and why. */
  disconnect: [peer: MllpPeer, info: MllpDisconnect];
  /** An error of the listening socket after listen() (rare: out of file descriptors). Listen to it, as for net.Server. */
  error: [error: Error];
}

/**
 * An MLLP listener: accepts HL7 senders, hands each message up with a way to answer it, and writes the
 * answers of a connection in the order its messages arrived. It builds no ACK itself: what to answer, and
 * when (on receipt, once handled, after a timeout, again for a duplicate), is the upper layer's choice.
 * Senders are let in or refused before any byte is read, and before a TLS handshake is spent on them.
 */
export class MllpServer extends EventEmitter<MllpServerEvents> {
  private readonly options: ResolvedServerOptions;
  private readonly server: net.Server;
  /** Sockets admitted, counted until closed (TLS handshakes in progress included). */
  private readonly sockets = new Set<net.Socket>();
  private readonly connections = new Set<MllpServerConnection>();
  private nextPeerId = 1;
  private listening = false;
  /** listen() called and not yet bound or failed: a host is looked up first, so close() may come in between. */
  private binding = false;
  /** What close() left to do once the bind in progress is done. */
  private afterBind: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private serverClosed = false;
  private allClosed: (() => void) | undefined;

  constructor(options: MllpServerOptions = {}) {
    super();
    this.options = resolveServerOptions(options);
    const tlsOptions = this.options.tls;
    this.server = tlsOptions
      ? tls.createServer({ ...tlsOptions, allowHalfOpen: true })
      : net.createServer({ allowHalfOpen: true });
    // tls.Server starts the handshake in its own "connection" listener; admission runs before it.
    const handshake = this.server.listeners("connection") as ((socket: net.Socket) => void)[];
    this.server.removeAllListeners("connection");
    this.server.on("connection", (socket: net.Socket) => {
      if (!this.admit(socket)) return;
      if (tlsOptions) for (const start of handshake) start.call(this.server, socket);
      else this.attach(socket);
    });
    if (tlsOptions) {
      this.server.on("secureConnection", (socket: tls.TLSSocket) => this.attach(socket));
      this.server.on("tlsClientError", (error: Error, socket: tls.TLSSocket) => {
        if (this.closing) return;
        const address = normalizeAddress(socket.remoteAddress) ?? "";
        this.emit("refused", { reason: "tls-failed", address, port: socket.remotePort ?? 0, error });
      });
    }
    this.server.on("error", (err) => {
      if (this.listening) this.emit("error", err);
    });
  }

  /** "host:port" as configured, for messages and status ("*" for every interface). */
  get address(): string {
    const bound = this.server.address();
    const port = bound && typeof bound === "object" ? bound.port : this.options.port;
    return `${this.options.host === "" ? "*" : this.options.host}:${port}`;
  }

  /** Connections open now (TLS handshakes in progress included). */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Starts listening; resolves with the bound address (its port when `port` was 0). */
  listen(): Promise<net.AddressInfo> {
    if (this.closing) return Promise.reject(new SanteError("SANTE_CLOSED", "The MLLP listener was closed"));
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException) =>
        reject(
          new SanteError("SANTE_CONNECTION", `Cannot listen on ${this.address}: ${err.code ?? err.message}`, {
            cause: err,
          }),
        );
      this.server.once("error", failed);
      const listening = () => {
        this.server.off("error", failed);
        this.listening = true;
        resolve(this.server.address() as net.AddressInfo);
        this.bindDone();
      };
      this.binding = true;
      this.server.once("error", () => this.bindDone());
      if (this.options.host === "") this.server.listen(this.options.port, listening);
      else this.server.listen(this.options.port, this.options.host, listening);
    });
  }

  /** Stops listening and closes every connection at once; resolves when every socket is gone. Answers still owed are lost (senders resend). */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = new Promise<void>((resolve) => (this.allClosed = resolve));
      const closeServer = () =>
        this.server.close(() => {
          this.serverClosed = true;
          this.checkClosed();
        });
      // net.Server looks the host up before it binds, even an IP address: closed in between, it would bind
      // afterwards and listen on, unowned (a redeploy right after a deploy). Close it once the bind is done.
      if (this.binding) this.afterBind = closeServer;
      else closeServer();
      for (const conn of this.connections) conn.destroy();
      for (const socket of this.sockets) socket.destroy();
    }
    return this.closing;
  }

  private admit(socket: net.Socket): boolean {
    const address = normalizeAddress(socket.remoteAddress);
    const port = socket.remotePort ?? 0;
    const refuse = (reason: MllpRefusal["reason"]) => {
      socket.destroy();
      this.emit("refused", { reason, address: address ?? "", port });
      return false;
    };
    if (this.closing || address === undefined) {
      socket.destroy();
      return false;
    }
    if (this.options.allow && !this.options.allow.allows(address)) return refuse("not-allowed");
    if (this.sockets.size >= this.options.maxConnections) return refuse("too-many-connections");
    this.sockets.add(socket);
    // Errors are read where the socket is used; one before that (a reset during the handshake) is not news.
    socket.on("error", () => undefined);
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.checkClosed();
    });
    return true;
  }

  private attach(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const secure = socket instanceof tls.TLSSocket;
    const peer: MllpPeer = {
      id: this.nextPeerId++,
      address: normalizeAddress(socket.remoteAddress) ?? "",
      port: socket.remotePort ?? 0,
      tls: secure,
      ...(secure ? { authorized: socket.authorized } : {}),
    };
    const conn = new MllpServerConnection(socket, peer, this.options, {
      message: (message) => this.emit("message", message),
      oversize: (message) => {
        if (this.listenerCount("oversize") > 0) this.emit("oversize", message);
        else message.closeWithoutReply();
      },
      skipped: (from, bytes) => this.emit("skipped", from, bytes),
      closed: (c, info) => {
        this.connections.delete(c);
        this.emit("disconnect", c.peer, info);
        this.checkClosed();
      },
    });
    this.connections.add(conn);
    this.emit("connection", peer);
  }

  private bindDone(): void {
    this.binding = false;
    const next = this.afterBind;
    this.afterBind = undefined;
    next?.();
  }

  private checkClosed(): void {
    if (this.closing && this.serverClosed && this.sockets.size === 0 && this.connections.size === 0) {
      this.allClosed?.();
    }
  }
}
