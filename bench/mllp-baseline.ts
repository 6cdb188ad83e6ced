/**
 * What the MLLP benches share: the message they send, the baseline sender and the median of rounds.
 *
 * The baseline sender of the MLLP rows: what plain Node.js does with a few lines. One kept-open socket sends a
 * frame, waits for one frame back, and again, until `until`; no timeout, no retry, no queue. It counts the answers
 * whose MSA-2 is the control ID it sent (the echo server always answers right, so a miss means a bench bug).
 */
import * as net from "node:net";
import { performance } from "node:perf_hooks";

const END = Buffer.from([0x1c, 0x0d]);

/** A small ORM^O01 with that control ID (MSH-10). */
export const benchOrder = (controlId: string): string =>
  `MSH|^~\\&|RIS|HOSP|PACS|RAD|20240101120000||ORM^O01|${controlId}|P|2.5.1\r` +
  "PID|1||12345^^^HOSP^MR||DOE^JANE\rORC|NW|ORD1\rOBR|1|ORD1||CT^CT HEAD\r";

/** The message every MLLP row sends: benchOrder with control ID `B<i>`. */
export const benchMessage = (i: number): string => benchOrder(`B${i}`);

export interface PlainCount {
  sent: number;
  correct: number;
}

export async function plainSender(port: number, until: number, base: number): Promise<PlainCount> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once("connect", resolve));
  let buffered: Buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (buffered.indexOf(END) >= 0) wake?.();
  });
  let sent = 0;
  let correct = 0;
  while (performance.now() < until) {
    const id = `B${base + sent}`;
    socket.write(`\x0b${benchMessage(base + sent)}\x1c\r`);
    if (buffered.indexOf(END) < 0) await new Promise<void>((resolve) => (wake = resolve));
    const end = buffered.indexOf(END);
    if (buffered.toString("latin1", 0, end).endsWith(`MSA|AA|${id}\r`)) correct++;
    buffered = buffered.subarray(end + 2);
    sent++;
  }
  socket.destroy();
  return { sent, correct };
}

/** The median of a bench's rounds: one slow round on a shared machine does not move it. */
export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
