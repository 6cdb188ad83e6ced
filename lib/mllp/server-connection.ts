import type { Socket } from "node:net";
import { Fifo } from "../util/fifo";
import { MllpDecoder, mllpFaultError, type MllpFault } from "./framing";
import { MllpReceived, type MllpPeer, type ReplyChannel } from "./received";
import type { ResolvedServerOptions } from "./server-options";

/** After our FIN, how long the sender gets to close its side before we cut the socket. */
const LINGER_MS = 2_000;

export type MllpDisconnectReason =
  /** The sender closed or reset the connection. */
  | "peer"
  /** No complete message within the idle timeout while no reply was owed. */
  | "idle"
  /** A message over the size limit (after its answer, if the upper layer gave one). */
  | "oversize"
  /** A broken frame: a start byte inside a frame, or 0x1C without 0x0D. */
  | "framing"
  /** The upper layer asked for it: reply(…, { close: true }) or closeWithoutReply(). */
  | "closed-by-reply"
  /** The listener was closed. */
  | "server-closed";

export interface MllpDisconnect {
  readonly reason: MllpDisconnectReason;
  /** The framing fault (SANTE_PROTOCOL) or the socket's error, if any. */
  readonly error?: Error;
  /** Messages whose answer never went out (closed without one, or owed when the connection went): the sender sends them again. */
  readonly unanswered: number;
  /** Bytes of a message in progress that were lost with the connection. */
  readonly partialBytes: number;
}

export interface ServerConnectionEvents {
  message(message: MllpReceived): void;
  oversize(message: MllpReceived): void;
  skipped(peer: MllpPeer, bytes: number): void;
  closed(conn: MllpServerConnection, info: MllpDisconnect): void;
}

interface Owed {
  readonly message: MllpReceived;
  /** Frames to write ahead of the answer (accept acknowledgements), in order. */
  early: Buffer[];
  answered: boolean;
  bytes: Buffer | undefined;
  close: boolean;
}

/**
 * One listener connection: frames in, messages up, answers out in arrival order. It is the only owner of
 * its socket, its decoder and its queues. Memory held: one partial message (at most maxMessageBytes), the
 * messages decoded from one read and not yet handed up (reading pauses meanwhile), `maxPending` messages
 * with the upper layer, and the socket's write buffer (reading pauses too while the sender does not read
 * its ACKs).
 */
export class MllpServerConnection implements ReplyChannel {
  private readonly decoder: MllpDecoder;
  private inbox = new Fifo<{ bytes: Buffer; oversize: boolean }>();
  /** Messages handed up whose answer is not written yet, in arrival order (at most maxPending). */
  private owed: Owed[] = [];
  private seq = 0;
  /** Set once no more input is taken; the connection closes when what is owed is written. */
  private ending: { reason: MllpDisconnectReason; error?: Error } | undefined;
  private finishing = false;
  private closed = false;
  private socketError: Error | undefined;
  private lastActivity = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private linger: NodeJS.Timeout | undefined;
  private pumping = false;
  private paused = false;
  private pumpAgain = false;
  private partialBytes: number | undefined;
  /** Messages closed without an answer (closeWithoutReply, or an oversize one nobody answered). */
  private hungUp = 0;

