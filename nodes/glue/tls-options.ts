import type { ConnectionOptions, TlsOptions } from "node:tls";
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

/**
 * Server options for a listener from a core `tls-config` node: its certificate and key (both required), and with
 * a CA certificate, senders must present a certificate it signed (unless "verify" is unticked, which lets them in
 * and only records whether theirs verified). undefined when no TLS node is chosen.
 */
export function listenerTlsOptionsFrom(RED: NodeAPI, id: unknown): TlsOptions | undefined {
  const options = tlsOptionsFrom(RED, id) as TlsOptions | undefined;
  if (options === undefined) return undefined;
  if (!options.cert || !options.key) {
    throw new SanteError(
      "SANTE_INVALID_INPUT",
      "A TLS listener needs the certificate and private key of its TLS configuration",
    );
  }
  return { ...options, requestCert: options.ca !== undefined };
}
