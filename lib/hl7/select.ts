import { decodeHl7Escapes } from "./escape";
import type { ParsedHl7, Hl7Segment } from "./message";
import type { Hl7Path, Hl7RepetitionSelector } from "./path";

/** One repetition of a field as written; `literal` for MSH-1 and MSH-2, which are neither split nor decoded. */
interface Repetition {
  readonly raw: string;
  readonly literal: boolean;
}

/**
 * The value a path points at: decoded, without surrounding white space (DICOM ignores it in LO values and a
 * UID never has any), "" when it is absent, empty, or the HL7 null `""`.
 */
export function selectHl7Value(msg: ParsedHl7, path: Hl7Path): string {
  const segment = findSegment(msg, path);
  if (!segment) return "";
  const repetition = pickRepetition(msg, repetitions(msg, segment, path.field), path.repetition);
  return repetition ? valueIn(msg, repetition, path.component, path.subcomponent) : "";
}

function findSegment(msg: ParsedHl7, path: Hl7Path): Hl7Segment | undefined {
  const sel = path.segmentSelector;
  let seen = 0;
  for (const segment of msg.segments) {
    if (segment.name !== path.segment) continue;
    if (sel.kind === "occurrence") {
      if (++seen === sel.occurrence) return segment;
    } else if (
      repetitions(msg, segment, sel.field).some((r) => valueIn(msg, r, sel.component, sel.subcomponent) === sel.equals)
    ) {
      return segment;
    }
  }
  return undefined;
}

/**
 * The value at field.component.subcomponent of the first repetition of that field in this segment, cleaned as
 * selectHl7Value cleans it ("" when absent).
 */
export function segmentValue(
  msg: ParsedHl7,
  segment: Hl7Segment,
  field: number,
  component?: number,
  subcomponent?: number,
): string {
  if (segment.name === "MSH" && field <= 2) {
    const first = repetitions(msg, segment, field)[0];
    return valueIn(msg, first, component, subcomponent);
  }
  // The first repetition, cut out rather than split from the others.
  const raw = rawField(msg, segment, field);
  return raw === ""
    ? ""
    : valueIn(msg, { raw: nth(raw, msg.delimiters.repetition, 1), literal: false }, component, subcomponent);
}

/** Field n of a segment as written, escapes and all ("" when absent). Not for MSH-1 and MSH-2. */
export function rawField(msg: ParsedHl7, segment: Hl7Segment, field: number): string {
  // A segment's text starts with the separator, so part n is field n; MSH counts its separator as field 1.
  return fieldsOf(segment, msg.delimiters.field)[segment.name === "MSH" ? field - 1 : field] ?? "";
}

/** The number of the segment's last field (written, empty or not); MSH counts its separator as MSH-1. */
export function lastField(msg: ParsedHl7, segment: Hl7Segment): number {
  return fieldsOf(segment, msg.delimiters.field).length - (segment.name === "MSH" ? 0 : 1);
}

/**
 * The last segment split at the field separator: a message is read field by field, a segment's fields one after
 * another (a header, a copied segment), so one entry serves nearly every read. A WeakMap of every segment ever read
 * cost more in garbage collection than the splits it saved.
 */
let lastSplit: { readonly segment: Hl7Segment; readonly separator: string; readonly parts: readonly string[] } = {
  segment: { name: "", text: "" },
  separator: "",
  parts: [],
};

function fieldsOf(segment: Hl7Segment, separator: string): readonly string[] {
  if (lastSplit.segment !== segment || lastSplit.separator !== separator) {
    lastSplit = { segment, separator, parts: segment.text.split(separator) };
  }
  return lastSplit.parts;
}

function repetitions(msg: ParsedHl7, segment: Hl7Segment, field: number): Repetition[] {
  const d = msg.delimiters;
  if (segment.name === "MSH" && field <= 2) {
    return [{ raw: field === 1 ? d.field : msg.encodingCharacters, literal: true }];
  }
  const raw = rawField(msg, segment, field);
  if (raw === "") return [];
  return (d.repetition === undefined ? [raw] : raw.split(d.repetition)).map((r) => ({ raw: r, literal: false }));
}

function pickRepetition(msg: ParsedHl7, reps: Repetition[], sel: Hl7RepetitionSelector): Repetition | undefined {
  if (sel.kind === "index") return reps[sel.repetition - 1];
  return reps.find(
    (r) =>
      (sel.on !== "authority" && valueIn(msg, r, 5) === sel.equals) ||
      (sel.on !== "type" && (valueIn(msg, r, 4, 1) === sel.equals || wholeHd(msg, r) === sel.equals)),
  );
}

/** CX.4 as an HD written with & between its subcomponents, whatever the message's own delimiter. */
function wholeHd(msg: ParsedHl7, r: Repetition): string {
  const parts = splitBy(component(msg, r.raw, 4), msg.delimiters.subcomponent).map((s) => clean(msg, s));
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts.join("&");
}

function valueIn(msg: ParsedHl7, r: Repetition, comp?: number, sub?: number): string {
  if (r.literal) return (comp ?? 1) === 1 && (sub ?? 1) === 1 ? r.raw : "";
  if (comp === undefined) return clean(msg, r.raw);
  const c = component(msg, r.raw, comp);
  if (sub === undefined) return clean(msg, c);
  return clean(msg, nth(c, msg.delimiters.subcomponent, sub));
}

function component(msg: ParsedHl7, raw: string, n: number): string {
  return nth(raw, msg.delimiters.component, n);
}

/** Piece n (from 1) of text split at `delimiter`, "" when there are fewer: text.split(delimiter)[n - 1], unsplit. */
function nth(text: string, delimiter: string | undefined, n: number): string {
  if (delimiter === undefined) return n === 1 ? text : "";
  let from = 0;
  for (let k = 1; k < n; k++) {
    const at = text.indexOf(delimiter, from);
    if (at < 0) return "";
    from = at + 1;
  }
  const end = text.indexOf(delimiter, from);
  return end < 0 ? text.slice(from) : text.slice(from, end);
}

function splitBy(text: string, delimiter: string | undefined): string[] {
  return delimiter === undefined ? [text] : text.split(delimiter);
}

function clean(msg: ParsedHl7, raw: string): string {
  const value = decodeHl7Escapes(raw, msg.delimiters).trim();
  return value === '""' ? "" : value;
}