  constructor(
    private readonly socket: Socket,
    readonly peer: MllpPeer,
    private readonly options: ResolvedServerOptions,
    private readonly events: ServerConnectionEvents,
  ) {
    this.decoder = new MllpDecoder(
      { message: (m) => this.onMessage(m), fault: (f) => this.onFault(f) },
      { maxMessageBytes: options.maxMessageBytes },
    );
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.onEnd());
    socket.on("drain", () => this.pump());
    socket.on("error", (err) => (this.socketError ??= err));
    socket.once("close", () => this.onClose());
    if (options.idleTimeout > 0) this.armIdle(options.idleTimeout);
  }

  get open(): boolean {
    return !this.closed && !this.finishing && !this.socket.destroyed;
  }

  answered(message: MllpReceived, bytes: Buffer | undefined, close: boolean): void {
    const entry = this.owedEntry(message);
    if (!entry) return;
    entry.answered = true;
    entry.bytes = bytes;
    entry.close = close;
    this.pump();
  }

  early(message: MllpReceived, bytes: Buffer): void {
    const entry = this.owedEntry(message);
    if (!entry) return;
    entry.early.push(bytes);
    this.pump();
  }

  private owedEntry(message: MllpReceived): Owed | undefined {
    const entry = this.owed[message.seq - (this.owed[0]?.message.seq ?? 0)];
    return entry?.message === message ? entry : undefined;
  }

  /** Closes at once (the listener is closing); what is owed is lost and the senders resend it. */
  destroy(): void {
    this.ending ??= { reason: "server-closed" };
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    // Once ending, input is read and dropped, so that a sender still writing a refused message finishes
    // its write and reads our answer.
    if (this.ending) return;
    this.decoder.push(chunk);
    this.pump();
  }

  private onMessage(bytes: Buffer): void {
    if (this.ending) return;
    this.lastActivity = Date.now();
    this.inbox.push({ bytes, oversize: false });
  }

  private onFault(fault: MllpFault): void {
    if (fault.kind === "skipped") {
      this.events.skipped(this.peer, fault.bytes);
      return;
    }
    if (this.ending) return;
    if (fault.kind === "oversize") {
      this.inbox.push({ bytes: fault.head, oversize: true });
      this.ending = { reason: "oversize", error: mllpFaultError(fault) };
    } else {
      this.ending = { reason: "framing", error: mllpFaultError(fault) };
    }
  }

  private onEnd(): void {
    this.partialBytes = this.decoder.bufferedBytes;
    this.ending ??= { reason: "peer" };
    // Reports a run of skipped bytes the sender ended on.
    this.decoder.end();
    this.pump();
  }

  /** Writes the answers that are due, hands up the messages that may go, then decides on reading and closing. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.writeAnswers();
        this.handUp();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.flowControl();
  }

  private writeAnswers(): void {
    while (this.open && this.owed.length > 0) {
      const entry = this.owed[0];
      if (entry.early.length > 0) {
        for (const bytes of entry.early) this.socket.write(bytes);
        entry.early = [];
      }
      if (!entry.answered) break;
      this.owed.shift();
      if (entry.bytes) this.socket.write(entry.bytes);
      else if (entry.close) this.hungUp++;
      if (this.owed.length === 0) this.lastActivity = Date.now();
      if (entry.close) {
        this.ending ??= { reason: "closed-by-reply" };
        this.finish();
      }
    }
  }

  private handUp(): void {
    while (this.open && this.inbox.length > 0 && this.owed.length < this.options.maxPending) {
      const item = this.inbox.shift() as { bytes: Buffer; oversize: boolean };
      const seq = ++this.seq;
      const message = new MllpReceived(`${this.peer.id}:${seq}`, this.peer, seq, item.bytes, item.oversize, this);
      this.owed.push({ message, early: [], answered: false, bytes: undefined, close: false });
      if (item.oversize) this.events.oversize(message);
      else this.events.message(message);
    }
  }

  private flowControl(): void {
    if (!this.open) return;
    if (this.ending) {
      if (this.owed.length === 0 && this.inbox.length === 0) this.finish();
      else this.reading(true);
    } else {
      this.reading(this.inbox.length === 0 && !this.socket.writableNeedDrain);
    }
  }

  /** Pauses or resumes the socket on a change only: resume() costs a tick even on a flowing stream. */
  private reading(on: boolean): void {
    if (on === !this.paused) return;
    this.paused = !on;
    if (on) this.socket.resume();
    else this.socket.pause();
  }

  /** Ends our side once everything owed is written; the sender gets LINGER_MS to close its side. */
  private finish(): void {
    if (this.finishing) return;
    this.finishing = true;
    this.stopIdle();
    this.socket.end();
    this.reading(true);
    this.linger = setTimeout(() => this.socket.destroy(), LINGER_MS);
  }

  /** The clock runs from the last complete message or answer; a partial frame does not reset it. */
  private armIdle(ms: number): void {
    this.idleTimer = setTimeout(() => this.onIdleTimer(), ms);
  }

  private onIdleTimer(): void {
    this.idleTimer = undefined;
    if (!this.open) return;
    const idle = this.options.idleTimeout;
    // While an answer is owed the sender is waiting for us, not idle.
    if (this.owed.length > 0 || this.inbox.length > 0) return this.armIdle(idle);
    const left = this.lastActivity + idle - Date.now();
    if (left > 0) return this.armIdle(left);
    this.ending ??= { reason: "idle" };
    this.finish();
  }

  private stopIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private onClose(): void {
    this.closed = true;
    this.stopIdle();
    if (this.linger) clearTimeout(this.linger);
    const unanswered = this.hungUp + this.owed.length + this.inbox.length;
    this.owed = [];
    this.inbox = new Fifo();
    const error = this.ending?.error ?? this.socketError;
    this.events.closed(this, {
      reason: this.ending?.reason ?? "peer",
      ...(error ? { error } : {}),
      unanswered,
      partialBytes: this.partialBytes ?? this.decoder.bufferedBytes,
    });
  }
}
