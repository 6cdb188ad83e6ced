/*
 * The HL7 message that carries a study's viewer link back to the HIS/RIS, built from the message that asked for it
 * (an order: ORM^O01, OMI^O23, OML…; or a result: ORU^R01) and the lookup's result.
 *
 * Default shape, "oru": IHE RAD-128 "imaging results availability" (as dcm4chee-arc sends it, v2.5.1), plus the link:
 *   MSH  ORU^R01^ORU_R01, v2.5.1, sender and receiver of the order swapped, a new control ID (or, with
 *        controlIdFrom "order", one derived from the order's: the same for each result of that order)
 *   PID  the order's PID, every field
 *   PV1  the order's PV1, every field (RAD-128 requires one: PV1|1|U, patient class unknown, when the order has none)
 *   ORC  ORC-1 SC (status changed), ORC-2/ORC-3 the order numbers, ORC-5 CM (completed)
 *   TQ1  TQ1-1 1, TQ1-7 now (v2.5 and later; RAD-128 requires it)
 *   OBR  OBR-1 1, OBR-2/OBR-3 the order numbers, OBR-4 the order's service ID, OBR-7 the order's OBR-7 (else its
 *        TQ1-7, else now), OBR-18/OBR-19 the accession number and its issuer, OBR-22 now, OBR-24 the order's (else
 *        RAD), OBR-25 R (results stored, not verified)
 *   OBX  1|ST|113014^DICOM Study^DCM||<Study Instance UID>||||||O
 *   OBX  2|RP|<link code>||<viewer link>^^AP||||||O
 *
 * Where the values come from, in the order (the order group is the ORC/OBR group whose IPC-3, ZDS-1 or OBX-5 holds
 * the study's UID, else the first one):
 *   placer order number  ORC-2, else OBR-2          filler order number  ORC-3, else OBR-3
 *   accession number     IPC-1 (OMI), else OBR-18   issuer               OBR-19, else IPC-1.2–1.4 as NS&UID&TYPE
 * Every value taken from the order is re-encoded part by part (copy.ts), and every other value escaped (write.ts):
 * nothing in the order or the link can add a segment, field, component or subcomponent. The link's `&` travels as
 * `\T\`, since in RP it would start a subcomponent.
 *
 * The link's OBX-5 is an RP (reference pointer): pointer ^ application ID ^ type of data ^ subtype.
 *   pointer           the whole link. RP.2 stays empty: HL7 lets a receiver build the URI as RP.2 followed by RP.1,
 *                     and an application name there would spoil the link for such a receiver.
 *   type of data      AP, "other application data" (table 0191): the link is opened by an application (the
 *                     viewer), it is neither an image (IM: a receiver could try to fetch and show it) nor a text.
 *   subtype           empty: table 0291 has no entry for a viewer link; DICOM would say the pointer yields a DICOM
 *                     object, which it does not.
 * OBX-3 of the link: no standard code exists for a viewer link; the default is the local code
 * SANTE_LINK^Sante DICOM Web Viewer link^L (L: a local code, HL7 table 0396). Sites set their own.
 *
 * Second shape, "status": the order's own message type (OMI^O23, or ORM^O01 for ORM and versions before 2.5) as a
 * status update (ORC-1 SC, ORC-5 CM), in the order's version: PID, PV1, ORC, the order's TQ1 (OMI) and OBR copied,
 * the link's OBX, then the order group's IPC segments (OMI) or its ZDS (ORM; ZDS|<UID>^^Application^DICOM when it
 * has none), with the study's UID.
 */
import { SanteError } from "../errors";
import { validateStudyInstanceUid } from "../sante/validate";
import { derivedControlId, nextControlId } from "./control-id";
import { copyField, copySegment } from "./copy";
import { designatorField, hl7VersionBefore, readHl7Header, type Hl7Designator, type Hl7Header } from "./header";
import { toParsedHl7, type Hl7Segment, type ParsedHl7 } from "./message";
import { segmentValue } from "./select";
import { hl7Timestamp } from "./timestamp";
import { DICOM_STUDY_CODE } from "./well-known-paths";
import { writeDelimiters, writeHl7Message, type Hl7Field, type Hl7Fields, type Hl7SegmentValues } from "./write";

/** What a lookup found: the shape of msg.sante plus the link our viewer-link node builds. */
export interface StudyLinkResult {
  readonly studyInstanceUid: string;
  /** The viewer link (sante://…, or any URL a site uses). It holds the token: it is never put in an error. */
  readonly url: string;
  /** Accepted and not used: the token travels only inside the link. */
  readonly token?: string;
}

