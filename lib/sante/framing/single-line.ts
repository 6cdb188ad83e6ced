import { SanteError } from "../../errors";
import { LineFrameDecoder } from "./line-frame-decoder";

/**
 * One line in a frame: 0x10, text, 0x0D. This is the shape of a request
 * (Study Instance UID or Patient ID) and of a study reply (the token, empty
 * when the PACS does not know the study).
 */
export class SingleLineDecoder extends LineFrameDecoder<string> {
  protected onFrameStart(): void {}

  protected onLine(line: string): string {
    return line;
  }
}

/** Callers validate first; this guard keeps frame bytes out of a line even if one forgets. */
export function assertLineText(text: string): string {
  if (/[\x00-\x1f\x7f]/.test(text)) {
    throw new SanteError("SANTE_INVALID_INPUT", "A frame line cannot carry control characters");
  }
  return text;
}

export function encodeSingleLine(text: string): Buffer {
  return Buffer.from(`\x10${assertLineText(text)}\r`, "utf8");
}
