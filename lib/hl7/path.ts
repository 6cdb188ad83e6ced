/*
 * HL7 v2 field paths: where in an HL7 v2 message a value is read.
 *
 *   SEG[segment selector]-FIELD[repetition selector].COMPONENT.SUBCOMPONENT
 *
 * Only SEG and -FIELD are required. All numbers start at 1.
 *
 *   PID-3.1            Patient ID: PID-3, first repetition, component 1 (CX.1)
 *   PID-3[2].1         CX.1 of the second repetition of PID-3
 *   PID-3[MR].1        CX.1 of the first repetition whose CX.5 (identifier type) or CX.4 (assigning authority) is MR
 *   PID-3[type=MR].1   the same, CX.5 only
 *   PID-3[auth=HOSP_A].1           CX.1 of the first repetition whose CX.4 is HOSP_A. CX.4 is an HD:
 *   PID-3[auth=HOSP_A&1.2.3&ISO].1 either its first subcomponent (namespace ID) matches,
 *                                  or the whole HD, written with & between subcomponents
 *   PID-3[HOSP_A].4.2  a subcomponent: the universal ID of that repetition's assigning authority
 *   IPC-3.1            Study Instance UID in OMI^O23
 *   ZDS-1.1            Study Instance UID in ORM^O01 (uid^^Application^DICOM)
 *   OBX[2]-5           OBX-5 of the second OBX segment in the message
 *   OBX[3.1=110180]-5  OBX-5 of the first OBX whose OBX-3.1 is 110180 (DCM "Study Instance UID") in ORU^R01
 *   MSH-9.1            message type. MSH follows HL7 numbering: MSH-1 is the field separator itself, MSH-2 the
 *                      encoding characters, MSH-3 the sending application
 *   IPC-3.1,ZDS-1.1    a list: the paths are tried in order, and the first one that yields a value wins
 *
 * Segment names are 3 letters or digits (the first a letter). Lower case is accepted and read as upper case.
 * Numbers have at most 6 digits.
 * Segment selector: [n] is the n-th occurrence of the segment in the message (default 1); [F=value],
 *   [F.C=value] or [F.C.S=value] is the first occurrence where any repetition of that field (component,
 *   subcomponent) equals value.
 * Repetition selector: [r] (digits only) is the r-th repetition (default 1). Anything else is a filter on
 *   components 5 (CX.5, identifier type) and 4 (CX.4, assigning authority) of each repetition: [X] matches
 *   either, [type=X] only component 5, [auth=X] only component 4. An authority whose name is all digits
 *   needs the explicit form: [auth=2] (plain [2] is the second repetition).
 * Comparisons are exact and case-sensitive, after escape sequences are decoded and surrounding white space
 *   is removed. Filter values cannot contain [ ] or a comma; a repetition filter value cannot start or end
 *   with white space, and a plain [X] filter cannot contain =.
 * Without a component, the whole (selected repetition of the) field is returned, delimiters kept as they are
 *   in the message; without a subcomponent, the whole component.
 * White space around each path in a list is ignored; inside a path it is a syntax error, except within a
 *   filter value.
 */
import { SanteError } from "../errors";

export type Hl7SegmentSelector =
  | { readonly kind: "occurrence"; readonly occurrence: number }
  | {
      readonly kind: "where";
      readonly field: number;
      readonly component?: number;
      readonly subcomponent?: number;
      readonly equals: string;
    };

export type Hl7RepetitionSelector =
  | { readonly kind: "index"; readonly repetition: number }
  /** `either`: identifier type (component 5) or assigning authority (component 4). */
  | { readonly kind: "filter"; readonly on: "type" | "authority" | "either"; readonly equals: string };

export type Hl7Path = {
  /** The path as written, trimmed, segment name in upper case: how error messages name it. */
  readonly text: string;
  readonly segment: string;
  readonly segmentSelector: Hl7SegmentSelector;
  readonly field: number;
  readonly repetition: Hl7RepetitionSelector;
  readonly component?: number;
  readonly subcomponent?: number;
};

// Numbers are capped at 6 digits: no HL7 message is that deep, and it keeps them safe integers.
const PATH =
  /^([A-Za-z][A-Za-z0-9]{2})(?:\[([^[\],]*)\])?-([0-9]{1,6})(?:\[([^[\],]*)\])?(?:\.([0-9]{1,6}))?(?:\.([0-9]{1,6}))?$/;
