import type { MllpClient } from "../../lib/mllp";
import type { Node, NodeAPI } from "./node-red-types";

/** What a `sante-hl7-endpoint` config node offers the nodes that use it. */
export interface SanteHl7Endpoint extends Node {
  /** The node's one MLLP sender; throws SANTE_INVALID_INPUT (the reason) when the configuration is invalid. */
  getClient(): MllpClient;
}

function isEndpoint(node: unknown): node is SanteHl7Endpoint {
  return (
    typeof node === "object" &&
    node !== null &&
    (node as Node).type === "sante-hl7-endpoint" &&
    typeof (node as SanteHl7Endpoint).getClient === "function"
  );
}

/** The endpoint a node's `endpoint` property names, if it is deployed and enabled. */
export function findEndpoint(RED: NodeAPI, id: unknown): SanteHl7Endpoint | undefined {
  if (typeof id !== "string" || id === "") return undefined;
  const node = RED.nodes.getNode(id);
  return isEndpoint(node) ? node : undefined;
}
