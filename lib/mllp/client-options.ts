import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { checkLimits, invalidOption, type Limits } from "../util/options";
import { MLLP_DECODER_DEFAULTS } from "./framing";

export interface MllpClientOptions {
  /** The HL7 receiver (a HIS/RIS's MLLP listener). */
  host?: string;
  port?: number;
  /** Wrap the connection in TLS: `true` for defaults, or Node's tls options (ca, cert, key, rejectUnauthorized, servername). */
  tls?: boolean | TlsConnectionOptions;
  /** Milliseconds one attempt may take, connect plus send plus ACK (waiting in the queue or between retries is not counted). */
  timeout?: number;
  /** Most connections open at once, each carrying one message at a time. With 1, messages go out strictly in order. */
  connections?: number;
  /** Most messages waiting for a connection; past it send() fails at once with SANTE_BUSY. */
  queueLimit?: number;
  /** Extra attempts after a timeout or a lost connection, the same bytes each time, with exponential backoff. */
  retries?: number;
  /** Milliseconds an unused connection stays open; 0 keeps it open until the receiver closes it. */
  idleTimeout?: number;
  /** Longest ACK accepted, in bytes. */
  maxAckBytes?: number;
  /** Failed connection attempts in a row after which sends fail at once for `breakerCooldown`; 0 turns this off. */
  breakerThreshold?: number;
  breakerCooldown?: number;
}

export type ResolvedMllpClientOptions = Required<Omit<MllpClientOptions, "tls">> & {
  tls: TlsConnectionOptions | undefined;
};

/**
 * Each default is what an HL7 integrator expects of a sender:
 * - port 2575, HL7's registered port;
 * - 10 s per attempt. Mirth's TCP sender waits 5 s for the ACK; we wait longer because a receiver that
 *   acknowledges only once it has handled the message (as our own listener does by default) may need it,
 *   and a timeout that fires too early resends a message the receiver is still working on (a duplicate),
 *   where one that fires late only delays a retry;
 * - 1 connection: HL7 feeds depend on order, and with one connection and one message in flight the
 *   receiver sees them in the order they were sent, retries included;
 * - 2 retries with backoff (100 ms, then 200 ms, …, at most 2 s, jittered), as the PACS lookups;
 * - connections kept open between messages, as HL7 senders do, and closed after 5 idle minutes: before
 *   dcm4che's 10-minute listener timeout (so we never race the receiver's close) and before the idle
 *   timers of common firewalls and load balancers (AWS NLB: 350 s) drop the connection silently;
 * - a 10,000-message queue and a breaker after 5 failed connects with a 10 s cool-down, as the PACS lookups.
 */
export const MLLP_CLIENT_DEFAULTS = {
  host: "127.0.0.1",
  port: 2575,
  timeout: 10_000,
  connections: 1,
  queueLimit: 10_000,
  retries: 2,
  idleTimeout: 300_000,
  maxAckBytes: MLLP_DECODER_DEFAULTS.maxMessageBytes,
  breakerThreshold: 5,
  breakerCooldown: 10_000,
} as const;

/** The range of each whole-number option: the client refuses anything outside it, and the editor checks the same. */
export const MLLP_CLIENT_LIMITS = {
  port: [1, 65535],
  timeout: [1, 2 ** 31 - 1],
  connections: [1, 1024],
  // Every message passes through the queue, so a limit of 0 would refuse them all.
  queueLimit: [1, Number.MAX_SAFE_INTEGER],
  retries: [0, 10],
  idleTimeout: [0, 2 ** 31 - 1],
  maxAckBytes: [16, 2 ** 30],
  breakerThreshold: [0, 1000],
  breakerCooldown: [0, 2 ** 31 - 1],
} as const satisfies Limits;

export function resolveMllpClientOptions(options: MllpClientOptions = {}): ResolvedMllpClientOptions {
  const host = options.host ?? MLLP_CLIENT_DEFAULTS.host;
  if (typeof host !== "string" || host.trim() === "") throw invalidOption("sender", "host is empty");
  const d = MLLP_CLIENT_DEFAULTS;
  const resolved: ResolvedMllpClientOptions = {
    host: host.trim(),
    port: options.port ?? d.port,
    tls: options.tls === true ? {} : options.tls || undefined,
    timeout: options.timeout ?? d.timeout,
    connections: options.connections ?? d.connections,
    queueLimit: options.queueLimit ?? d.queueLimit,
    retries: options.retries ?? d.retries,
    idleTimeout: options.idleTimeout ?? d.idleTimeout,
    maxAckBytes: options.maxAckBytes ?? d.maxAckBytes,
    breakerThreshold: options.breakerThreshold ?? d.breakerThreshold,
    breakerCooldown: options.breakerCooldown ?? d.breakerCooldown,
  };
  checkLimits("sender", resolved, MLLP_CLIENT_LIMITS);
  return resolved;
}
