import * as net from "node:net";
import * as tls from "node:tls";

/**
 * tls.connect() to host:port with `options`, sending the host as SNI unless the options name a server: SNI must
 * be a host name, never an IP address (RFC 6066; Node.js warns about one).
 */
export function connectTls(options: tls.ConnectionOptions, host: string, port: number): tls.TLSSocket {
  return tls.connect({ ...options, host, port, servername: options.servername ?? (net.isIP(host) ? undefined : host) });
}