/** A coded value (CE/CWE): code ^ text ^ coding system. */
export interface Hl7CodedValue {
  readonly code: string;
  readonly text?: string;
  readonly system?: string;
}

export interface ResultMessageOptions {
  /** "oru" (default): RAD-128 ORU^R01; "status": an OMI^O23 / ORM^O01 status update. */
  readonly shape?: "oru" | "status";
  /** OBX-3 of the link (default DEFAULT_LINK_CODE). */
  readonly linkCode?: Hl7CodedValue;
  /** RP.3, type of data (default AP). */
  readonly linkType?: string;
  /** RP.4, subtype (default empty). */
  readonly linkSubtype?: string;
  /** RP.2, application ID (default empty; see above why). */
  readonly linkApplication?: Hl7Designator;
  /** MSH-3 (default: the order's MSH-5). */
  readonly sendingApplication?: Hl7Designator;
  /** MSH-4 (default: the order's MSH-6). */
  readonly sendingFacility?: Hl7Designator;
  /** MSH-5 (default: the order's MSH-3). */
  readonly receivingApplication?: Hl7Designator;
  /** MSH-6 (default: the order's MSH-4). */
  readonly receivingFacility?: Hl7Designator;
  /** MSH-12 (default: 2.5.1 for "oru", as RAD-128 says; the order's version for "status"). */
  readonly version?: string;
  /** MSH-10 (default: as controlIdFrom says). */
  readonly controlId?: string;
  /**
   * Where MSH-10 comes from without `controlId`: "new" (default), a new ID from nextControlId() for every message;
   * "order", derivedControlId() of the order's MSH-10, the same for every result of that order (a HIS dropping
   * duplicates by MSH-10 then drops a result sent again for a resent order; one order must give one result).
   */
  readonly controlIdFrom?: "new" | "order";
  /** MSH-7 and the other times we set (default: now). */
  readonly now?: Date;
}

export const DEFAULT_LINK_CODE: Hl7CodedValue = {
  code: "SANTE_LINK",
  text: "Sante DICOM Web Viewer link",
  system: "L",
};

/** RAD-128's OBX-3 for the Study Instance UID: DICOM code 113014 "DICOM Study". */
const STUDY_CODE = [DICOM_STUDY_CODE, "DICOM Study", "DCM"];
const RAD_128_VERSION = "2.5.1";
const MAX_URL = 4096;

/**
 * The message that carries `link` back to the HIS, built from `order` (its text as string or Buffer, framed or
 * not, or already parsed). A string of CR-ended segments; frame it for MLLP yourself.
 * Throws SanteError SANTE_INVALID_INPUT when the order is not HL7 v2, the Study Instance UID is not a valid UID,
 * the link is empty, longer than 4096 characters or not a string, an option has the wrong shape, or the result's
 * control ID is to come from the order's and the order has none. The error
 * never quotes the order or the link.
 * An order without ORC/OBR (an ADT, say) still gives a message, with PID and the link but no order numbers: the
 * HIS decides what to do with it.
 */
export function buildResultMessage(
  order: string | Buffer | ParsedHl7,
  link: StudyLinkResult,
  options: ResultMessageOptions = {},
): string {
  const msg = toParsedHl7(order);
  const header = readHl7Header(msg);
  const uid = validateStudyInstanceUid(link?.studyInstanceUid);
  const url = checkUrl(link?.url);
  const shape = options.shape ?? "oru";
  if (shape !== "oru" && shape !== "status") {
    throw new SanteError("SANTE_INVALID_INPUT", 'The result message shape is "oru" or "status"');
  }
  if (options.controlIdFrom !== undefined && options.controlIdFrom !== "new" && options.controlIdFrom !== "order") {
    throw new SanteError("SANTE_INVALID_INPUT", 'The result\'s control ID comes from "new" or "order"');
  }
  const now = options.now ?? new Date();
  const version =
    options.version ?? (shape === "oru" ? RAD_128_VERSION : header.version === "" ? RAD_128_VERSION : header.version);
  const group = orderGroup(msg, uid);
  const ctx: Context = { msg, header, group, uid, url, now, version, options };
  const segments = shape === "oru" ? oruSegments(ctx) : statusSegments(ctx);
  // The v2.7 truncation character only in a message of v2.7 or later: an earlier reader takes MSH-2 as 4 characters.
  const delimiters = writeDelimiters(msg.delimiters, !hl7VersionBefore(version, 7));
  return writeHl7Message(segments, delimiters);
}

