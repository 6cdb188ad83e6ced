/**
 * The baseline: what a plain net.Socket can do with this protocol and nothing
 * else (no validation, no decoder, no queue, no retries). It knows where a
 * reply ends and nothing more; the caller compares the bytes.
 */
import * as net from "node:net";

const CR = 0x0d;
const TIMEOUT_MS = 10_000;

/** Study reply: ends at its first 0x0D. Patient reply: 0x10 0x0D, or ends with 0x0D 0x0D. */
export type ReplyShape = "study" | "patient";

function complete(reply: Buffer, shape: ReplyShape): boolean {
  const n = reply.length;
  if (shape === "study") return reply.indexOf(CR) !== -1;
  return (n === 2 && reply[1] === CR) || (n >= 3 && reply[n - 1] === CR && reply[n - 2] === CR);
}

function join(parts: Buffer[]): Buffer {
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** One connection for one lookup: connect, send, read the reply, end; `onClose` once the socket has closed. */
export function rawOnce(port: number, frame: Buffer, shape: ReplyShape, onClose?: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let done = false;
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setNoDelay(true);
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error("raw lookup timed out")));
    socket.on("data", (chunk: Buffer) => {
      parts.push(chunk);
      const reply = join(parts);
      if (done || !complete(reply, shape)) return;
      done = true;
      socket.end();
      resolve(reply);
    });
    socket.on("error", (err) => {
      if (!done) reject(err);
      done = true;
    });
    socket.on("close", () => {
      if (!done) reject(new Error("closed before a full reply"));
      done = true;
      onClose?.();
    });
    socket.write(frame);
  });
}

/** One kept-open connection carrying one lookup at a time. */
export class RawConnection {
  private parts: Buffer[] = [];
  private current: { shape: ReplyShape; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("connection closed")));
    socket.on("timeout", () => socket.destroy(new Error("raw lookup timed out")));
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.off("error", reject);
        resolve(new RawConnection(socket));
      });
      socket.once("error", reject);
    });
  }

  request(frame: Buffer, shape: ReplyShape): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.current = { shape, resolve, reject };
      this.parts = [];
      this.socket.setTimeout(TIMEOUT_MS);
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const current = this.current;
    if (!current) return;
    this.parts.push(chunk);
    const reply = join(this.parts);
    if (!complete(reply, current.shape)) return;
    this.current = undefined;
    this.parts = [];
    this.socket.setTimeout(0);
    current.resolve(reply);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const current = this.current;
    this.current = undefined;
    current?.reject(err);
  }
}

/**
 * `count` kept-open connections, each taking the next lookup as soon as it is
 * free. A lookup is a function of the connection so the caller's closed loop
 * keeps its shape.
 */
export class RawKeptOpenPool {
  private readonly idle: RawConnection[];
  private readonly waiting: ((c: RawConnection) => void)[] = [];

  private constructor(private readonly all: RawConnection[]) {
    this.idle = [...all];
  }

  static async open(port: number, count: number): Promise<RawKeptOpenPool> {
    const all = await Promise.all(Array.from({ length: count }, () => RawConnection.open(port)));
    return new RawKeptOpenPool(all);
  }

  async request(frame: Buffer, shape: ReplyShape): Promise<Buffer> {
    const conn = this.idle.pop() ?? (await new Promise<RawConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await conn.request(frame, shape);
    } finally {
      const waiter = this.waiting.shift();
      if (waiter) waiter(conn);
      else this.idle.push(conn);
    }
  }

  close(): void {
    for (const c of this.all) c.close();
  }
}

/**
 * rawOnce with the pool's close policy: at most `slots` sockets open, a slot
 * free again only once its socket has closed (the PACS has closed its side
 * too), not at the reply; so the PACS never sees more than `slots` sockets.
 */
export class RawClosePolicy {
  private open = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly release = () => {
    const next = this.waiting.shift();
    if (next) next();
    else this.open--;
  };

  constructor(
    private readonly port: number,
    private readonly slots: number,
  ) {}

  async request(frame: Buffer, shape: ReplyShape): Promise<Buffer> {
    if (this.open < this.slots) this.open++;
    // A slot handed over by release() stays counted.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return rawOnce(this.port, frame, shape, this.release);
  }
}
