import type { Hl7Header } from "../../lib/hl7";
import type { Hl7Inbound } from "../../lib/hl7-listener";
import type { NodeMessage } from "./node-red-types";

/** msg.hl7 as `hl7 in` sends it: the header, the message again, and what `hl7 reply` needs to answer it. */
export interface MsgHl7 extends Hl7Header {
  /** The HL7 text as received (msg.payload may be overwritten by the nodes after). */
  readonly message: string;
  /** The id of the `hl7 in` node that received it. */
  readonly listenerId: string;
  /** Which message of that node's listener this is (unique across its runs). */
  readonly messageId: string;
  /** The sender's end of the connection. */
  readonly peer: { readonly address: string; readonly port: number; readonly tls: boolean };
}

/**
 * The msg for a received message: payload the text, topic MSH-9 as written, hl7 the header and the rest. Plain,
 * JSON-safe data of its own (nested objects copied: a flow may change msg.hl7, never the listener's copy), built
 * as one literal: a spread or Object.assign of the header plus more properties costs V8 several times as much,
 * at thousands of messages a second. The type makes the literal list every header field.
 */
export function hl7Message(m: Hl7Inbound, listenerId: string, msgid: string): NodeMessage {
  const h = m.header;
  const hl7: MsgHl7 = {
    messageType: h.messageType,
    triggerEvent: h.triggerEvent,
    messageStructure: h.messageStructure,
    controlId: h.controlId,
    processingId: h.processingId,
    version: h.version,
    dateTime: h.dateTime,
    sendingApplication: { ...h.sendingApplication },
    sendingFacility: { ...h.sendingFacility },
    receivingApplication: { ...h.receivingApplication },
    receivingFacility: { ...h.receivingFacility },
    acceptAckType: h.acceptAckType,
    applicationAckType: h.applicationAckType,
    characterSet: h.characterSet,
    delimiters: { ...h.delimiters },
    encodingCharacters: h.encodingCharacters,
    message: m.text,
    listenerId,
    messageId: m.id,
    peer: { address: m.peer.address, port: m.peer.port, tls: m.peer.tls },
  };
  return { _msgid: msgid, payload: m.text, topic: messageType(h), hl7 };
}

/** MSH-9 as written: ORM^O01^ORM_O01, or ADT^A08 when the message has no structure ID. */
function messageType(h: Hl7Header): string {
  const c = h.delimiters.component ?? "^";
  if (h.messageStructure !== "") return h.messageType + c + h.triggerEvent + c + h.messageStructure;
  return h.triggerEvent !== "" ? h.messageType + c + h.triggerEvent : h.messageType;
}
