import { messageTypeText, type Hl7Header } from "../../lib/hl7";
import { copyHl7Header, type Hl7Inbound } from "../../lib/hl7-listener";
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
 * The msg for a received message: payload the text, topic MSH-9 as written, hl7 the header and the rest: plain,
 * JSON-safe data of its own (a flow may change msg.hl7, never the listener's copy).
 */
export function hl7Message(m: Hl7Inbound, listenerId: string, msgid: string): NodeMessage {
  const hl7: MsgHl7 = Object.assign(copyHl7Header(m.header), {
    message: m.text,
    listenerId,
    messageId: m.id,
    peer: { address: m.peer.address, port: m.peer.port, tls: m.peer.tls },
  });
  return { _msgid: msgid, payload: m.text, topic: messageTypeText(m.header, true), hl7 };
}
