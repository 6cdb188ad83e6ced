/*
 * The acknowledgement (ACK) of a received HL7 v2 message.
 *
 *   MSH|^~\&|<its MSH-5>|<its MSH-6>|<its MSH-3>|<its MSH-4>|<now>||ACK^<its trigger>^ACK|<new ID>|<its MSH-11>|<its MSH-12>
 *   MSA|AA|<its MSH-10>
 *
 * Sender and receiver swapped, a control ID of our own (control-id.ts), the received message's delimiters
 * (field separator and MSH-2, so a reader configured for that feed reads the ACK too) and version. For an error
 * (AE, AR, CE, CR) an ERR segment carries our code (SANTE_*) and text, laid out for the version it answers, as
 * HAPI does (AbstractHL7Exception.populateResponse):
 *   before v2.5  ERR-1 (ELD) ^^^<0357 code>&<0357 text>&HL70357&<SANTE code>&<text>, and MSA-3 the text;
 *   v2.5 and on  ERR-3 <0357 code>^<0357 text>^HL70357, ERR-4 E (error), ERR-5 <SANTE code>, ERR-8 the text;
 *                MSA-3 the text as well up to v2.6 (deprecated there, still what many engines display;
 *                withdrawn in v2.7).
 * An engine of either generation finds the HL7 code where it looks, and the SANTE code and text beside it.
 */
import { SanteError } from "../errors";
import { nextControlId } from "./control-id";
import { designatorField, hl7VersionBefore, readHl7Header, type Hl7Designator, type Hl7Header } from "./header";
import { unwrapHl7 } from "./message";
import { hl7Timestamp } from "./timestamp";
import {
  STANDARD_DELIMITERS,
  writeDelimiters,
  writeHl7Message,
  type Hl7Field,
  type Hl7SegmentValues,
  type Hl7WriteDelimiters,
} from "./write";

/** MSA-1: AA/AE/AR in original mode; CA/CE/CR are enhanced mode's accept acknowledgements. */
export const ACK_CODES = ["AA", "AE", "AR", "CA", "CE", "CR"] as const;
export type AckCode = (typeof ACK_CODES)[number];

/** What an AE/AR/CE/CR reports: the shape of msg.santeError (and of a SanteError). */
export interface AckError {
  /** Our error code, e.g. SANTE_NOT_FOUND. */
  readonly code: string;
  /** A text for people. It must not hold patient data: it travels back to the sender and into its logs. */
  readonly message: string;
  /** HL7 table 0357 code for ERR-3 (ERR-1 before v2.5). Default: 204 for SANTE_NOT_FOUND, else 207. */
  readonly hl7ErrorCode?: number;
}

export interface AckOptions {
  /** With AE/AR/CE/CR: the error the ERR segment reports. Ignored with AA/CA. */
  readonly error?: AckError;
  /** MSH-10 of the ACK (default: a new ID from nextControlId()). */
  readonly controlId?: string;
  /** MSH-7 of the ACK (default: now). */
  readonly now?: Date;
  /** MSH-3 of the ACK (default: the received MSH-5, the application the sender addressed). */
  readonly sendingApplication?: Hl7Designator;
  /** MSH-4 of the ACK (default: the received MSH-6). */
  readonly sendingFacility?: Hl7Designator;
}

/** HL7 table 0357, message error condition codes (v2.5). */
export const HL7_ERROR_CODES: Readonly<Record<number, string>> = {
  0: "Message accepted",
  100: "Segment sequence error",
  101: "Required field missing",
  102: "Data type error",
  103: "Table value not found",
  200: "Unsupported message type",
  201: "Unsupported event code",
  202: "Unsupported processing id",
  203: "Unsupported version id",
  204: "Unknown key identifier",
  205: "Duplicate key identifier",
  206: "Application record locked",
  207: "Application internal error",
};

/** Version used when the received message states none or cannot be read. */
const DEFAULT_VERSION = "2.5.1";
const MSA_3_MAX = 80; // ST(80) in v2.3–2.6
const TEXT_MAX = 200;