const WHERE = /^([0-9]{1,6})(?:\.([0-9]{1,6}))?(?:\.([0-9]{1,6}))?=(.+)$/;
const KEYED_FILTER = /^(type|auth)=(.*)$/i;
const HINT = "expected SEG-F, SEG-F.C or SEG-F.C.S with optional [selectors], e.g. PID-3.1, PID-3[MR].1, OBX[2]-5";

/** Parses a comma-separated list of paths; throws SANTE_INVALID_INPUT naming the first bad one. */
export function parseHl7PathList(paths: string): Hl7Path[] {
  if (typeof paths !== "string" || paths.trim() === "") {
    throw new SanteError("SANTE_INVALID_INPUT", "The HL7 field path is empty; " + HINT);
  }
  return paths.split(",").map((one) => parseHl7Path(one.trim()));
}

export function isValidHl7PathList(paths: string): boolean {
  try {
    parseHl7PathList(paths);
    return true;
  } catch {
    return false;
  }
}

/** The path of one position, first occurrence and first repetition: fieldPath("MSH", 9, 1) is MSH-9.1. */
export function fieldPath(segment: string, field: number, component?: number, subcomponent?: number): Hl7Path {
  const text = [`${segment}-${field}`, component, subcomponent].filter((p) => p !== undefined).join(".");
  return {
    text,
    segment,
    segmentSelector: { kind: "occurrence", occurrence: 1 },
    field,
    repetition: { kind: "index", repetition: 1 },
    ...(component === undefined ? {} : { component }),
    ...(subcomponent === undefined ? {} : { subcomponent }),
  };
}

function parseHl7Path(text: string): Hl7Path {
  if (text === "") throw bad(text, "an empty entry in the list");
  const m = PATH.exec(text);
  if (!m) throw bad(text, HINT);
  const segment = m[1].toUpperCase();
  const canonical = segment + text.slice(3);
  const field = positive(canonical, "field", m[3]);
  const component = m[5] === undefined ? undefined : positive(canonical, "component", m[5]);
  const subcomponent = m[6] === undefined ? undefined : positive(canonical, "subcomponent", m[6]);
  return {
    text: canonical,
    segment,
    segmentSelector: segmentSelector(canonical, m[2]),
    field,
    repetition: repetitionSelector(canonical, m[4]),
    ...(component === undefined ? {} : { component }),
    ...(subcomponent === undefined ? {} : { subcomponent }),
  };
}

function segmentSelector(path: string, inside: string | undefined): Hl7SegmentSelector {
  if (inside === undefined) return { kind: "occurrence", occurrence: 1 };
  if (/^[0-9]{1,6}$/.test(inside))
    return { kind: "occurrence", occurrence: positive(path, "segment occurrence", inside) };
  const m = WHERE.exec(inside);
  if (!m) throw bad(path, "a segment selector is [n] or [FIELD=value], e.g. OBX[2] or OBX[3.1=110180]");
  return {
    kind: "where",
    field: positive(path, "field", m[1]),
    ...(m[2] === undefined ? {} : { component: positive(path, "component", m[2]) }),
    ...(m[3] === undefined ? {} : { subcomponent: positive(path, "subcomponent", m[3]) }),
    equals: m[4],
  };
}

function repetitionSelector(path: string, inside: string | undefined): Hl7RepetitionSelector {
  if (inside === undefined) return { kind: "index", repetition: 1 };
  if (/^[0-9]+$/.test(inside)) {
    if (inside.length > 6) throw bad(path, "the repetition number is too large");
    return { kind: "index", repetition: positive(path, "repetition", inside) };
  }
  const keyed = KEYED_FILTER.exec(inside);
  const on = keyed ? (keyed[1].toLowerCase() === "type" ? "type" : "authority") : "either";
  const equals = keyed ? keyed[2] : inside;
  if (equals === "" || equals.trim() !== equals) {
    throw bad(
      path,
      "a repetition filter needs a value without surrounding spaces, e.g. PID-3[MR] or PID-3[auth=HOSP_A]",
    );
  }
  if (!keyed && equals.includes("=")) throw bad(path, "a repetition filter is [value], [type=value] or [auth=value]");
  return { kind: "filter", on, equals };
}

function positive(path: string, what: string, digits: string): number {
  const n = Number(digits);
  if (n < 1) throw bad(path, `${what} numbers start at 1`);
  return n;
}

function bad(path: string, why: string): SanteError {
  // The path comes from configuration, but may be long: keep the message readable.
  const shown = path.length > 60 ? `${path.slice(0, 60)}…` : path;
  return new SanteError("SANTE_INVALID_INPUT", `Invalid HL7 field path "${shown}": ${why}`);
}
