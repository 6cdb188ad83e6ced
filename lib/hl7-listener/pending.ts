import type { Hl7Header } from "../hl7";
import type { MllpReceived } from "../mllp";
import type { FeedHeader } from "./feed-headers";

/**
 * A message with the flow, its application acknowledgement still owed, and the resends of it that arrived
 * meanwhile (they get the same answer). Owned by the listener, which ends it exactly once: answered, timed out,
 * or dropped when the listener closes.
 */
export class PendingMessage {
  /** Resends waiting for this message's answer; each has had the accept acknowledgements already. */
  readonly waiters: MllpReceived[] = [];
  readonly header: Hl7Header;

  constructor(
    /** The id the flow's reply names (msg.hl7.messageId). */
    readonly id: string,
    /** resendKey() of the message when duplicates are suppressed. */
    readonly key: string | undefined,
    /** Its header, and the plain ACKs for it. */
    readonly feed: FeedHeader,
    /** The message as received; its connection may be gone by the time the answer comes. */
    readonly received: MllpReceived,
    /** What it got on receipt (an accept acknowledgement, CA), as sent. */
    readonly early: readonly string[],
    /** When its reply timeout runs out (ReplyClock). */
    readonly deadline: number,
  ) {
    this.header = feed.header;
  }

  /**
   * Sends the application acknowledgement `ack` (none: end quietly) to the message and to its resends.
   * True when it reached one of them; false when every one of their connections is gone.
   */
  finish(ack: string | undefined): boolean {
    let reached = false;
    for (const m of [this.received, ...this.waiters]) {
      if (ack === undefined ? m.end() : m.reply(ack)) reached = true;
    }
    return reached;
  }

  /** No answer at all: each connection closes after its earlier answers, so each sender sends it again. */
  hangUp(): void {
    for (const m of [this.received, ...this.waiters]) m.closeWithoutReply();
  }
}

/** Answers a message with these acknowledgements, as sent before to its original (accept ones first, then the application one); none: ends it quietly. */
export function answerWith(m: MllpReceived, acks: readonly string[]): void {
  if (acks.length === 0) {
    m.end();
    return;
  }
  for (let i = 0; i < acks.length - 1; i++) m.accept(acks[i]);
  m.reply(acks[acks.length - 1]);
}
