import { SanteError } from "../errors";
import { parseHl7Message, readHl7, type ParsedHl7 } from "../hl7";
import { ACK_CODES, type AckCode } from "../hl7/ack";
import { fieldPath } from "../hl7/path";
import { selectHl7Value } from "../hl7/select";

/** An HL7 acknowledgement, as the sender sees it. */
export interface MllpAck {
  /** The ACK as received, without its framing. */
  readonly text: string;
  /** MSA-1: AA/CA accepted, AE/CE error, AR/CR rejected. */
  readonly code: AckCode;
  /** MSA-2: the control ID (MSH-10) of the message it acknowledges. */
  readonly controlId: string;
}

/** An AE/CE or AR/CR: the error carries the ACK, for logs and for flows that read its ERR segment. */
export class Hl7AckError extends SanteError {
  readonly ack: MllpAck;

  constructor(ack: MllpAck, address: string) {
    const rejected = ack.code === "AR" || ack.code === "CR";
    super(
      rejected ? "SANTE_HL7_REJECTED" : "SANTE_HL7_ERROR",
      `${address} ${rejected ? "rejected" : "could not process"} message ${shown(ack.controlId)} (${ack.code})`,
    );
    this.name = "SanteError";
    this.ack = ack;
  }
}

/** MSH-10 of a message to send: what its ACK must echo. SANTE_INVALID_INPUT when the message is not HL7 or has none. */
export function controlIdOf(message: string | Buffer): string {
  return readHl7(parseHl7Message(message, { headerOnly: true }), "MSH-10");
}

const MSA_1 = fieldPath("MSA", 1);
const MSA_2 = fieldPath("MSA", 2);

/** Reads MSA-1 and MSA-2 of a reply (parsed once); anything that is not an HL7 ACK is SANTE_PROTOCOL. */
export function readAck(reply: Buffer): MllpAck {
  const text = reply.toString("utf8");
  let msa: ParsedHl7;
  try {
    msa = parseHl7Message(text);
  } catch (err) {
    throw new SanteError("SANTE_PROTOCOL", "the reply is not an HL7 ACK (no MSA-1)", { cause: err });
  }
  const code = selectHl7Value(msa, MSA_1);
  if (code === "") throw new SanteError("SANTE_PROTOCOL", "the reply is not an HL7 ACK (no MSA-1)");
  if (!(ACK_CODES as readonly string[]).includes(code)) {
    throw new SanteError("SANTE_PROTOCOL", `the ACK's MSA-1 is ${shown(code)}, not an acknowledgement code`);
  }
  return { text, code: code as AckCode, controlId: selectHl7Value(msa, MSA_2) };
}

/** Values from the other side go into messages as printable ASCII, and short. */
export function shown(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}
