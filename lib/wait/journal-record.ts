/**
 * Bytes of the wait journal. The file starts with FILE_HEADER; then records,
 * each
 *
 *   u32 LE  n = length of what follows the checksum (kind byte + payload)
 *   u32 LE  CRC-32 of the 4 length bytes and the n bytes that follow
 *   u8      kind (RecordKind)
 *   n - 1   payload
 *
 * The checksum covers the length too, so a torn or damaged length is caught
 * like a torn payload. An `add` payload is u32 LE m, then m bytes of the
 * wait's JSON fields, then the stored message (message-copy.ts), so that a
 * replay can read the fields without parsing every message.
 */
import { crc32 } from "./crc32";

export const FILE_HEADER = Buffer.from("SANTE WAITS 1\n", "latin1");
export const RECORD_HEADER_BYTES = 8;
/** Far above any record (a message is capped at 1 MiB by default); a larger length is damage, not data. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export const RecordKind = { add: 1, update: 2, remove: 3 } as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

export function encodeRecord(kind: RecordKind, payload: readonly Buffer[]): Buffer {
  const n = 1 + payload.reduce((sum, p) => sum + p.length, 0);
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + n);
  out.writeUInt32LE(n, 0);
  out[8] = kind;
  let at = 9;
  for (const part of payload) at += part.copy(out, at);
  out.writeUInt32LE(checksum(out, 0, n), 4);
  return out;
}

/** An `add` record's payload parts: the fields, then the message. */
export function addPayload(fields: Buffer, message: Buffer): Buffer[] {
  const m = Buffer.allocUnsafe(4);
  m.writeUInt32LE(fields.length, 0);
  return [m, fields, message];
}

export type Decoded =
  | { status: "ok"; kind: number; payloadStart: number; end: number }
  /** The buffer ends inside the record: read more, or (at the end of the file) a torn record. */
  | { status: "incomplete" }
  | { status: "damaged" };

/** Reads the record at `at` in `buf` (`buf` ends where the data read so far ends). */
export function decodeRecord(buf: Buffer, at: number): Decoded {
  if (buf.length - at < RECORD_HEADER_BYTES) return { status: "incomplete" };
  const n = buf.readUInt32LE(at);
  if (n < 1 || n > MAX_RECORD_BYTES) return { status: "damaged" };
  const end = at + RECORD_HEADER_BYTES + n;
  if (end > buf.length) return { status: "incomplete" };
  if (checksum(buf, at, n) !== buf.readUInt32LE(at + 4)) return { status: "damaged" };
  return { status: "ok", kind: buf[at + 8], payloadStart: at + 9, end };
}

/** Splits an `add` payload; undefined when its inner length does not fit. */
export function splitAdd(
  buf: Buffer,
  payloadStart: number,
  end: number,
): { fields: Buffer; messageStart: number } | undefined {
  if (end - payloadStart < 4) return undefined;
  const m = buf.readUInt32LE(payloadStart);
  const messageStart = payloadStart + 4 + m;
  if (messageStart > end) return undefined;
  return { fields: buf.subarray(payloadStart + 4, messageStart), messageStart };
}

function checksum(buf: Buffer, at: number, n: number): number {
  return crc32(buf.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + n), crc32(buf.subarray(at, at + 4)));
}
