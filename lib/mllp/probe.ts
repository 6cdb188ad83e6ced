import * as net from "node:net";
import * as tls from "node:tls";
import { SanteError } from "../errors";
import { resolveMllpClientOptions, type MllpClientOptions } from "./client-options";
import { connectTls } from "../util/tls-connect";

/** What a connection test found: the receiver's address, and the TLS protocol when TLS is on. */
export interface MllpProbe {
  readonly address: string;
  readonly tlsProtocol?: string;
}

/**
 * Whether an HL7 receiver can be reached with these options: a TCP connect, with TLS the handshake (the
 * server's certificate checked as a send would check it), then an immediate close. Nothing is written: a
 * test must never put a message into a production HIS. SANTE_TIMEOUT after `timeout` ms, SANTE_CONNECTION
 * when refused or when the handshake fails, SANTE_INVALID_INPUT for options the sender would refuse.
 */
export function probeMllpReceiver(options: MllpClientOptions): Promise<MllpProbe> {
  const o = resolveMllpClientOptions(options);
  const address = `${o.host}:${o.port}`;
  return new Promise((resolve, reject) => {
    const socket = o.tls ? connectTls(o.tls, o.host, o.port) : net.connect({ host: o.host, port: o.port });
    const end = (outcome: () => void) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => undefined);
      socket.destroy();
      outcome();
    };
    const timer = setTimeout(
      () =>
        end(() => reject(new SanteError("SANTE_TIMEOUT", `Could not connect to ${address} within ${o.timeout} ms`))),
      o.timeout,
    );
    socket.once(o.tls ? "secureConnect" : "connect", () => {
      const tlsProtocol = socket instanceof tls.TLSSocket ? (socket.getProtocol() ?? undefined) : undefined;
      end(() => resolve({ address, ...(tlsProtocol ? { tlsProtocol } : {}) }));
    });
    socket.once("error", (err: NodeJS.ErrnoException) =>
      end(() =>
        reject(
          new SanteError("SANTE_CONNECTION", `Could not connect to ${address} (${err.code ?? err.message})`, {
            cause: err,
          }),
        ),
      ),
    );
    socket.once("close", () =>
      end(() => reject(new SanteError("SANTE_CONNECTION", `${address} closed the connection during the handshake`))),
    );
  });
}
