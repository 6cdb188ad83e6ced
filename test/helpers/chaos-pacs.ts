import * as net from "node:net";
import { SingleLineDecoder } from "../../lib/sante";

/** How the chaos PACS treats a study, chosen from the study UID's last component. */
export type Fault = "ok" | "drip" | "reset" | "stall" | "garbage";

/** The outcome each fault allows: a token, or one of these codes. */
export const ALLOWED: Record<Fault, readonly string[]> = {
  // A healthy study can still meet a refusing or restarting PACS.
  ok: ["token", "SANTE_CONNECTION"],
  drip: ["token", "SANTE_CONNECTION"],
  reset: ["SANTE_CONNECTION"],
  stall: ["SANTE_TIMEOUT", "SANTE_CONNECTION"],
  garbage: ["SANTE_PROTOCOL", "SANTE_CONNECTION"],
};

/** UID n of a run; its last component picks the fault (most are healthy). */
export function chaosUid(n: number): string {
  return `1.2.826.0.1.3680043.10.${n}`;
}

export function faultOf(uid: string): Fault {
  const n = Number(uid.slice(uid.lastIndexOf(".") + 1));
  if (n % 97 === 5) return "stall";
  if (n % 23 === 3) return "reset";
  if (n % 19 === 2) return "garbage";
  if (n % 11 === 1) return "drip";
  return "ok";
}

export function chaosToken(uid: string): string {
  return `T${Buffer.from(uid).toString("base64url")}`;
}

/**
 * A PACS on 127.0.0.1 that misbehaves by study (see faultOf) and, on demand,
 * as a whole: refuses connections for a while, or restarts (drops every socket
 * and listens again on the same port).
 */
export class ChaosPacs {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  port = 0;
  requests = 0;

  async start(): Promise<void> {
    const server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Stop listening (connections are refused) and drop every socket; start() again to come back. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    const decoder = new SingleLineDecoder();
    socket.on("data", (chunk) => {
      let requests: string[];
      try {
        requests = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const uid of requests) this.answer(socket, uid);
    });
  }

  private answer(socket: net.Socket, uid: string): void {
    this.requests++;
    const reply = Buffer.from(`\x10${chaosToken(uid)}\r`);
    switch (faultOf(uid)) {
      case "ok":
        socket.write(reply);
        return;
      case "stall":
        return;
      case "garbage":
        socket.write("<html>502 Bad Gateway</html>\r\n");
        return;
      case "reset":
        socket.write(reply.subarray(0, 5));
        socket.resetAndDestroy();
        return;
      case "drip": {
        let i = 0;
        const step = (): void => {
          if (socket.destroyed || i >= reply.length) return;
          socket.write(reply.subarray(i, i + 8));
          i += 8;
          this.later(step, 1);
        };
        step();
        return;
      }
    }
  }

  private later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
