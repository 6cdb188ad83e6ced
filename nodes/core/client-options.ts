import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { SanteError } from "./errors";

export interface SanteClientOptions {
  /** Host of the PACS's HL7 port. Default 127.0.0.1. */
  host?: string;
  /** The PACS's HL7 port. Default 2575 (HL7's registered port; the vendor publishes none). */
  port?: number;
  /** Milliseconds a lookup may take on the wire, connect plus reply. Default 10000. */
  timeout?: number;
  /** Most sockets open at once. Default 4. */
  connections?: number;
  /** Reuse connections between lookups. Default false: one connection per lookup, as the vendor describes. */
  keepAlive?: boolean;
  /** Wrap the connection in TLS; `true` for defaults, or Node's tls options (ca, cert, key, rejectUnauthorized, servername). */
  tls?: boolean | TlsConnectionOptions;
  /** Most lookups waiting for a connection; past it, lookups fail with SANTE_BUSY. Default 10000. */
  queueLimit?: number;
  /** Largest reply accepted, in bytes. Default 1 MiB. */
  maxReplyBytes?: number;
}

export type ResolvedClientOptions = Required<Omit<SanteClientOptions, "tls">> & {
  tls: TlsConnectionOptions | undefined;
};

export const CLIENT_DEFAULTS = {
  host: "127.0.0.1",
  port: 2575,
  timeout: 10000,
  connections: 4,
  keepAlive: false,
  queueLimit: 10000,
  maxReplyBytes: 1024 * 1024,
} as const;

/** Fills defaults and refuses nonsense early, so a misconfigured client fails at construction, not at first lookup. */
export function resolveClientOptions(options: SanteClientOptions = {}): ResolvedClientOptions {
  const resolved: ResolvedClientOptions = {
    host: (options.host ?? CLIENT_DEFAULTS.host).trim(),
    port: options.port ?? CLIENT_DEFAULTS.port,
    timeout: options.timeout ?? CLIENT_DEFAULTS.timeout,
    connections: options.connections ?? CLIENT_DEFAULTS.connections,
    keepAlive: options.keepAlive ?? CLIENT_DEFAULTS.keepAlive,
    queueLimit: options.queueLimit ?? CLIENT_DEFAULTS.queueLimit,
    maxReplyBytes: options.maxReplyBytes ?? CLIENT_DEFAULTS.maxReplyBytes,
    tls: options.tls === true ? {} : options.tls || undefined,
  };
  if (resolved.host === "") throw invalid("host is empty");
  checkInteger("port", resolved.port, 1, 65535);
  checkInteger("timeout", resolved.timeout, 1, 2 ** 31 - 1);
  checkInteger("connections", resolved.connections, 1, 1024);
  checkInteger("queueLimit", resolved.queueLimit, 0, Number.MAX_SAFE_INTEGER);
  checkInteger("maxReplyBytes", resolved.maxReplyBytes, 16, 2 ** 30);
  return resolved;
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

function invalid(what: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", `Invalid client option: ${what}`);
}
