import { MLLP_DECODER_DEFAULTS, MLLP_END, MLLP_HEAD_BYTES, MLLP_START, MLLP_TRAILER } from "./constants";
import type { MllpFault } from "./faults";

export interface MllpDecoderOptions {
  /** Longest message accepted, in bytes between 0x0B and 0x1C. Default 1 MiB. */
  maxMessageBytes?: number;
}

/** Where the decoder's output goes, in stream order. Called synchronously from push() and end(). */
export interface MllpDecoderHandler {
  message(message: Buffer): void;
  fault(fault: MllpFault): void;
}

const OUTSIDE = 0;
const INSIDE = 1;
/** 0x1C seen, 0x0D expected. */
const AFTER_END = 2;
/** An oversize message: its bytes are dropped until its end (or a new start byte). */
const DISCARD = 3;
const DISCARD_AFTER_END = 4;

const LF = 0x0a;

/**
 * Incremental MLLP decoder: 0x0B, the message, 0x1C 0x0D. State carries over between push() calls, so one
 * chunk may hold several frames, part of one, or both, and the messages and faults reported depend only on
 * the bytes. A message that fits in one chunk is handed on as a view of that chunk, without a copy.
 *
 * It never stops on bad input; it reports a fault and resynchronises on the next start byte:
 * - bytes before a start byte are skipped and counted (CR and LF between frames, which many senders add
 *   after 0x1C 0x0D, silently). The start byte is unambiguous (HL7 text never holds 0x0B), so skipping
 *   loses nothing that was a message, and a connection is not dropped over a stray newline. Whether skipped
 *   bytes warrant closing is the caller's call; the count is its evidence.
 * - a message longer than the limit is refused as soon as its byte limit+1 arrives: only its first segment
 *   (for an AR) is kept, the rest is counted away until its end. Memory held: at most one partial message
 *   of `maxMessageBytes`.
 * - a start byte inside a frame, or 0x1C not followed by 0x0D, drops the frame in progress.
 */
export class MllpDecoder {
  private readonly maxMessageBytes: number;
  private state = OUTSIDE;
  private parts: Buffer[] = [];
  private frameBytes = 0;
  private skippedBytes = 0;
  /** The skipped run holds something other than CR/LF. */
  private skippedJunk = false;

  constructor(
    private readonly handler: MllpDecoderHandler,
    options: MllpDecoderOptions = {},
  ) {
    this.maxMessageBytes = options.maxMessageBytes ?? MLLP_DECODER_DEFAULTS.maxMessageBytes;
  }

  /** True while a frame has begun and not ended. */
  get midFrame(): boolean {
    return this.state !== OUTSIDE;
  }

