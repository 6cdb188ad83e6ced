import { readNumber, readText } from "../util/settings";
import { MLLP_CLIENT_DEFAULTS, type MllpClientOptions } from "./client-options";

/**
 * The MllpClient options of a `sante-hl7-endpoint` node (or of its "Test connection" form, which sends the
 * same fields). Numbers may arrive as the editor saves them ("2575"), a blank field means the default (flows
 * saved before a field existed have none); TLS is added by the caller, which can see the tls-config node.
 * The client itself checks the ranges (MLLP_CLIENT_LIMITS), so a bad value fails at deploy.
 */
export function readSenderOptions(def: Record<string, unknown>): MllpClientOptions {
  const d = MLLP_CLIENT_DEFAULTS;
  const number = (name: keyof typeof d & keyof MllpClientOptions) => readNumber(def[name], name, d[name] as number);
  return {
    host: readText(def.host, "host", MLLP_CLIENT_DEFAULTS.host),
    port: number("port"),
    timeout: number("timeout"),
    connections: number("connections"),
    queueLimit: number("queueLimit"),
    retries: number("retries"),
    idleTimeout: number("idleTimeout"),
    breakerThreshold: number("breakerThreshold"),
    breakerCooldown: number("breakerCooldown"),
  };
}
