import { readBoolean, readNumber, readText } from "../util/settings";
import { CLIENT_DEFAULTS, viewerUrl, WEB_DEFAULTS, type SanteClientOptions } from ".";

/** The web server a viewer link points at. */
export interface WebSettings {
  host: string;
  port: number;
  ssl: boolean;
}

/**
 * The SanteClient options of a `sante-pacs-server` node (or of the editor's
 * "Test connection" form, which sends the same fields). TLS is added by the
 * caller, which can see the tls-config node. The client itself checks ranges.
 */
export function readClientOptions(def: Record<string, unknown>): SanteClientOptions {
  return {
    host: readText(def.host, "host", CLIENT_DEFAULTS.host),
    port: readNumber(def.port, "port", CLIENT_DEFAULTS.port),
    timeout: readNumber(def.timeout, "timeout", CLIENT_DEFAULTS.timeout),
    connections: readNumber(def.connections, "connections", CLIENT_DEFAULTS.connections),
    keepAlive: readBoolean(def.keepAlive, "keepAlive", CLIENT_DEFAULTS.keepAlive),
    queueLimit: readNumber(def.queueLimit, "queueLimit", CLIENT_DEFAULTS.queueLimit),
    retries: readNumber(def.retries, "retries", CLIENT_DEFAULTS.retries),
    breakerThreshold: readNumber(def.breakerThreshold, "breakerThreshold", CLIENT_DEFAULTS.breakerThreshold),
    breakerCooldown: readNumber(def.breakerCooldown, "breakerCooldown", CLIENT_DEFAULTS.breakerCooldown),
    cacheSize: readNumber(def.cacheSize, "cacheSize", CLIENT_DEFAULTS.cacheSize),
    patientCacheSeconds: readNumber(
      def.patientCacheSeconds,
      "patientCacheSeconds",
      CLIENT_DEFAULTS.patientCacheSeconds,
    ),
  };
}

/**
 * The Node-RED context store that holds the token cache; "" (the default, also
 * for flows saved before the field existed) keeps it in this process's memory.
 */
export function readCacheStore(def: Record<string, unknown>): string {
  return readText(def.cacheStore, "cacheStore", "");
}

/** Where viewer links point: `webHost`, or the HL7 host when it is empty. Checked now, not at the first link. */
export function readWebSettings(def: Record<string, unknown>): WebSettings {
  const host = readText(def.webHost, "webHost", readText(def.host, "host", CLIENT_DEFAULTS.host));
  const web: WebSettings = {
    host,
    port: readNumber(def.webPort, "webPort", WEB_DEFAULTS.port),
    ssl: readBoolean(def.ssl, "ssl", WEB_DEFAULTS.ssl),
  };
  viewerUrl({ ...web, token: "check" });
  return web;
}