interface Context {
  readonly msg: ParsedHl7;
  readonly header: Hl7Header;
  readonly group: OrderGroup;
  readonly uid: string;
  readonly url: string;
  readonly now: Date;
  readonly version: string;
  readonly options: ResultMessageOptions;
}

/** The segments of one order in the message: an ORC and/or OBR, and what follows them up to the next order. */
interface OrderGroup {
  readonly orc?: Hl7Segment;
  readonly obr?: Hl7Segment;
  readonly tq1?: Hl7Segment;
  readonly ipcs: readonly Hl7Segment[];
  readonly zds?: Hl7Segment;
  readonly holdsStudy: boolean;
}

function oruSegments(c: Context): Hl7SegmentValues[] {
  const { msg, group, now } = c;
  const placer = orderNumber(c, 2);
  const filler = orderNumber(c, 3);
  const [accession, issuer] = accessionNumber(c);
  const obrValue = (n: number) => (group.obr ? copyField(msg, group.obr, n) : undefined);
  const tq1Start = group.tq1 ? copyField(msg, group.tq1, 7) : undefined;
  const segments: Hl7SegmentValues[] = [msh(c, ["ORU", "R01", "ORU_R01"])];
  segments.push(...patient(c, true));
  segments.push({ name: "ORC", fields: { 1: "SC", 2: placer, 3: filler, 5: "CM" } });
  if (!hl7VersionBefore(c.version, 5)) segments.push({ name: "TQ1", fields: { 1: "1", 7: hl7Timestamp(now) } });
  segments.push({
    name: "OBR",
    fields: {
      1: "1",
      2: placer,
      3: filler,
      4: obrValue(4),
      7: obrValue(7) ?? tq1Start ?? hl7Timestamp(now),
      18: accession,
      19: issuer,
      22: hl7Timestamp(now),
      24: obrValue(24) ?? "RAD",
      25: "R",
    },
  });
  segments.push({ name: "OBX", fields: { 1: "1", 2: "ST", 3: STUDY_CODE, 5: c.uid, 11: "O" } });
  segments.push(linkObx(c, "2"));
  return segments;
}

function statusSegments(c: Context): Hl7SegmentValues[] {
  const { msg, group, header } = c;
  const omi = header.messageType === "OMI" || (header.messageType !== "ORM" && !hl7VersionBefore(c.version, 5));
  const segments: Hl7SegmentValues[] = [msh(c, omi ? ["OMI", "O23", "OMI_O23"] : ["ORM", "O01", "ORM_O01"])];
  segments.push(...patient(c, false));
  const numbers = { 2: orderNumber(c, 2), 3: orderNumber(c, 3) };
  segments.push(
    group.orc
      ? copySegment(msg, group.orc, { 1: "SC", ...numbers, 5: "CM" })
      : { name: "ORC", fields: { 1: "SC", ...numbers, 5: "CM" } },
  );
  if (omi && group.tq1) segments.push(copySegment(msg, group.tq1));
  if (group.obr) segments.push(copySegment(msg, group.obr, numbers));
  segments.push(linkObx(c, "1"));
  if (omi) {
    for (const ipc of group.ipcs) segments.push(copySegment(msg, ipc, { 3: c.uid }));
  } else {
    segments.push(
      group.zds
        ? copySegment(msg, group.zds, { 1: [c.uid, "", "Application", "DICOM"] })
        : { name: "ZDS", fields: { 1: [c.uid, "", "Application", "DICOM"] } },
    );
  }
  return segments;
}

function msh(c: Context, type: readonly string[]): Hl7SegmentValues {
  const { header: h, options: o } = c;
  const fields: Hl7Fields = {
    3: designatorField(o.sendingApplication) ?? designatorField(h.receivingApplication),
    4: designatorField(o.sendingFacility) ?? designatorField(h.receivingFacility),
    5: designatorField(o.receivingApplication) ?? designatorField(h.sendingApplication),
    6: designatorField(o.receivingFacility) ?? designatorField(h.sendingFacility),
    7: hl7Timestamp(c.now),
    9: type,
    10: controlId(c),
    11: h.processingId === "" ? "P" : h.processingId,
    12: c.version,
  };
  return { name: "MSH", fields };
}

function controlId({ header, options }: Context): string {
  if (options.controlId !== undefined) return options.controlId;
  if (options.controlIdFrom !== "order") return nextControlId();
  if (header.controlId === "") {
    throw new SanteError("SANTE_INVALID_INPUT", "The order has no control ID (MSH-10) to derive the result's from");
  }
  return derivedControlId(header.controlId);
}

