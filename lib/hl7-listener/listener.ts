import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import {
  buildAck,
  messageTypeText,
  nextControlId,
  readHl7Header,
  type AckCode,
  type AckError,
  type Hl7Header,
} from "../hl7";
import { FeedHeaders, type FeedHeader } from "./feed-headers";
import { MLLP_SERVER_DEFAULTS, MllpServer, type MllpPeer, type MllpReceived } from "../mllp";
import { ChurnMap } from "../util/churn-map";
import { Lru } from "../util/lru";
import { applicationAck, receiptPlan, rejectAck, type Hl7Outcome } from "./ack-policy";
import {
  resolveListenerPolicy,
  type Hl7ListenerOptions,
  type ResolvedListenerPolicy,
  type TimeoutAck,
} from "./options";
import { answerWith, PendingMessage } from "./pending";
import { ReplyClock } from "./reply-clock";
import { resendKey } from "./resend-key";

/** A message for the flow. */
export interface Hl7Inbound {
  /** What the flow's answer names: unique across listeners, their restarts and Node-RED's ("<run>:<connection>:<n>"). */
  readonly id: string;
  /** The message as received (UTF-8), without its framing. */
  readonly text: string;
  readonly header: Hl7Header;
  readonly peer: MllpPeer;
}

/** Why a message was refused before the flow saw it (it got an AR, or a CR in enhanced mode). */
export type Hl7RejectReason = "not-hl7" | "no-control-id" | "no-message-type" | "oversize";

export interface Hl7Rejection {
  readonly reason: Hl7RejectReason;
  readonly peer: MllpPeer;
  /** MSH-9 and MSH-10 as far as they could be read ("" otherwise): all a log may say of a message. */
  readonly messageType: string;
  readonly controlId: string;
  /** The answer given; undefined when the sender asked for none (enhanced mode). */
  readonly ack: AckCode | undefined;
}

/** What happened to the flow's answer. */
export type Hl7ReplyResult =
  /** The acknowledgement went out, to the message's connection or to that of a resend waiting for it. */
  | "sent"
  /** The sender asked for no acknowledgement of this outcome (enhanced mode, MSH-16): the message is done. */
  | "not-requested"
  /** The listener acknowledges on receipt: the message was answered when it arrived. */
  | "on-receipt"
  /** The message was answered before: by an earlier reply, or when the reply timeout ran out. */
  | "answered"
  /** Its sender disconnected before the answer. It will resend; with duplicates on, the resend gets this answer. */
  | "gone"
  /** The listener was closed (a redeploy), or the message came to another run of it. */
  | "closed";

/** The flow's answer, as reply() took it. */
export interface Hl7Reply {
  readonly result: Hl7ReplyResult;
  /** MSA-1 of the application acknowledgement sent, with "sent" and "gone" (remembered for a resend). */
  readonly ack?: AckCode;
}

export interface Hl7ListenerEvents {
  /** A message for the flow: answer it with reply(message.id, outcome). */
  message: [message: Hl7Inbound];
  /** A resend was answered with its original's acknowledgement (or will be, once the original is answered). */
  duplicate: [header: Hl7Header, peer: MllpPeer, inProgress: boolean];
  /** The flow did not answer within the reply timeout; `ack` says what was done. */
  timeout: [header: Hl7Header, peer: MllpPeer, ack: TimeoutAck];
  /** A message refused before the flow saw it. */
  rejected: [rejection: Hl7Rejection];
}

const REJECTIONS: Record<Exclude<Hl7RejectReason, "not-hl7">, (limit: number) => AckError> = {
  "no-control-id": () => ({
    code: "SANTE_INVALID_INPUT",
    message: "MSH-10 (message control ID) is empty",
    hl7ErrorCode: 101,
  }),
  "no-message-type": () => ({
    code: "SANTE_INVALID_INPUT",
    message: "MSH-9 (message type) is empty",
    hl7ErrorCode: 101,
  }),
  oversize: (limit) => ({
    code: "SANTE_INVALID_INPUT",
    message: `The message is larger than the ${limit}-byte limit of this listener`,
  }),
};

