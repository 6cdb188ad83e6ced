import type { Hl7Outcome, Hl7Reply } from "../../lib/hl7-listener";
import type { Node, NodeAPI } from "./node-red-types";

/** What an `hl7 in` node offers the `hl7 reply` nodes that answer its messages. */
export interface Hl7InNode extends Node {
  /** Answers the message `messageId` (msg.hl7.messageId); never throws. */
  hl7Reply(messageId: string, outcome: Hl7Outcome): Hl7Reply;
}

function isHl7In(node: unknown): node is Hl7InNode {
  return typeof node === "object" && node !== null && typeof (node as Hl7InNode).hl7Reply === "function";
}

/** The `hl7 in` node `id` names (msg.hl7.listenerId), if it is running. */
export function findListener(RED: NodeAPI, id: unknown): Hl7InNode | undefined {
  if (typeof id !== "string" || id === "") return undefined;
  const node = RED.nodes.getNode(id);
  return isHl7In(node) ? node : undefined;
}