/** PID and PV1 of the order, copied whole; for the ORU a PV1 of "patient class unknown" when it has none. */
function patient(c: Context, needsVisit: boolean): Hl7SegmentValues[] {
  const pid = c.msg.segments.find((s) => s.name === "PID");
  const pv1 = c.msg.segments.find((s) => s.name === "PV1");
  const out: Hl7SegmentValues[] = [];
  if (pid) out.push(copySegment(c.msg, pid));
  if (pv1) out.push(copySegment(c.msg, pv1));
  else if (needsVisit) out.push({ name: "PV1", fields: { 1: "1", 2: "U" } });
  return out;
}

function linkObx(c: Context, setId: string): Hl7SegmentValues {
  const o = c.options;
  const code = o.linkCode ?? DEFAULT_LINK_CODE;
  if (typeof code !== "object" || code === null || typeof code.code !== "string" || code.code.trim() === "") {
    throw new SanteError("SANTE_INVALID_INPUT", "The link's OBX-3 code needs a code: { code, text, system }");
  }
  // RP.2 is an HD inside a component: its parts are subcomponents.
  const application = designatorField(o.linkApplication) ?? "";
  return {
    name: "OBX",
    fields: {
      1: setId,
      2: "RP",
      3: [code.code, code.text ?? "", code.system ?? ""],
      5: [c.url, application, o.linkType ?? "AP", o.linkSubtype ?? ""],
      11: "O",
    },
  };
}

/** ORC-n, else OBR-n, of the order group (2: placer order number, 3: filler order number). */
function orderNumber(c: Context, n: 2 | 3): Hl7Field {
  const { msg, group } = c;
  return (group.orc && copyField(msg, group.orc, n)) ?? (group.obr && copyField(msg, group.obr, n)) ?? undefined;
}

/** [OBR-18, OBR-19]: the order's, else from the IPC-1 (EI) of the study: its ID, and its issuer as NS&UID&TYPE. */
function accessionNumber(c: Context): [Hl7Field, Hl7Field] {
  const { msg, group } = c;
  const fromObr = group.obr ? copyField(msg, group.obr, 18) : undefined;
  const issuerObr = group.obr ? copyField(msg, group.obr, 19) : undefined;
  const ipc = group.ipcs.find((s) => segmentValue(msg, s, 3, 1) === c.uid) ?? group.ipcs[0];
  if (fromObr !== undefined || !ipc) return [fromObr, issuerObr];
  const id = segmentValue(msg, ipc, 1, 1);
  const issuer = [2, 3, 4].map((k) => segmentValue(msg, ipc, 1, k));
  return [id === "" ? undefined : id, issuerObr ?? (issuer.some((p) => p !== "") ? [issuer] : undefined)];
}

/** The ORC/OBR group whose IPC-3.1, ZDS-1.1 or OBX-5.1 is the study's UID, else the first; empty if none. */
function orderGroup(msg: ParsedHl7, uid: string): OrderGroup {
  type Building = {
    orc?: Hl7Segment;
    obr?: Hl7Segment;
    tq1?: Hl7Segment;
    ipcs: Hl7Segment[];
    zds?: Hl7Segment;
    holdsStudy: boolean;
  };
  const groups: Building[] = [];
  let current: Building | undefined;
  const start = (): Building => {
    current = { ipcs: [], holdsStudy: false };
    groups.push(current);
    return current;
  };
  for (const s of msg.segments) {
    switch (s.name) {
      case "ORC":
        start().orc = s;
        break;
      case "OBR":
        if (!current || current.obr) start();
        (current as Building).obr = s;
        break;
      case "TQ1":
        if (current && !current.tq1) current.tq1 = s;
        break;
      case "IPC":
        if (current) {
          current.ipcs.push(s);
          if (segmentValue(msg, s, 3, 1) === uid) current.holdsStudy = true;
        }
        break;
      case "ZDS":
        if (current) {
          current.zds ??= s;
          if (segmentValue(msg, s, 1, 1) === uid) current.holdsStudy = true;
        }
        break;
      case "OBX":
        if (current && segmentValue(msg, s, 5, 1) === uid) current.holdsStudy = true;
        break;
    }
  }
  return groups.find((g) => g.holdsStudy) ?? groups[0] ?? { ipcs: [], holdsStudy: false };
}

function checkUrl(url: unknown): string {
  if (typeof url !== "string" || url.trim() === "") {
    throw new SanteError("SANTE_INVALID_INPUT", "The viewer link for the result message is empty or not text");
  }
  if (url.length > MAX_URL) {
    throw new SanteError(
      "SANTE_INVALID_INPUT",
      `The viewer link is ${url.length} characters long; the limit is ${MAX_URL}`,
    );
  }
  return url.trim();
}
