/** MLLP (HL7 v2 "Minimal Lower Layer Protocol"): 0x0B, the message, 0x1C 0x0D. */
export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_TRAILER = 0x0d;

/** A refused message's first segment is kept up to this many bytes, so an upper layer can still answer it (AR). */
export const MLLP_HEAD_BYTES = 4096;

export const MLLP_DECODER_DEFAULTS = {
  /**
   * 1 MiB: orders, ADT and ACKs are a few KiB; a report with an embedded PDF (base64 in OBX-5) can pass it,
   * and a listener that receives those raises it. Per connection, at most this much is held for a message
   * in progress.
   */
  maxMessageBytes: 1024 * 1024,
} as const;
