import * as net from "node:net";
import * as tls from "node:tls";
import { MllpDecoder } from "../../lib/mllp";

export interface MllpFaultServer {
  port: number;
  /** Messages received, all connections together, in order. */
  readonly received: string[];
  readonly connections: number;
  /** Close every connection open now (the receiver restarting, or timing out idle ones). */
  dropConnections(): void;
  close(): Promise<void>;
}

/**
 * An HL7 receiver that answers each message through `reply`, for playing one that misbehaves in one
 * particular way. `controlId` is the message's MSH-10, read the simple way.
 */
export async function startMllpFaultServer(
  reply: (socket: net.Socket, controlId: string, message: string, nth: number) => void,
  options: { tls?: tls.TlsOptions } = {},
): Promise<MllpFaultServer> {
  const sockets = new Set<net.Socket>();
  const received: string[] = [];
  let connections = 0;
  const onSocket = (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const decoder = new MllpDecoder({
      message: (m) => {
        const text = m.toString("utf8");
        received.push(text);
        if (!socket.destroyed) reply(socket, text.split("|")[9] ?? "", text, received.length);
      },
      fault: () => socket.destroy(),
    });
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
  };
  const server = options.tls ? tls.createServer(options.tls, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    get connections() {
      return connections;
    },
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
