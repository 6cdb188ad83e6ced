import { encodeMllp } from "./framing";

/** The sender at the other end of one listener connection. */
export interface MllpPeer {
  /** Unique per listener, counting from 1: tells connections from the same address apart in logs. */
  readonly id: number;
  /** The sender's address; an IPv4 sender of a dual-stack listener is shown as IPv4. */
  readonly address: string;
  readonly port: number;
  readonly tls: boolean;
  /** With TLS: whether the sender's certificate was verified against the trusted CAs (false without one). */
  readonly authorized?: boolean;
}

/** How a received message gets its answer on the wire: the connection that owns the socket. */
export interface ReplyChannel {
  /** Replies may still be written. */
  readonly open: boolean;
  /** The upper layer answered `message`: `bytes` (framed) to send, or none; `close` after it. */
  answered(message: MllpReceived, bytes: Buffer | undefined, close: boolean): void;
  /** A frame for `message` ahead of its answer (an accept acknowledgement): written in order, the message stays owed. */
  early(message: MllpReceived, bytes: Buffer): void;
}

export interface MllpReplyOptions {
  /** Close the connection once this reply is written (an AR to a message that was refused, say). */
  close?: boolean;
}

/**
 * One message received by the listener, with its way to answer. The answer is written after the answers
 * of every earlier message of the same connection, whatever order they are given in: a reply to message 3
 * waits for messages 1 and 2. Each message is answered at most once; an upper layer that cannot answer it
 * (a reply timeout, a crash of its flow) must still call reply() or closeWithoutReply(), or the connection
 * waits (it is closed by close() of the server, or when the sender gives up).
 */
export class MllpReceived {
  private decoded: string | undefined;
  private done = false;

  constructor(
    /** Unique per listener: "<peer id>:<seq>". */
    readonly id: string,
    readonly peer: MllpPeer,
    /** Position on its connection, from 1. */
    readonly seq: number,
    /** The message without its framing; for an oversize message, only its first segment (MSH). */
    readonly bytes: Buffer,
    /** True for a message refused for its size: `bytes` is its head, and its connection closes after the answer. */
    readonly oversize: boolean,
    private readonly channel: ReplyChannel,
  ) {}

  /** The message as UTF-8 text (decoded once). */
  get text(): string {
    this.decoded ??= this.bytes.toString("utf8");
    return this.decoded;
  }

  /** reply() or closeWithoutReply() has been called. */
  get answered(): boolean {
    return this.done;
  }

  /** The message is not answered yet and its connection can still carry an answer. */
  get canReply(): boolean {
    return !this.done && this.channel.open;
  }

  /**
   * Sends `data` (an ACK, as text or bytes; framed here) once the earlier messages are answered. False when
   * the message was already answered or its connection is gone (the sender will resend it). Throws
   * SANTE_INVALID_INPUT, and records nothing, when `data` holds a frame byte.
   */
  reply(data: string | Uint8Array, options: MllpReplyOptions = {}): boolean {
    if (!this.canReply) return false;
    const framed = encodeMllp(data);
    this.done = true;
    this.channel.answered(this, framed, options.close === true);
    return true;
  }

  /**
   * Sends `data` now (once the earlier messages are answered) and keeps the message owed: enhanced mode's accept
   * acknowledgement (CA), which says "received, you need not resend", ahead of the application acknowledgement
   * that reply() sends once the message is handled. May be called more than once. False when the message was
   * already answered or its connection is gone; throws SANTE_INVALID_INPUT, and records nothing, like reply().
   */
  accept(data: string | Uint8Array): boolean {
    if (!this.canReply) return false;
    this.channel.early(this, encodeMllp(data));
    return true;
  }

  /**
   * Ends the message without a (further) answer and keeps the connection open: for a sender that asked for no
   * acknowledgement (MSH-15/MSH-16 `NE` in enhanced mode), or none after its accept acknowledgement. The next
   * message of the connection goes up as after reply().
   */
  end(): boolean {
    if (!this.canReply) return false;
    this.done = true;
    this.channel.answered(this, undefined, false);
    return true;
  }

  /**
   * Answers nothing: the connection closes once the earlier messages are answered, and later messages on it
   * are not answered either. The sender, seeing no ACK, sends again: the "no ACK" choice of a reply timeout.
   */
  closeWithoutReply(): boolean {
    if (!this.canReply) return false;
    this.done = true;
    this.channel.answered(this, undefined, true);
    return true;
  }
}
