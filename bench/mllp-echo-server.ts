/**
 * The baseline for MLLP rows: what plain Node.js does with a few lines and nothing else. Each frame is
 * answered at once with an AA whose MSA-2 echoes the message's MSH-10; no size limit, no idle timeout, no
 * checks, no upper layer. Our listener is measured against it.
 */
import * as net from "node:net";

const END = Buffer.from([0x1c, 0x0d]);

export interface EchoServer {
  port: number;
  close(): Promise<void>;
}

export async function startMllpEchoServer(port = 0, host = "127.0.0.1"): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let end: number;
      while ((end = buffered.indexOf(END)) >= 0) {
        const message = buffered.toString("latin1", buffered.indexOf(0x0b) + 1, end);
        buffered = buffered.subarray(end + 2);
        const controlId = message.split("|", 10)[9] ?? "";
        socket.write(`\x0bMSH|^~\\&|ECHO|ECHO|||||ACK|${controlId}|P|2.5\rMSA|AA|${controlId}\r\x1c\r`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
