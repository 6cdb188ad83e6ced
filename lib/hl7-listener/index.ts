/** An HL7 v2 listener over MLLP with its acknowledgement policy (when to ACK, timeouts, resends), without Node-RED. */
export {
  Hl7Listener,
  type Hl7Inbound,
  type Hl7ListenerEvents,
  type Hl7Rejection,
  type Hl7RejectReason,
  type Hl7Reply,
  type Hl7ReplyResult,
} from "./listener";
export {
  HL7_LISTENER_DEFAULTS,
  HL7_LISTENER_LIMITS,
  type AckMode,
  type Hl7ListenerOptions,
  type TimeoutAck,
} from "./options";
export { applicationAck, receiptPlan, rejectAck, type Hl7Outcome, type ReceiptPlan } from "./ack-policy";
export { resendKey } from "./resend-key";
export { readListenerOptions } from "./settings";
export { copyHl7Header } from "./copy-header";
