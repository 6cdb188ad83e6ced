import type { ConnectionOptions } from "node:tls";
import { SanteError } from "../../lib/sante";
import type { NodeAPI, TlsConfigNode } from "./node-red-types";

function isTlsConfig(node: unknown): node is TlsConfigNode {
  return typeof node === "object" && node !== null && typeof (node as TlsConfigNode).addTLSOptions === "function";
}

/**
 * Node options from a core `tls-config` node (certificates, CA, servername,
 * verify-server-cert), the way the core tcp and mqtt nodes take them;
 * undefined when no TLS node is chosen.
 */
export function tlsOptionsFrom(RED: NodeAPI, id: unknown): ConnectionOptions | undefined {
  if (id === undefined || id === null || id === "") return undefined;
  const node = typeof id === "string" ? RED.nodes.getNode(id) : undefined;
  if (!isTlsConfig(node)) {
    throw new SanteError("SANTE_INVALID_INPUT", `TLS configuration ${JSON.stringify(id)} is not deployed`);
  }
  // addTLSOptions fills only Node's own TLS option names (key, cert, ca, passphrase, servername, rejectUnauthorized).
  return node.addTLSOptions({});
}