/**
 * An HL7 v2 listener: MLLP in (MllpServer), each message handed to the flow once, and acknowledged as the policy
 * says (ack-policy.ts): after the flow's answer (default) or on receipt; a message the flow does not answer in
 * time gets an AE or no ACK at all; a resend of a message already answered gets the same acknowledgement again
 * without reaching the flow, and a resend of one still with the flow gets its answer when it comes.
 *
 * Order: each connection hands up its next message only once the previous one is answered (the transport's
 * maxPending, 1 by default), so a feed is handled in the order it was sent; connections run side by side.
 * Memory: the messages with the flow (at most connections × maxPending, plus those whose sender left, each
 * until its reply timeout), and at most duplicateLimit answered ones, as digests and ACK texts.
 */
export class Hl7Listener extends EventEmitter<Hl7ListenerEvents> {
  /** The MLLP listener underneath, for its events: connection, refused, skipped, disconnect, error (listen to it). */
  readonly transport: MllpServer;
  readonly policy: ResolvedListenerPolicy;
  /** Tells this run's message ids from those of an earlier run (a redeploy, a restart of Node-RED). */
  private readonly run = nextControlId();
  /** The messages with the flow, in arrival order (so in the order their reply timeouts run out). */
  private readonly pending = new ChurnMap<PendingMessage>();
  private readonly clock = new ReplyClock(this.pending, (p) => this.onTimeout(p));
  /** The pending messages by resendKey(), for resends that arrive while the flow still has the original. */
  private readonly inProgress = new ChurnMap<PendingMessage>();
  /** Acknowledgements of answered messages by resendKey(), for resends within the window. */
  private readonly answered: Lru<string, readonly string[]>;
  private readonly maxMessageBytes: number;
  private readonly feed = new FeedHeaders();
  private closed = false;

  constructor(options: Hl7ListenerOptions = {}) {
    super();
    this.policy = resolveListenerPolicy(options);
    this.transport = new MllpServer(options);
    this.maxMessageBytes = options.maxMessageBytes ?? MLLP_SERVER_DEFAULTS.maxMessageBytes;
    this.answered = new Lru(this.policy.duplicates ? this.policy.duplicateLimit : 0);
    this.transport.on("message", (m) => this.onMessage(m));
    this.transport.on("oversize", (m) => this.reject(m, headerOf(m.text), "oversize"));
  }

  /** "host:port" ("*" for every interface). */
  get address(): string {
    return this.transport.address;
  }

  get connectionCount(): number {
    return this.transport.connectionCount;
  }

  /** Messages with the flow, not answered yet. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Starts listening; resolves with the bound address. Rejects with SANTE_CONNECTION (a port in use, say). */
  listen(): Promise<AddressInfo> {
    return this.transport.listen();
  }

  /**
   * The flow's answer to message `id`: AA when `outcome` has no error, else AE (AR for SANTE_INVALID_INPUT, or
   * `outcome.errorAck`) with an ERR segment. Never throws; the result says whether anything was sent.
   */
  reply(id: string, outcome: Hl7Outcome = {}): Hl7Reply {
    if (this.closed || typeof id !== "string" || !id.startsWith(`${this.run}:`)) return { result: "closed" };
    const p = this.pending.get(id);
    if (!p) return { result: this.policy.ackMode === "on-receipt" ? "on-receipt" : "answered" };
    return this.complete(p, outcome);
  }

