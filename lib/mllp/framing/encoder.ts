import { SanteError } from "../../errors";
import { MLLP_END, MLLP_START, MLLP_TRAILER } from "./constants";

/**
 * Frames one message: 0x0B, the message (a string is written as UTF-8; bytes are sent as they are, for
 * messages in another character set), 0x1C 0x0D. A message holding 0x0B or 0x1C is refused: either byte
 * would end or restart the frame at the receiver, and HL7 text never contains them.
 */
export function encodeMllp(message: string | Uint8Array): Buffer {
  let out: Buffer;
  if (typeof message === "string") {
    const length = Buffer.byteLength(message, "utf8");
    out = Buffer.allocUnsafe(length + 3);
    out.write(message, 1, "utf8");
  } else if (message instanceof Uint8Array) {
    out = Buffer.allocUnsafe(message.byteLength + 3);
    out.set(message, 1);
  } else {
    throw new SanteError("SANTE_INVALID_INPUT", "An MLLP message must be a string or a Buffer");
  }
  const end = out.length - 2;
  out[0] = MLLP_START;
  out[end] = MLLP_END;
  out[end + 1] = MLLP_TRAILER;
  const body = out.subarray(1, end);
  if (body.indexOf(MLLP_START) >= 0 || body.indexOf(MLLP_END) >= 0) {
    throw new SanteError("SANTE_INVALID_INPUT", "An MLLP message cannot contain the frame bytes 0x0B or 0x1C");
  }
  return out;
}
