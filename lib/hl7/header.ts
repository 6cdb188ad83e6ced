/*
 * The header summary of a received HL7 v2 message: what the listener puts on msg.hl7, what the ACK and the result
 * message are built from. Plain data only (strings and plain objects), so that Node-RED can clone it with msg.
 */
import { SanteError } from "../errors";
import { toParsedHl7, type Hl7Delimiters, type ParsedHl7 } from "./message";
import { segmentValue } from "./select";

/** An HD (hierarchic designator), as MSH-3 to MSH-6 hold it: `RIS`, or `RIS^1.2.3.4^ISO`. */
export interface Hl7HierarchicDesignator {
  /** HD.1, the name most systems use alone. */
  readonly namespaceId: string;
  /** HD.2, an OID or other universal ID; "" when absent. */
  readonly universalId: string;
  /** HD.3, the type of HD.2 (ISO, DNS…); "" when absent. */
  readonly universalIdType: string;
}

/** An application or facility as an option gives it: a name (HD.1) or a whole HD. */
export type Hl7Designator = string | Partial<Hl7HierarchicDesignator>;

export interface Hl7Header {
  /** MSH-9.1: ORM, OMI, ORU, ADT… */
  readonly messageType: string;
  /** MSH-9.2: O01, O23, R01, A08…; "" when absent. */
  readonly triggerEvent: string;
  /** MSH-9.3: ORM_O01, OMI_O23…; "" when absent (before v2.3.1 it does not exist). */
  readonly messageStructure: string;
  /** MSH-10, the message control ID that an acknowledgement echoes in MSA-2; "" when absent. */
  readonly controlId: string;
  /** MSH-11.1: P (production), T (training) or D (debugging). */
  readonly processingId: string;
  /** MSH-12.1: 2.3, 2.5.1… */
  readonly version: string;
  /** MSH-7 as sent (an HL7 timestamp). */
  readonly dateTime: string;
  /** MSH-3 */
  readonly sendingApplication: Hl7HierarchicDesignator;
  /** MSH-4 */
  readonly sendingFacility: Hl7HierarchicDesignator;
  /** MSH-5 */
  readonly receivingApplication: Hl7HierarchicDesignator;
  /** MSH-6 */
  readonly receivingFacility: Hl7HierarchicDesignator;
  /** MSH-15: AL, NE, ER, SU or "". With MSH-16, non-empty means the sender asks for enhanced acknowledgement. */
  readonly acceptAckType: string;
  /** MSH-16: AL, NE, ER, SU or "". */
  readonly applicationAckType: string;
  /** MSH-18, first repetition: the character set the sender declares ("" means ASCII, or what was agreed). */
  readonly characterSet: string;
  /** MSH-1 and MSH-2, each character by role. */
  readonly delimiters: Hl7Delimiters;
  /** MSH-2 as written: `^~\&`, or `^~\&#` in v2.7+. */
  readonly encodingCharacters: string;
}

/**
 * The header of an HL7 v2 message (string or Buffer, framed or not: as the reader accepts it, see message.ts), or of
 * one already parsed. Values are decoded and trimmed like readHl7's; an absent field is "".
 * Throws SanteError SANTE_INVALID_INPUT when the input is not HL7 v2: no MSH segment first, or MSH-1/MSH-2 are not
 * valid delimiters. The error message never quotes the input. A message with an MSH but without MSH-9 or MSH-10 is
 * not refused here: the caller decides (an ACK for it echoes an empty MSA-2).
 */
export function readHl7Header(message: string | Buffer | ParsedHl7): Hl7Header {
  const msg = toParsedHl7(message);
  const msh = msg.segments[0]; // toParsedHl7 made sure it is the MSH
  const at = (field: number, component?: number) => segmentValue(msg, msh, field, component);
  const hd = (field: number): Hl7HierarchicDesignator => ({
    namespaceId: at(field, 1),
    universalId: at(field, 2),
    universalIdType: at(field, 3),
  });
  return {
    messageType: at(9, 1),
    triggerEvent: at(9, 2),
    messageStructure: at(9, 3),
    controlId: at(10),
    processingId: at(11, 1),
    version: at(12, 1),
    dateTime: at(7, 1),
    sendingApplication: hd(3),
    sendingFacility: hd(4),
    receivingApplication: hd(5),
    receivingFacility: hd(6),
    acceptAckType: at(15),
    applicationAckType: at(16),
    characterSet: at(18),
    // Only the characters the message has: a clone (JSON, Node-RED's) gives back the same object.
    delimiters: Object.fromEntries(
      Object.entries(msg.delimiters).filter(([, c]) => c !== undefined),
    ) as unknown as Hl7Delimiters,
    encodingCharacters: msg.encodingCharacters,
  };
}

/**
 * MSH-9 written out with the message's component delimiter: "ADT^A08", and with `withStructure` its message
 * structure too when it has one ("ORM^O01^ORM_O01"). For log lines and msg.topic.
 */
export function messageTypeText(h: Hl7Header, withStructure = false): string {
  const c = h.delimiters.component ?? "^";
  if (withStructure && h.messageStructure !== "") return h.messageType + c + h.triggerEvent + c + h.messageStructure;
  return h.triggerEvent !== "" ? h.messageType + c + h.triggerEvent : h.messageType;
}

/**
 * An application or facility as a field to write: a name, or an HD's three components. undefined when not given.
 * Throws SANTE_INVALID_INPUT for anything else (a number, an array).
 */
export function designatorField(d: Hl7Designator | undefined): string | readonly string[] | undefined {
  if (d === undefined || d === null) return undefined;
  if (typeof d === "string") return d;
  if (typeof d !== "object" || Array.isArray(d)) {
    throw new SanteError("SANTE_INVALID_INPUT", "An application or facility is a name or { namespaceId, universalId }");
  }
  const part = (v: unknown) => (typeof v === "string" ? v : "");
  return [part(d.namespaceId), part(d.universalId), part(d.universalIdType)];
}

/** True when MSH-12 names a version before 2.minor (2.3.1 is before 2.5); a version we cannot read is not. */
export function hl7VersionBefore(version: string, minor: number): boolean {
  const m = /^2\.([0-9]+)/.exec(typeof version === "string" ? version : "");
  return m !== null && Number(m[1]) < minor;
}
