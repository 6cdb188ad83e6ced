import { SanteError } from "../../errors";

/**
 * What the decoder found wrong in the byte stream. Each fault is reported once, at the byte that makes it
 * certain, so the sequence of messages and faults depends only on the bytes, never on how they were chunked.
 */
export type MllpFault =
  /** Bytes outside any frame, other than CR/LF between frames; reported when the next frame starts, or at end(). */
  | { readonly kind: "skipped"; readonly bytes: number }
  /** A message longer than the limit. Its first segment (at most MLLP_HEAD_BYTES) is kept; the rest is discarded. */
  | { readonly kind: "oversize"; readonly limit: number; readonly head: Buffer }
  /** A start byte inside a frame: the frame so far (`bytes` long) is dropped and a new one begins. */
  | { readonly kind: "unterminated"; readonly bytes: number }
  /** 0x1C followed by something other than 0x0D: the frame is dropped; `byte` is read again as outside a frame. */
  | { readonly kind: "bad-end"; readonly byte: number }
  /** The stream ended inside a frame (`bytes` of it received). */
  | { readonly kind: "truncated"; readonly bytes: number };

export function describeMllpFault(fault: MllpFault): string {
  switch (fault.kind) {
    case "skipped":
      return `${fault.bytes} bytes outside an MLLP frame (no 0x0B start byte before them)`;
    case "oversize":
      return `a message larger than the ${fault.limit}-byte limit`;
    case "unterminated":
      return `a new 0x0B start byte after ${fault.bytes} bytes of a message that never ended`;
    case "bad-end":
      return `the end byte 0x1C followed by 0x${fault.byte.toString(16).padStart(2, "0")} instead of 0x0D`;
    case "truncated":
      return `the connection ended inside a message (${fault.bytes} bytes of it received)`;
  }
}

export function mllpFaultError(fault: MllpFault): SanteError {
  return new SanteError("SANTE_PROTOCOL", `Invalid MLLP: ${describeMllpFault(fault)}`);
}
