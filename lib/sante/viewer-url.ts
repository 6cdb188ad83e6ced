import { SanteError } from "../errors";

export interface ViewerUrlOptions {
  /** Host of the PACS's built-in web server, as the viewer must reach it. */
  host: string;
  /** Port of that web server; the vendor's default is 3000. */
  port?: number;
  /** Whether that web server speaks TLS (`ssl=yes`). */
  ssl?: boolean;
  token: string;
}

/** Where viewer links point unless the config node says otherwise: the vendor's default web port, no SSL. */
export const WEB_DEFAULTS = { port: 3000, ssl: false } as const;
/** The vendor's default port of the PACS's web server (WEB_DEFAULTS.port). */
export const DEFAULT_WEB_PORT = WEB_DEFAULTS.port;

/**
 * The link Sante DICOM Web Viewer opens, exactly as the vendor document writes
 * it: sante://download?url=HOST:PORT&ssl=yes|no&token=TOKEN.
 */
export function viewerUrl(options: ViewerUrlOptions): string {
  const host = options.host.trim();
  if (host === "" || /[\s/?#&@\\]/.test(host)) {
    throw new SanteError("SANTE_INVALID_INPUT", `Viewer host "${host}" is not a host name or address`);
  }
  const port = options.port ?? DEFAULT_WEB_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SanteError("SANTE_INVALID_INPUT", `Viewer port ${String(port)} is not between 1 and 65535`);
  }
  if (typeof options.token !== "string" || options.token === "") {
    throw new SanteError("SANTE_INVALID_INPUT", "A viewer link needs a non-empty token");
  }
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const ssl = options.ssl ? "yes" : "no";
  return `sante://download?url=${hostPart}:${port}&ssl=${ssl}&token=${encodeToken(options.token)}`;
}

/** Unreserved characters (RFC 3986) stay as they are; everything else is percent-encoded as UTF-8. */
function encodeToken(token: string): string {
  return /^[A-Za-z0-9._~-]+$/.test(token)
    ? token
    : token.replace(/[^A-Za-z0-9._~-]/gu, (c) =>
        encodeURIComponent(c).replace(/[!'()*]/g, (x) => `%${x.charCodeAt(0).toString(16).toUpperCase()}`),
      );
}
