import { Transform, TransformCallback } from "node:stream";
import { SanteError } from "../../errors";
import { LineFrameDecoder } from "./line-frame-decoder";

/**
 * A stream that turns bytes into frames, one object per frame, in the manner of
 * serialport's parsers. The framing rule is the decoder given.
 */
export class FrameParser<T> extends Transform {
  constructor(private readonly decoder: LineFrameDecoder<T>) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let frames: T[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      callback(err as Error);
      return;
    }
    for (const frame of frames) this.push(frame);
    callback(this.decoder.error ?? null);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.decoder.midFrame ? new SanteError("SANTE_PROTOCOL", "Stream ended inside a frame") : null);
  }
}
