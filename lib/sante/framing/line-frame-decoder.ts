import { SanteError } from "../../errors";
import { CR, DEFAULT_MAX_FRAME_BYTES, DLE, LF } from "./constants";

export interface DecoderOptions {
  /** Largest frame accepted, counting every byte from the 0x10 on. */
  maxFrameBytes?: number;
}

/**
 * Incremental decoder for frames of the form 0x10, then lines each ended by
 * 0x0D. Subclasses say when the lines seen so far make a whole frame.
 *
 * The result depends only on the bytes, never on how they were chunked: state
 * carries over between push() calls, and a line is decoded to text only once
 * its 0x0D has arrived (so a UTF-8 sequence split across chunks is safe).
 * Nothing is skipped silently: the only bytes ignored are a LF after a 0x0D
 * (CRLF line ends) and LFs between frames; anything else out of place is a
 * SANTE_PROTOCOL error, after which the decoder refuses further input. Frames
 * completed before the bad byte are still returned; the error is then in
 * `error` and thrown by the next push().
 */
export abstract class LineFrameDecoder<T> {
  private readonly maxFrameBytes: number;
  private inFrame = false;
  private afterCR = false;
  private frameBytes = 0;
  private lineIndex = 0;
  private parts: Buffer[] = [];
  private failure: SanteError | undefined;

  constructor(options: DecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Lines of the current frame so far (0-based index of `line`). Return the frame once complete. */
  protected abstract onLine(line: string, index: number): T | undefined;

  /** Called when a frame starts, so subclasses can reset what they gathered. */
  protected abstract onFrameStart(): void;

  /** True while a frame has begun and not ended: a close now loses a reply. */
  get midFrame(): boolean {
    return this.inFrame;
  }

  /** The protocol error that stopped this decoder, if any. */
  get error(): SanteError | undefined {
    return this.failure;
  }

  /**
   * Feed bytes; returns the frames completed by them, in order. Throws
   * SanteError(SANTE_PROTOCOL) when the chunk goes wrong before completing a frame.
   * Keeps no reference to `chunk`: the caller may reuse its memory once push() returns.
   */
  push(chunk: Uint8Array): T[] {
    if (this.failure) throw this.failure;
    const out: T[] = [];
    try {
      this.decode(chunk, out);
    } catch (err) {
      if (out.length === 0 || !(err instanceof SanteError)) throw err;
    }
    return out;
  }

  private decode(chunk: Uint8Array, out: T[]): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    let i = 0;
    while (i < n) {
      if (!this.inFrame) {
        const b = buf[i];
        i++;
        if (b === LF) continue;
        if (b !== DLE) throw this.fail(`a reply must start with 0x10, got 0x${hex(b)}`);
        this.inFrame = true;
        this.afterCR = false;
        this.frameBytes = 1;
        this.lineIndex = 0;
        this.onFrameStart();
        continue;
      }
      if (this.afterCR) {
        this.afterCR = false;
        if (buf[i] === LF) {
          i++;
          this.count(1);
          continue;
        }
      }
      const cr = buf.indexOf(CR, i);
      const end = cr === -1 ? n : cr;
      if (end > i) this.count(end - i);
      if (cr === -1) {
        // A copy: the caller may reuse the chunk's memory once push() returns (a socket's one read buffer).
        if (end > i) this.parts.push(Buffer.from(buf.subarray(i, end)));
        break;
      }
      this.count(1);
      const line = this.takeLine(buf, i, cr);
      i = cr + 1;
      this.afterCR = true;
      const frame = this.onLine(line, this.lineIndex++);
      if (frame !== undefined) {
        this.inFrame = false;
        out.push(frame);
      }
    }
  }

  /** Raise a protocol error from a subclass; the decoder stays failed. */
  protected fail(what: string): SanteError {
    this.failure = new SanteError("SANTE_PROTOCOL", `Invalid reply: ${what}`);
    this.parts = [];
    return this.failure;
  }

  private count(bytes: number): void {
    this.frameBytes += bytes;
    if (this.frameBytes > this.maxFrameBytes) {
      throw this.fail(`larger than the ${this.maxFrameBytes}-byte limit`);
    }
  }

  /**
   * The line that ends at `end` in `buf`, with what earlier chunks held of it. A line within one chunk (a reply
   * in one read, the usual case) is decoded where it lies, with no view or list of parts made for it.
   */
  private takeLine(buf: Buffer, start: number, end: number): string {
    let bytes = buf;
    if (this.parts.length > 0) {
      if (end > start) this.parts.push(buf.subarray(start, end));
      bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
      this.parts = [];
      start = 0;
      end = bytes.length;
    }
    for (let k = start; k < end; k++) {
      const b = bytes[k];
      // Control bytes never belong in a UID or token; one here means a broken or misaligned frame.
      if (b < 0x20 || b === 0x7f) throw this.fail(`control byte 0x${hex(b)} inside a line`);
    }
    return bytes.toString("utf8", start, end);
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}
