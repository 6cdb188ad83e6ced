/**
 * The sending side of the MLLP rows: `connections` kept-open plain sockets, each carrying one message at a time
 * as HL7 senders do, written with nothing of ours in the way (no lib/mllp), so that both the echo server and our
 * listener are measured through the same few lines. A message is correct when its ACK says AA and echoes its
 * MSH-10 in MSA-2.
 */
import * as net from "node:net";
import { WRONG_ANSWER, type Lookup } from "./measure";
import { benchOrder } from "./mllp-baseline";

/** The HL7 message with MSH-10 `controlId` for the closed loop's lookup `index`. */
export type BenchHl7 = (controlId: string, index: number) => string;

const END = Buffer.from([0x1c, 0x0d]);
const MSA = /\rMSA\|([A-Z]{2})\|([^|\r]*)/;

class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  private waiting: ((ack: string) => void) | undefined;

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => undefined);
  }

  send(frame: Buffer, answered: (ack: string) => void): void {
    this.waiting = answered;
    this.socket.write(frame);
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let end: number;
    while ((end = this.buffered.indexOf(END)) >= 0) {
      const ack = this.buffered.toString("latin1", this.buffered.indexOf(0x0b) + 1, end);
      this.buffered = this.buffered.subarray(end + 2);
      const answered = this.waiting;
      this.waiting = undefined;
      answered?.(ack);
    }
  }
}

export class MllpSenderPool {
  private readonly idle: Connection[];
  /**
   * Makes each message of this pool unique, across rounds too (they number their messages from 0 each time): a
   * listener that suppresses resends must see new messages, not resends.
   */
  private readonly base = (Date.now() % 1_000_000) * 1_000_000_000;

  private constructor(
    private readonly connections: Connection[],
    private readonly message: BenchHl7,
  ) {
    this.idle = [...connections];
  }

  /** `message`: what each lookup sends (default: bench/mllp-baseline's small ORM^O01). */
  static async open(port: number, connections: number, message: BenchHl7 = benchOrder): Promise<MllpSenderPool> {
    const sockets = await Promise.all(
      Array.from(
        { length: connections },
        () =>
          new Promise<net.Socket>((resolve, reject) => {
            const socket = net.connect({ host: "127.0.0.1", port }, () => {
              socket.off("error", reject);
              resolve(socket);
            });
            socket.once("error", reject);
          }),
      ),
    );
    return new MllpSenderPool(
      sockets.map((s) => new Connection(s)),
      message,
    );
  }

  /** One message on an idle connection (the closed loop never has more in flight than there are connections). */
  readonly lookup: Lookup = (index, settle) => {
    const conn = this.idle.pop();
    if (!conn) throw new Error("more messages in flight than connections");
    const controlId = `B${this.base + index}`;
    conn.send(Buffer.from(`\x0b${this.message(controlId, index)}\x1c\r`, "latin1"), (ack) => {
      this.idle.push(conn);
      const m = MSA.exec(ack);
      settle(index, m && m[1] === "AA" && m[2] === controlId ? undefined : WRONG_ANSWER);
    });
  };

  close(): void {
    for (const c of this.connections) c.socket.destroy();
  }
}
