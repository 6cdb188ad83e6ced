import * as net from "node:net";
import * as tls from "node:tls";
import { MllpDecoder } from "../../lib/mllp";

/**
 * The far end of an MLLP connection, driven by hand: writes any bytes (framed or not, split as the test
 * likes) and collects the frames it reads back, decoded by our own decoder.
 */
export class RawMllpPeer {
  readonly frames: string[] = [];
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    const decoder = new MllpDecoder({
      message: (m) => {
        this.frames.push(m.toString("utf8"));
        for (const w of this.waiters.splice(0)) w();
      },
      fault: () => undefined,
    });
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        for (const w of this.waiters.splice(0)) w();
        resolve();
      }),
    );
  }

  static connect(port: number, options: { host?: string; tls?: tls.ConnectionOptions } = {}): Promise<RawMllpPeer> {
    const host = options.host ?? "127.0.0.1";
    return new Promise((resolve, reject) => {
      const socket = options.tls ? tls.connect({ ...options.tls, host, port }) : net.connect({ host, port });
      socket.once(options.tls ? "secureConnect" : "connect", () => {
        socket.off("error", reject);
        resolve(new RawMllpPeer(socket));
      });
      socket.once("error", reject);
    });
  }

  write(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  }

  /** Resolves once `count` frames have been read; rejects if the socket closes first or after `ms`. */
  async waitFrames(count: number, ms = 3000): Promise<string[]> {
    const deadline = Date.now() + ms;
    while (this.frames.length < count) {
      if (this.socket.destroyed || this.socket.readableEnded) {
        throw new Error(`closed after ${this.frames.length} of ${count} frames`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`read ${this.frames.length} of ${count} frames within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames.slice(0, count);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export const frame = (text: string): Buffer => Buffer.from(`\x0b${text}\x1c\r`, "utf8");

/** A minimal HL7 message with the given control ID (MSH-10). */
export const hl7 = (controlId: string, type = "ORM^O01"): string =>
  `MSH|^~\\&|RIS|HOSP|PACS|RAD|20240101120000||${type}|${controlId}|P|2.5.1\rPID|1||12345^^^HOSP^MR\r`;

/** A minimal ACK to `controlId`. */
export const ack = (controlId: string, code = "AA", ackControlId = `ACK-${controlId}`): string =>
  `MSH|^~\\&|PACS|RAD|RIS|HOSP|20240101120001||ACK^O01^ACK|${ackControlId}|P|2.5.1\rMSA|${code}|${controlId}\r`;

/** MSA-1 and MSA-2 of an ACK, as "AA ID". */
export const msa = (ack: string) => /\rMSA\|([A-Z]{2})\|([^|\r]*)/.exec(ack)?.slice(1).join(" ");
