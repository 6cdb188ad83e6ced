import { Transform, type TransformCallback, type TransformOptions } from "node:stream";
import type { SanteError } from "../../errors";
import { MllpDecoder, type MllpDecoderOptions } from "./decoder";
import { mllpFaultError, type MllpFault } from "./faults";

/**
 * A stream that turns bytes into HL7 messages, one Buffer per message (object mode), in the manner of
 * serialport's parsers. Skipped bytes between frames are reported with a `skipped` event (their count);
 * any other fault (oversize, unterminated frame, bad end, end of stream inside a frame) is a SANTE_PROTOCOL
 * error, after which the stream is done.
 */
export class MllpParser extends Transform {
  private readonly decoder: MllpDecoder;
  private failure: SanteError | undefined;

  constructor(options: MllpDecoderOptions & Omit<TransformOptions, "readableObjectMode" | "objectMode"> = {}) {
    super({ ...options, readableObjectMode: true });
    this.decoder = new MllpDecoder(
      {
        message: (message) => {
          if (!this.failure) this.push(message);
        },
        fault: (fault) => this.onFault(fault),
      },
      options,
    );
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.decoder.push(chunk);
    callback(this.failure ?? null);
  }

  override _flush(callback: TransformCallback): void {
    this.decoder.end();
    callback(this.failure ?? null);
  }

  private onFault(fault: MllpFault): void {
    if (this.failure) return;
    if (fault.kind === "skipped") this.emit("skipped", fault.bytes);
    else this.failure = mllpFaultError(fault);
  }
}
