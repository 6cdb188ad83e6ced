import { checkLimits, invalidOption, type Limits } from "../util/options";
import type { MllpServerOptions } from "../mllp";

/** When the application acknowledgement goes out. */
export type AckMode =
  /** Once the flow has handled the message: its reply node answers AA, AE or AR (the default). */
  | "after-handling"
  /** AA at once, then the message goes to the flow: for flows that store the message themselves. */
  | "on-receipt";

/** What a message gets when the flow has not answered it within the reply timeout. */
export type TimeoutAck =
  /** An AE with SANTE_TIMEOUT: the sender knows, and logs it. */
  | "AE"
  /** No ACK: the connection is closed after the earlier answers, and the sender sends the message again. */
  | "none";

export interface Hl7ListenerOptions extends MllpServerOptions {
  ackMode?: AckMode;
  /** Milliseconds the flow has to answer a message (after-handling mode and enhanced application ACKs). */
  replyTimeout?: number;
  timeoutAck?: TimeoutAck;
  /** Acknowledge a resend again instead of handing it to the flow a second time. */
  duplicates?: boolean;
  /** Milliseconds an answered message is remembered for its resends. */
  duplicateWindow?: number;
  /** Most answered messages remembered at once (the oldest are forgotten first). */
  duplicateLimit?: number;
}

export type ResolvedListenerPolicy = Required<
  Pick<
    Hl7ListenerOptions,
    "ackMode" | "replyTimeout" | "timeoutAck" | "duplicates" | "duplicateWindow" | "duplicateLimit"
  >
>;

/**
 * The acknowledgement policy's defaults, chosen for integrators (the transport's own, port to maxPending, are
 * MLLP_SERVER_DEFAULTS):
 * - after handling: an order acknowledged before it is handled is lost when Node-RED stops or the lookup fails,
 *   and its sender has no reason to send it again;
 * - 30 s to answer: a lookup with its retries (10 s per attempt) and a result sent to the HIS fit in it; a
 *   sender that gives up sooner resends, and the resend waits for the first one's answer (duplicates on);
 * - AE when that time is up: the sender learns that something went wrong and logs it, where a silent close
 *   makes most senders resend the same message forever into the same problem;
 * - duplicates on, 10 minutes, 10,000 messages: a resend after a lost ACK comes within seconds or minutes (the
 *   sender's ACK timeout, a reconnect); 10,000 remembered ACKs cost a few MB, and at more than 10,000 messages
 *   in 10 minutes (17 a second) the oldest are forgotten first.
 */
export const HL7_LISTENER_DEFAULTS = {
  ackMode: "after-handling",
  replyTimeout: 30_000,
  timeoutAck: "AE",
  duplicates: true,
  duplicateWindow: 600_000,
  duplicateLimit: 10_000,
} as const satisfies ResolvedListenerPolicy;

/** The range of each whole-number option of the policy. */
export const HL7_LISTENER_LIMITS = {
  replyTimeout: [1, 2 ** 31 - 1],
  duplicateWindow: [1, 2 ** 31 - 1],
  duplicateLimit: [1, 10_000_000],
} as const satisfies Limits;

export const ACK_MODES: readonly AckMode[] = ["after-handling", "on-receipt"];
export const TIMEOUT_ACKS: readonly TimeoutAck[] = ["AE", "none"];

/** Fills the policy's defaults and refuses options out of range when the listener is made. */
export function resolveListenerPolicy(options: Hl7ListenerOptions = {}): ResolvedListenerPolicy {
  const policy: ResolvedListenerPolicy = {
    ackMode: options.ackMode ?? HL7_LISTENER_DEFAULTS.ackMode,
    replyTimeout: options.replyTimeout ?? HL7_LISTENER_DEFAULTS.replyTimeout,
    timeoutAck: options.timeoutAck ?? HL7_LISTENER_DEFAULTS.timeoutAck,
    duplicates: options.duplicates ?? HL7_LISTENER_DEFAULTS.duplicates,
    duplicateWindow: options.duplicateWindow ?? HL7_LISTENER_DEFAULTS.duplicateWindow,
    duplicateLimit: options.duplicateLimit ?? HL7_LISTENER_DEFAULTS.duplicateLimit,
  };
  if (!ACK_MODES.includes(policy.ackMode)) {
    throw invalidOption("listener", `ackMode must be one of ${ACK_MODES.join(", ")}`);
  }
  if (!TIMEOUT_ACKS.includes(policy.timeoutAck)) {
    throw invalidOption("listener", `timeoutAck must be one of ${TIMEOUT_ACKS.join(", ")}`);
  }
  if (typeof policy.duplicates !== "boolean") throw invalidOption("listener", "duplicates must be true or false");
  checkLimits("listener", policy, HL7_LISTENER_LIMITS);
  return policy;
}
