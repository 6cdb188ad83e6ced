import { connect, Socket } from "node:net";

// Far above any reply on 127.0.0.1; only there so a broken test fails instead of hanging mocha.
const SAFETY_MS = 5000;

/**
 * A plain TCP client that records every byte it receives, for byte-exact
 * checks of the simulator without depending on SanteClient.
 */
export class RawConnection {
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private closedFlag = false;
  private endedFlag = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on("end", () => {
      this.endedFlag = true;
      this.wake();
    });
    socket.on("close", () => {
      this.closedFlag = true;
      this.wake();
    });
    socket.on("error", () => undefined);
    socket.setTimeout(SAFETY_MS, () => socket.destroy());
  }

  static open(port: number, host = "127.0.0.1"): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        socket.setNoDelay(true);
        resolve(new RawConnection(socket));
      });
    });
  }

  get bytes(): Buffer {
    return this.received;
  }

  /** True once the server ended or closed the connection. */
  get serverHungUp(): boolean {
    return this.endedFlag || this.closedFlag;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(data, (err) => (err ? reject(err) : resolve())));
  }

  /** Resolves with all bytes so far once `done(bytes)` holds; rejects if the connection closes first. */
  async until(done: (bytes: Buffer) => boolean): Promise<Buffer> {
    while (!done(this.received)) {
      if (this.closedFlag)
        throw new Error(`connection closed after ${JSON.stringify(this.received.toString("latin1"))}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.received;
  }

  /** Resolves with every byte received once the connection is closed (by either side). */
  async untilClosed(): Promise<Buffer> {
    while (!this.closedFlag) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.received;
  }

  /** Waits for `length` bytes, the way a test knows a reply of known size is complete. */
  untilLength(length: number): Promise<Buffer> {
    return this.until((bytes) => bytes.length >= length);
  }

  end(): Promise<Buffer> {
    this.socket.end();
    return this.untilClosed();
  }

  destroy(): Promise<Buffer> {
    this.socket.destroy();
    return this.untilClosed();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Request bytes: 0x10, text, 0x0D. Written out here rather than with the encoder under test. */
export function requestBytes(text: string): Buffer {
  return Buffer.concat([Buffer.from([0x10]), Buffer.from(text, "utf8"), Buffer.from([0x0d])]);
}

/** One request on a fresh connection; resolves with every byte until the server hangs up. */
export async function askAndWaitForClose(port: number, text: string): Promise<Buffer> {
  const conn = await RawConnection.open(port);
  await conn.write(requestBytes(text));
  return conn.untilClosed();
}
