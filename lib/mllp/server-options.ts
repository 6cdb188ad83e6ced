import type { TlsOptions } from "node:tls";
import { AllowList } from "./allow-list";
import { checkLimits, invalidOption, type Limits } from "../util/options";
import { MLLP_DECODER_DEFAULTS } from "./framing";

export interface MllpServerOptions {
  /** TCP port; 0 picks a free one (see `listen()`'s answer). */
  port?: number;
  /** Address to bind; "" (or absent) listens on every interface, as Node-RED's core `tcp in` node does. */
  host?: string;
  /** Serve MLLP inside TLS with these options of Node's tls.createServer (key, cert, ca, requestCert, …). */
  tls?: TlsOptions;
  /** Senders let in (IP addresses, CIDR ranges), as a list or as text separated by commas or new lines; empty lets everyone in. */
  allow?: string | readonly string[];
  /** Most connections open at once; one more is closed at once and reported. */
  maxConnections?: number;
  /** Milliseconds without a complete message, while no reply is owed, after which a connection is closed; 0 never. */
  idleTimeout?: number;
  /** Longest message accepted, in bytes; a longer one is refused (the upper layer may answer AR) and its connection closed. */
  maxMessageBytes?: number;
  /**
   * Messages of one connection handed to the upper layer and not yet answered. At 1, the next message is
   * handed over only once the previous one is answered: handled and acknowledged in order. Above 1, several
   * are handled at once; replies still go out in arrival order. Reading pauses while the limit is reached.
   */
  maxPending?: number;
}

export type ResolvedServerOptions = Required<Omit<MllpServerOptions, "tls" | "allow">> & {
  tls: TlsOptions | undefined;
  allow: AllowList | undefined;
};

/**
 * Each default is what an HL7 integrator expects of a listener:
 * - port 2575: HL7's registered port, the default of dcm4che's HL7 server;
 * - every interface, as Node-RED's `tcp in` (bind to one address, or list the senders, on a shared host);
 * - 100 connections: interfaces are point to point, a site has a few to a few tens of senders; the cap
 *   bounds memory (100 partial messages of at most `maxMessageBytes`);
 * - 10 minutes idle, as dcm4che's HL7 server: senders keep connections open between messages, and some
 *   take a close of an idle connection for a failure, so it is long; it still closes a sender that never
 *   ends its frame or trickles a byte a minute (a partial frame is not activity);
 * - 1 MiB messages (MLLP_DECODER_DEFAULTS);
 * - 1 pending message per connection: original-mode senders wait for each ACK anyway, and it keeps the
 *   handling of a feed in its order (an A08 never overtakes its A01).
 */
export const MLLP_SERVER_DEFAULTS = {
  port: 2575,
  host: "",
  allow: "",
  maxConnections: 100,
  idleTimeout: 600_000,
  maxMessageBytes: MLLP_DECODER_DEFAULTS.maxMessageBytes,
  maxPending: 1,
} as const;

/** The range each whole-number option accepts (the editor checks the same, from the generated defaults). */
export const MLLP_SERVER_LIMITS = {
  port: [0, 65535],
  maxConnections: [1, 100_000],
  idleTimeout: [0, 2 ** 31 - 1],
  maxMessageBytes: [16, 2 ** 30],
  maxPending: [1, 10_000],
} as const satisfies Limits;

export function resolveServerOptions(options: MllpServerOptions = {}): ResolvedServerOptions {
  const host = options.host ?? MLLP_SERVER_DEFAULTS.host;
  if (typeof host !== "string") throw invalidOption("listener", "host must be text");
  const resolved: ResolvedServerOptions = {
    port: options.port ?? MLLP_SERVER_DEFAULTS.port,
    host: host.trim(),
    tls: options.tls ?? undefined,
    allow: AllowList.parse(options.allow ?? MLLP_SERVER_DEFAULTS.allow),
    maxConnections: options.maxConnections ?? MLLP_SERVER_DEFAULTS.maxConnections,
    idleTimeout: options.idleTimeout ?? MLLP_SERVER_DEFAULTS.idleTimeout,
    maxMessageBytes: options.maxMessageBytes ?? MLLP_SERVER_DEFAULTS.maxMessageBytes,
    maxPending: options.maxPending ?? MLLP_SERVER_DEFAULTS.maxPending,
  };
  checkLimits("listener", resolved, MLLP_SERVER_LIMITS);
  return resolved;
}
