/*
 * Which acknowledgements a received message gets, and when: decisions only, no I/O.
 *
 * Original mode (MSH-15 and MSH-16 empty): one ACK per message. After handling, AA when the flow answers without
 * an error, AE with one (AR for SANTE_INVALID_INPUT: the message itself is bad, resending it will not help).
 * On receipt, AA at once.
 * Enhanced mode (MSH-15 or MSH-16 valued): an accept ACK (CA) on receipt when MSH-15 asks for it, and the
 * application ACK (AA/AE/AR, as above) when MSH-16 asks for it: AL always, NE never, ER only on error, SU only on
 * success (lib/hl7 ackRequested). Both go back on the connection the message came on, the accept ACK first.
 */
import { ackRequested, wantsEnhancedAck, type AckCode, type AckError, type Hl7Header } from "../hl7";
import type { AckMode } from "./options";

/** How the flow's answer ended: handled (no error), or failed with this error. */
export interface Hl7Outcome {
  readonly error?: AckError;
  /** MSA-1 for a failure; default AR for SANTE_INVALID_INPUT, AE for anything else. */
  readonly errorAck?: "AE" | "AR";
}

export interface ReceiptPlan {
  /** Acknowledgements to send at once, in this order: only ever positive (a refusal is decided before). */
  readonly now: readonly ("AA" | "CA")[];
  /** The application acknowledgement waits for the flow's answer. */
  readonly later: boolean;
}

/** What a message that is accepted (readable, not a resend) gets on receipt. */
export function receiptPlan(header: Hl7Header, mode: AckMode): ReceiptPlan {
  if (!wantsEnhancedAck(header)) {
    return mode === "on-receipt" ? { now: ["AA"], later: false } : { now: [], later: true };
  }
  const now: ("AA" | "CA")[] = ackRequested(header.acceptAckType, true) ? ["CA"] : [];
  if (mode === "after-handling") return { now, later: true };
  if (ackRequested(header.applicationAckType, true)) now.push("AA");
  return { now, later: false };
}

/** MSA-1 of the application acknowledgement for `outcome`; undefined when the sender asked for none (MSH-16). */
export function applicationAck(header: Hl7Header, outcome: Hl7Outcome): AckCode | undefined {
  const code: AckCode =
    outcome.error === undefined
      ? "AA"
      : (outcome.errorAck ?? (outcome.error.code === "SANTE_INVALID_INPUT" ? "AR" : "AE"));
  if (wantsEnhancedAck(header) && !ackRequested(header.applicationAckType, code === "AA")) return undefined;
  return code;
}

/**
 * MSA-1 for a message refused before the flow sees it (unreadable, no control ID, too large): AR, or in enhanced
 * mode CR (the accept level refused it), or nothing when MSH-15 asks for no error acknowledgement.
 * `header` undefined: the message has no readable MSH, so no mode either: AR.
 */
export function rejectAck(header: Hl7Header | undefined): AckCode | undefined {
  if (header === undefined || !wantsEnhancedAck(header)) return "AR";
  return ackRequested(header.acceptAckType, false) ? "CR" : undefined;
}
