import * as net from "node:net";
import { SingleLineDecoder } from "../../lib/sante";

export interface FaultServer {
  port: number;
  /** Bytes received from clients, all connections together. */
  readonly bytesReceived: number;
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A small TCP server that answers each request frame through `reply`, for
 * playing a PACS that misbehaves in one particular way.
 */
export async function startFaultServer(reply: (socket: net.Socket, request: string) => void): Promise<FaultServer> {
  const sockets = new Set<net.Socket>();
  let bytesReceived = 0;
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const decoder = new SingleLineDecoder();
    socket.on("data", (chunk) => {
      bytesReceived += chunk.length;
      try {
        for (const request of decoder.push(chunk)) reply(socket, request);
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get bytesReceived() {
      return bytesReceived;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound once, then released. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