/**
 * The ACK for a received message, as a string of CR-ended segments (frame it for MLLP yourself).
 *
 * `received` is the message (string or Buffer, framed or not) or its header (readHl7Header, e.g. msg.hl7).
 * `code` is MSA-1. With AE, AR, CE or CR, `options.error` says why (default: HL7 207, no SANTE code).
 *
 * Never throws because of what `received` holds: when it is not HL7 (no MSH first, bad delimiters) the answer is
 * an AR whatever `code` asked: MSH `|^~\&`, MSH-9 `ACK`, the version and control ID read from its first line when
 * they look sound (else 2.5.1 and an empty MSA-2), ERR HL7 100 "Segment sequence error" (a required segment, MSH,
 * is missing) with SANTE_INVALID_INPUT and the reader's reason. AR, not AE: HL7 uses AR for a message rejected
 * on its header, before its content is looked at; a sender that resends gets the same answer.
 * Throws SANTE_INVALID_INPUT only for a `code` not in ACK_CODES or an option that cannot be written (a bad
 * designator shape); option values themselves are escaped like any value.
 */
export function buildAck(received: string | Buffer | Hl7Header, code: AckCode, options: AckOptions = {}): string {
  if (!(ACK_CODES as readonly string[]).includes(code)) {
    throw new SanteError("SANTE_INVALID_INPUT", `An acknowledgement code is one of ${ACK_CODES.join(", ")}`);
  }
  const basis = ackBasis(received);
  if (basis.rejected) {
    return writeAck(basis, "AR", { ...options, error: basis.rejected });
  }
  return writeAck(basis, code, options);
}

/**
 * Whether the sender wants an acknowledgement of this kind, in enhanced mode: `type` is MSH-15 (accept ACK) or
 * MSH-16 (application ACK) of its message: AL always, NE never, ER only on error, SU only on success. An empty
 * one counts as AL: sending an ACK nobody waits for costs less than a sender waiting for one that never comes.
 */
export function ackRequested(type: string, success: boolean): boolean {
  switch (type) {
    case "NE":
      return false;
    case "ER":
      return !success;
    case "SU":
      return success;
    default:
      return true;
  }
}

/** True when the sender asks for enhanced acknowledgement (MSH-15 or MSH-16 valued); else original mode. */
export function wantsEnhancedAck(header: Hl7Header): boolean {
  return header.acceptAckType !== "" || header.applicationAckType !== "";
}

/** What of the received message an ACK is built from. */
interface AckBasis {
  readonly delimiters: Hl7WriteDelimiters;
  readonly version: string;
  readonly controlId: string;
  readonly triggerEvent: string;
  readonly processingId: string;
  readonly sendingApplication: Hl7Field;
  readonly sendingFacility: Hl7Field;
  readonly receivingApplication: Hl7Field;
  readonly receivingFacility: Hl7Field;
  /** Set when the received input is not HL7 we can answer normally. */
  readonly rejected?: AckError;
}

function ackBasis(received: string | Buffer | Hl7Header): AckBasis {
  if (typeof received === "string" || Buffer.isBuffer(received)) {
    let header: Hl7Header;
    try {
      header = readHl7Header(received);
    } catch (err) {
      return salvage(received, err instanceof Error ? err.message : String(err));
    }
    return fromHeader(header);
  }
  if (typeof received !== "object" || received === null) {
    return salvage("", "The message is not HL7 v2: it is neither a string nor a Buffer");
  }
  return fromHeader(received);
}

function fromHeader(h: Hl7Header): AckBasis {
  let delimiters: Hl7WriteDelimiters;
  try {
    delimiters = writeDelimiters(h.delimiters);
  } catch {
    // A header edited in a flow into something that is not HL7: answer, but as for unreadable input.
    return salvage("", "The message header (msg.hl7) does not hold valid HL7 delimiters");
  }
  return {
    delimiters,
    version: text(h.version) || DEFAULT_VERSION,
    controlId: text(h.controlId),
    triggerEvent: text(h.triggerEvent),
    processingId: text(h.processingId) || "P",
    sendingApplication: copied(h.sendingApplication),
    sendingFacility: copied(h.sendingFacility),
    receivingApplication: copied(h.receivingApplication),
    receivingFacility: copied(h.receivingFacility),
  };
}