  /** Bytes of the message in progress (0 between frames). */
  get bufferedBytes(): number {
    return this.state === INSIDE || this.state === AFTER_END ? this.frameBytes : 0;
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case OUTSIDE: {
          const start = buf.indexOf(MLLP_START, i);
          const stop = start < 0 ? n : start;
          if (stop > i) this.skip(buf, i, stop);
          if (start < 0) return;
          this.reportSkipped();
          this.begin();
          i = start + 1;
          break;
        }
        case INSIDE:
          i = this.inside(buf, i);
          break;
        case AFTER_END: {
          if (buf[i] !== MLLP_TRAILER) {
            // Read the byte again outside a frame: it may be the start of the next one.
            this.drop();
            this.handler.fault({ kind: "bad-end", byte: buf[i] });
            break;
          }
          i++;
          const message = this.take();
          this.state = OUTSIDE;
          this.handler.message(message);
          break;
        }
        case DISCARD: {
          const end = buf.indexOf(MLLP_END, i);
          const start = indexBefore(buf, MLLP_START, i, end < 0 ? n : end);
          if (start >= 0) {
            this.begin();
            i = start + 1;
          } else if (end >= 0) {
            this.state = DISCARD_AFTER_END;
            i = end + 1;
          } else {
            return;
          }
          break;
        }
        case DISCARD_AFTER_END:
          if (buf[i] === MLLP_TRAILER) i++;
          this.state = OUTSIDE;
          break;
      }
    }
  }

  /** The stream ended: reports a frame left unfinished and a run of skipped bytes, then starts afresh. */
  end(): void {
    if (this.state === INSIDE || this.state === AFTER_END) {
      const bytes = this.frameBytes;
      this.drop();
      this.handler.fault({ kind: "truncated", bytes });
    }
    this.state = OUTSIDE;
    this.reportSkipped();
  }

  /** Message bytes from `i` up to the next 0x1C or 0x0B; returns where to go on. */
  private inside(buf: Buffer, i: number): number {
    const n = buf.length;
    const end = buf.indexOf(MLLP_END, i);
    const restart = indexBefore(buf, MLLP_START, i, end < 0 ? n : end);
    const stop = restart >= 0 ? restart : end >= 0 ? end : n;
    if (this.frameBytes + (stop - i) > this.maxMessageBytes) {
      const head = this.head(buf.subarray(i, stop));
      this.drop();
      this.state = DISCARD;
      this.handler.fault({ kind: "oversize", limit: this.maxMessageBytes, head });
      return stop;
    }
    if (stop > i) {
      this.parts.push(buf.subarray(i, stop));
      this.frameBytes += stop - i;
    }
    if (restart >= 0) {
      const bytes = this.frameBytes;
      this.begin();
      this.handler.fault({ kind: "unterminated", bytes });
      return restart + 1;
    }
    if (end >= 0) {
      this.state = AFTER_END;
      return end + 1;
    }
    return n;
  }

  private begin(): void {
    this.state = INSIDE;
    this.parts = [];
    this.frameBytes = 0;
  }

  private drop(): void {
    this.state = OUTSIDE;
    this.parts = [];
    this.frameBytes = 0;
  }

  private take(): Buffer {
    const parts = this.parts;
    this.parts = [];
    const bytes = this.frameBytes;
    this.frameBytes = 0;
    if (parts.length === 1) return parts[0];
    return parts.length === 0 ? Buffer.alloc(0) : Buffer.concat(parts, bytes);
  }

  /**
   * The refused message's first segment, for an AR: at most MLLP_HEAD_BYTES and at most the limit (every
   * chunking has delivered that much by now, so the head does not depend on it), cut at its first CR or LF.
   */
  private head(current: Buffer): Buffer {
    const cap = Math.min(MLLP_HEAD_BYTES, this.maxMessageBytes);
    const pieces: Buffer[] = [];
    let have = 0;
    for (const part of [...this.parts, current]) {
      if (have >= cap) break;
      pieces.push(part);
      have += part.length;
    }
    const all = Buffer.concat(pieces).subarray(0, cap);
    let cut = all.indexOf(MLLP_TRAILER);
    const lf = all.indexOf(LF);
    if (cut < 0 || (lf >= 0 && lf < cut)) cut = lf;
    // A copy: the view would keep the whole chunk alive for as long as the caller keeps the head.
    return Buffer.from(cut < 0 ? all : all.subarray(0, cut));
  }

  private skip(buf: Buffer, from: number, to: number): void {
    this.skippedBytes += to - from;
    if (this.skippedJunk) return;
    for (let k = from; k < to; k++) {
      if (buf[k] !== MLLP_TRAILER && buf[k] !== LF) {
        this.skippedJunk = true;
        return;
      }
    }
  }

  private reportSkipped(): void {
    const bytes = this.skippedBytes;
    const junk = this.skippedJunk;
    this.skippedBytes = 0;
    this.skippedJunk = false;
    if (junk) this.handler.fault({ kind: "skipped", bytes });
  }
}

/** Index of `byte` in buf[from, to), or -1. */
function indexBefore(buf: Buffer, byte: number, from: number, to: number): number {
  const at = buf.indexOf(byte, from);
  return at >= 0 && at < to ? at : -1;
}
