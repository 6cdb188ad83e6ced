/**
 * Sends one HL7 v2 message over MLLP (0x0B message 0x1C 0x0D) and waits for
 * the framed reply, normally an ACK. Used by `npm run send-hl7` and the tests.
 */
import { connect } from "node:net";

const START = 0x0b;
const END = Buffer.from([0x1c, 0x0d]);
const MAX_REPLY_BYTES = 1024 * 1024;

export interface MllpOptions {
  host: string;
  port: number;
  /** Milliseconds for connect, send and reply together. */
  timeoutMs: number;
}

/** HL7 segments end with CR; text files end lines with LF or CRLF. Trailing blank lines are dropped. */
export function toHl7Segments(text: string): string {
  const segments = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  while (segments.length > 0 && segments[segments.length - 1]?.trim() === "") segments.pop();
  if (segments.length === 0) throw new Error("The message is empty");
  return `${segments.join("\r")}\r`;
}

export function mllpFrame(message: string): Buffer {
  return Buffer.concat([Buffer.from([START]), Buffer.from(message, "utf8"), END]);
}

/** Resolves with the reply without its framing; rejects on timeout, a refused connection, or a close before the reply ends. */
export function sendMllp(message: string, options: MllpOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.host, port: options.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | undefined, reply?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply ?? "");
    };
    const timer = setTimeout(
      () => finish(new Error(`No reply from ${options.host}:${options.port} within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    socket.on("connect", () => socket.write(mllpFrame(message)));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(END);
      if (end >= 0) {
        const start = received.lastIndexOf(START, end);
        finish(undefined, received.subarray(start + 1, end).toString("utf8"));
      } else if (received.length > MAX_REPLY_BYTES) {
        finish(new Error(`The reply is longer than ${MAX_REPLY_BYTES} bytes without an MLLP end`));
      }
    });
    socket.on("error", (err) => finish(new Error(`${options.host}:${options.port}: ${err.message}`)));
    socket.on("close", () =>
      finish(new Error(`${options.host}:${options.port} closed the connection before replying`)),
    );
  });
}