  /**
   * Stops listening and closes every connection at once. Messages still with the flow are not acknowledged:
   * their senders send them again. Resolves when every socket is gone; no timer is left.
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.clock.stop();
      this.pending.clear();
      this.inProgress.clear();
      this.answered.clear();
    }
    return this.transport.close();
  }

  private onMessage(m: MllpReceived): void {
    let feed: FeedHeader;
    try {
      feed = this.feed.read(m.text);
    } catch {
      return this.reject(m, undefined, "not-hl7");
    }
    const header = feed.header;
    if (header.controlId === "") return this.reject(m, header, "no-control-id");
    if (header.messageType === "") return this.reject(m, header, "no-message-type");
    const key = this.policy.duplicates ? resendKey(m.text) : undefined;
    if (key !== undefined && this.resent(m, header, key)) return;

    const plan = receiptPlan(header, this.policy.ackMode);
    const early = plan.now.map((code) => feed.plainAck(code));
    const inbound: Hl7Inbound = { id: `${this.run}:${m.id}`, text: m.text, header, peer: m.peer };
    if (!plan.later) {
      if (key !== undefined) this.answered.set(key, early, this.policy.duplicateWindow);
      answerWith(m, early);
    } else {
      for (const ack of early) m.accept(ack);
      const p = new PendingMessage(inbound.id, key, feed, m, early, Date.now() + this.policy.replyTimeout);
      this.pending.set(p.id, p);
      if (key !== undefined) this.inProgress.set(key, p);
      this.clock.added(p);
    }
    this.emit("message", inbound);
  }

  /** Answers `m` as a resend if it is one; false when it is a new message. */
  private resent(m: MllpReceived, header: Hl7Header, key: string): boolean {
    const original = this.inProgress.get(key);
    if (original) {
      for (const ack of original.early) m.accept(ack);
      original.waiters.push(m);
      this.emit("duplicate", header, m.peer, true);
      return true;
    }
    const acks = this.answered.get(key);
    if (acks === undefined) return false;
    answerWith(m, acks);
    this.emit("duplicate", header, m.peer, false);
    return true;
  }

  private complete(p: PendingMessage, outcome: Hl7Outcome): Hl7Reply {
    this.forget(p);
    const code = applicationAck(p.header, outcome);
    const ack =
      code === undefined
        ? undefined
        : code === "AA"
          ? p.feed.plainAck(code)
          : buildAck(p.header, code, { error: outcome.error });
    if (p.key !== undefined) {
      this.answered.set(p.key, ack === undefined ? p.early : [...p.early, ack], this.policy.duplicateWindow);
    }
    if (!p.finish(ack)) return { result: "gone", ack: code };
    return code === undefined ? { result: "not-requested" } : { result: "sent", ack: code };
  }

  private onTimeout(p: PendingMessage): void {
    if (this.pending.get(p.id) !== p) return;
    if (this.policy.timeoutAck === "none") {
      // Not remembered: the resend this asks for must reach the flow again.
      this.forget(p);
      p.hangUp();
    } else {
      const message = `No answer from the flow within ${this.policy.replyTimeout} ms`;
      this.complete(p, { error: { code: "SANTE_TIMEOUT", message } });
    }
    this.emit("timeout", p.header, p.received.peer, this.policy.timeoutAck);
  }

  private forget(p: PendingMessage): void {
    this.pending.delete(p.id);
    if (p.key !== undefined && this.inProgress.get(p.key) === p) this.inProgress.delete(p.key);
  }

  private reject(m: MllpReceived, header: Hl7Header | undefined, reason: Hl7RejectReason): void {
    const code = rejectAck(header);
    if (code === undefined) {
      if (m.oversize) m.closeWithoutReply();
      else m.end();
    } else {
      // Unreadable input: buildAck salvages what it can of the first line and explains in its ERR.
      const ack =
        header === undefined || reason === "not-hl7"
          ? buildAck(m.text, "AR")
          : buildAck(header, code, { error: REJECTIONS[reason](this.maxMessageBytes) });
      m.reply(ack, { close: m.oversize });
    }
    this.emit("rejected", {
      reason,
      peer: m.peer,
      messageType: header === undefined ? "" : messageTypeText(header),
      controlId: header?.controlId ?? "",
      ack: code,
    });
  }
}

function headerOf(text: string): Hl7Header | undefined {
  try {
    return readHl7Header(text);
  } catch {
    return undefined;
  }
}