/** For input that is not HL7: the control ID and version of its first line if they can be told, else defaults. */
function salvage(raw: string | Buffer, why: string): AckBasis {
  const first = raw === "" ? "" : (unwrapHl7(raw).split(/[\r\n]/, 1)[0] ?? "");
  let controlId = "";
  let version = DEFAULT_VERSION;
  const sep = first[3];
  if (first.startsWith("MSH") && sep !== undefined && /^[!-/:-@[-`{-~]$/.test(sep)) {
    const fields = first.split(sep); // fields[n - 1] is MSH-n
    const id = fields[9] ?? "";
    if (/^[!-~]{1,199}$/.test(id)) controlId = id;
    const v = /^2\.[0-9]+(?:\.[0-9]+)?/.exec(fields[11] ?? "");
    if (v) version = v[0];
  }
  return {
    delimiters: STANDARD_DELIMITERS,
    version,
    controlId,
    triggerEvent: "",
    processingId: "P",
    sendingApplication: undefined,
    sendingFacility: undefined,
    receivingApplication: undefined,
    receivingFacility: undefined,
    rejected: { code: "SANTE_INVALID_INPUT", message: why, hl7ErrorCode: 100 },
  };
}

function writeAck(b: AckBasis, code: AckCode, options: AckOptions): string {
  const segments: Hl7SegmentValues[] = [
    {
      name: "MSH",
      fields: {
        3: designatorField(options.sendingApplication) ?? b.receivingApplication,
        4: designatorField(options.sendingFacility) ?? b.receivingFacility,
        5: b.sendingApplication,
        6: b.sendingFacility,
        7: hl7Timestamp(options.now),
        9: b.triggerEvent === "" ? "ACK" : ["ACK", b.triggerEvent, "ACK"],
        10: options.controlId ?? nextControlId(),
        11: b.processingId,
        12: b.version,
      },
    },
  ];
  const failed = code !== "AA" && code !== "CA";
  const error = failed ? (options.error ?? { code: "", message: "" }) : undefined;
  const modern = !hl7VersionBefore(b.version, 5);
  const msa: Record<number, Hl7Field> = { 1: code, 2: b.controlId };
  if (error && hl7VersionBefore(b.version, 7) && error.message !== "") {
    msa[3] = clip(error.code === "" ? error.message : `${error.code}: ${error.message}`, MSA_3_MAX);
  }
  segments.push({ name: "MSA", fields: msa });
  if (error) segments.push(modern ? errAsOf25(error) : errBefore25(error));
  return writeHl7Message(segments, b.delimiters);
}

function errAsOf25(e: AckError): Hl7SegmentValues {
  const [code, meaning] = hl7Error(e);
  return {
    name: "ERR",
    fields: {
      3: [code, meaning, "HL70357"],
      4: "E",
      5: e.code === "" ? undefined : [e.code],
      8: clip(e.message, TEXT_MAX),
    },
  };
}

function errBefore25(e: AckError): Hl7SegmentValues {
  const [code, meaning] = hl7Error(e);
  // ELD: segment ID ^ sequence ^ field position ^ code (CE: id & text & coding system & alt id & alt text).
  return {
    name: "ERR",
    fields: { 1: ["", "", "", [code, meaning, "HL70357", e.code, clip(e.message, TEXT_MAX)]] },
  };
}

function hl7Error(e: AckError): [string, string] {
  const wanted = e.hl7ErrorCode ?? (e.code === "SANTE_NOT_FOUND" ? 204 : 207);
  const code = HL7_ERROR_CODES[wanted] === undefined ? 207 : wanted;
  return [String(code), HL7_ERROR_CODES[code]];
}

/** A designator of the received header, as a field; nothing when msg.hl7 was edited into another shape. */
function copied(d: unknown): Hl7Field {
  return typeof d === "object" && d !== null && !Array.isArray(d) ? designatorField(d) : undefined;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function clip(s: string, max: number): string {
  const t = text(s);
  return t.length <= max ? t : `${t.slice(0, max - 3)}...`;
}
