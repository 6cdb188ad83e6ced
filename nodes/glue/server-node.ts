import type { SanteClient } from "../../lib/sante";
import type { WaitScheduler } from "../../lib/wait/scheduler";
import type { Node, NodeAPI } from "./node-red-types";

/** What a `sante-pacs-server` config node offers the nodes that use it. */
export interface SantePacsServer extends Node {
  /** The node's one shared client; throws SANTE_INVALID_INPUT (the reason) when the configuration is invalid. */
  getClient(): SanteClient;
  /** The viewer link for a token, to this server's web host and port; throws SANTE_INVALID_INPUT. */
  viewerUrlFor(token: string): string;
  /** This server's wait scheduler, made on first use; rejects with SANTE_STORAGE, SANTE_INVALID_INPUT or SANTE_CLOSED. */
  waitScheduler(): Promise<WaitScheduler>;
}

function isServer(node: unknown): node is SantePacsServer {
  return typeof node === "object" && node !== null && typeof (node as SantePacsServer).getClient === "function";
}

/** The config node a node's `server` property names, if it is deployed and enabled. */
export function findServer(RED: NodeAPI, id: unknown): SantePacsServer | undefined {
  if (typeof id !== "string" || id === "") return undefined;
  const node = RED.nodes.getNode(id);
  return isServer(node) ? node : undefined;
}
