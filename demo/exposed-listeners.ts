/**
 * The demo listens on 127.0.0.1 only, each listener by its own setting: the web server, the simulated PACS and HIS,
 * and the examples' `hl7 in` nodes (Bind to 127.0.0.1). A flows.json kept from an earlier run (or edited since) may
 * hold a listener that binds every interface, such as the core `tcp in` node the examples used before `hl7 in`,
 * which has no bind setting: the banner names them, so that nobody believes them to be on loopback.
 */
import type { FlowNode } from "./flows";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** Nodes of `flows` that listen on every interface (or on an address other than loopback), as "name (type)". */
export function exposedListeners(flows: readonly FlowNode[]): string[] {
  return flows.filter(listensBeyondLoopback).map((n) => `${describe(n)} (${n.type})`);
}

function listensBeyondLoopback(node: FlowNode): boolean {
  if (node.d === true) return false;
  switch (node.type) {
    case "tcp in":
      return node.server === "server";
    case "tcp out":
      return node.beserver === "server";
    case "udp in":
      return true;
    case "sante-hl7-in":
      return !LOOPBACK.test(typeof node.host === "string" ? node.host.trim() : "");
    default:
      return false;
  }
}

function describe(node: FlowNode): string {
  if (typeof node.name === "string" && node.name !== "") return JSON.stringify(node.name);
  return typeof node.port === "string" || typeof node.port === "number" ? `port ${node.port}` : node.id;
}
