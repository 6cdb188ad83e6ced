import { ERROR_CODES } from "../../lib/errors";
import type { AckError } from "../../lib/hl7";
import type { Hl7Outcome } from "../../lib/hl7-listener";
import type { NodeMessage } from "./node-red-types";

/** The `hl7 reply` node's "Error answer" setting: AR for SANTE_INVALID_INPUT and AE otherwise, or always one. */
export type ErrorAckSetting = "auto" | "AE" | "AR";
export const ERROR_ACK_SETTINGS: readonly ErrorAckSetting[] = ["auto", "AE", "AR"];

interface ReplyTarget {
  listenerId: string;
  messageId: string;
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === "object" && v !== null;
/** An error's message as text: a string, a number or boolean written out, anything else (an object) empty. */
const text = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";

/** The listener and message an `hl7 reply` answers: msg.hl7.listenerId and msg.hl7.messageId, as `hl7 in` set them. */
export function replyTarget(msg: NodeMessage): ReplyTarget | undefined {
  const hl7 = msg.hl7;
  if (!isObject(hl7) || typeof hl7.listenerId !== "string" || typeof hl7.messageId !== "string") return undefined;
  return { listenerId: hl7.listenerId, messageId: hl7.messageId };
}

/** A message that `sante-study-token` delivers after a durable wait: it carries how long it waited. */
export function deliveredByWait(msg: NodeMessage): boolean {
  const sante = msg.sante;
  return isObject(sante) && typeof sante.waited === "number";
}

/**
 * How the flow ended for this message, as the reply answers it: handled, unless it carries an error:
 * - msg.santeError, which our nodes set before done(err) (a Catch node's copy carries it on any Node-RED);
 * - else msg.error from a Catch node: its code (Node-RED 4.1 copies a SanteError's code there) and message.
 * A SANTE_* code in msg.error without msg.santeError is a failure of our nodes that a retry has since overcome
 * (they delete msg.santeError when they succeed), so it does not count: the retried order is answered AA.
 */
export function outcomeOf(msg: NodeMessage, errorAck: ErrorAckSetting): Hl7Outcome {
  const error = errorOf(msg);
  if (error === undefined) return {};
  return errorAck === "auto" ? { error } : { error, errorAck };
}

function errorOf(msg: NodeMessage): AckError | undefined {
  const sante = msg.santeError;
  if (isObject(sante) && typeof sante.code === "string") return { code: sante.code, message: text(sante.message) };
  const err = msg.error;
  if (err === undefined || err === null || err === false) return undefined;
  const code = isObject(err) && typeof err.code === "string" ? err.code : "";
  if ((ERROR_CODES as readonly string[]).includes(code)) return undefined;
  return { code, message: isObject(err) ? text(err.message) : text(err) };
}
