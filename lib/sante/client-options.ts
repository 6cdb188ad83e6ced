import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { checkLimits, invalidOption, type Limits } from "../util/options";
import type { TokenStore } from "./token-store";

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
  /** Extra attempts after SANTE_CONNECTION failures, with exponential backoff and jitter. Default 2. */
  retries?: number;
  /** Failed connection attempts in a row that open the circuit breaker; 0 turns it off. Default 5. */
  breakerThreshold?: number;
  /** Milliseconds the breaker stays open before one probe is let through. Default 10000. */
  breakerCooldown?: number;
  /** Study tokens kept in memory (LRU) and patient lists (with patientCacheSeconds); 0 turns both off. Default 10000. With `tokenStore`, only the patient lists. */
  cacheSize?: number;
  /** Seconds a patient's study list is reused; 0 (default) asks the PACS every time, so new studies show. */
  patientCacheSeconds?: number;
  /**
   * Where study tokens are cached instead of memory (e.g. a Node-RED context store), or a function that
   * picks the store once the options are checked (it gets them resolved; undefined means no cache).
   */
  tokenStore?: TokenStore | TokenStoreFactory;
}

export type TokenStoreFactory = (options: ResolvedClientOptions) => TokenStore | undefined;

export type ResolvedClientOptions = Required<Omit<SanteClientOptions, "tls" | "tokenStore">> & {
  tls: TlsConnectionOptions | undefined;
  tokenStore: TokenStore | TokenStoreFactory | undefined;
};

export const CLIENT_DEFAULTS = {
  host: "127.0.0.1",
  port: 2575,
  timeout: 10000,
  connections: 4,
  keepAlive: false,
  queueLimit: 10000,
  maxReplyBytes: 1024 * 1024,
  retries: 2,
  breakerThreshold: 5,
  breakerCooldown: 10000,
  cacheSize: 10000,
  patientCacheSeconds: 0,
} as const;

/** The whole numbers each option accepts, [min, max]: the runtime checks them here, the editor's validators read them. */
export const CLIENT_LIMITS = {
  port: [1, 65535],
  timeout: [1, 2 ** 31 - 1],
  connections: [1, 1024],
  // Every lookup passes through the queue, so a limit of 0 would refuse them all.
  queueLimit: [1, Number.MAX_SAFE_INTEGER],
  maxReplyBytes: [16, 2 ** 30],
  retries: [0, 10],
  breakerThreshold: [0, 1000],
  breakerCooldown: [0, 2 ** 31 - 1],
  cacheSize: [0, 10_000_000],
  patientCacheSeconds: [0, 31_536_000],
} as const satisfies Limits;

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
    retries: options.retries ?? CLIENT_DEFAULTS.retries,
    breakerThreshold: options.breakerThreshold ?? CLIENT_DEFAULTS.breakerThreshold,
    breakerCooldown: options.breakerCooldown ?? CLIENT_DEFAULTS.breakerCooldown,
    cacheSize: options.cacheSize ?? CLIENT_DEFAULTS.cacheSize,
    patientCacheSeconds: options.patientCacheSeconds ?? CLIENT_DEFAULTS.patientCacheSeconds,
    tls: options.tls === true ? {} : options.tls || undefined,
    tokenStore: options.tokenStore,
  };
  if (resolved.host === "") throw invalidOption("client", "host is empty");
  checkLimits("client", resolved, CLIENT_LIMITS);
  return resolved;
}
