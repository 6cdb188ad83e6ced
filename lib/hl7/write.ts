/*
 * Writes HL7 v2 messages from values, never from pieces of HL7 text: every string is escaped (escape.ts) and every
 * separator is placed here, so a value from outside cannot add a segment, field, repetition, component or
 * subcomponent, whatever it holds.
 *
 * A field is written from a tree: a string is one component; an array is its components, each a string or an
 * array of subcomponents; { repeat: [...] } is several repetitions. Trailing empty parts are left out at every level
 * (`PID|1||X` rather than `PID|1||X^^^|||`), which every reader reads the same.
 */
import { SanteError } from "../errors";
import { escapeHl7Text } from "./escape";
import { hl7Delimiters, type Hl7Delimiters } from "./message";

/** A component: its text, or its subcomponents. */
export type Hl7Component = string | readonly string[];
/** One repetition of a field: its text (the first component alone), or its components. */
export type Hl7Repetition = string | readonly Hl7Component[];
/** Several repetitions of a field. */
export interface Hl7Repeated {
  readonly repeat: readonly Hl7Repetition[];
}
/** A field's value; undefined, null and "" leave it empty. */
export type Hl7Field = Hl7Repetition | Hl7Repeated | null | undefined;
/** A segment's fields by HL7 field number (PID-3 is `3`). For MSH, 1 and 2 come from the delimiters. */
export type Hl7Fields = Readonly<Record<number, Hl7Field>>;

export interface Hl7SegmentValues {
  /** Three upper-case letters or digits, the first a letter: `PID`, `OBX`, `ZDS`. */
  readonly name: string;
  readonly fields: Hl7Fields;
}

/** Delimiters with every encoding character present, as a message we write needs them. */
export interface Hl7WriteDelimiters extends Hl7Delimiters {
  readonly component: string;
  readonly repetition: string;
  readonly escape: string;
  readonly subcomponent: string;
}

export const STANDARD_DELIMITERS: Hl7WriteDelimiters = {
  field: "|",
  component: "^",
  repetition: "~",
  escape: "\\",
  subcomponent: "&",
};

const SPARE = ["^", "~", "\\", "&", "$", "%", "*", "!", "@", "+", "/", ":", ";", "?"];
const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;
// HL7 numbers fields up to 999 at most in any segment; a larger key is a mistake, not a field.
const MAX_FIELD = 999;

/**
 * Delimiters to write a message with, from those of a message received: its own characters where it has them (so
 * a reply reads like the message it answers), standard or spare ones for any it lacks (a message with MSH-2 `^~`
 * has no escape character, and we cannot write safely without one). `withTruncation: false` drops the v2.7 fifth
 * encoding character, for a message of an earlier version.
 * Throws SANTE_INVALID_INPUT when the given delimiters are not valid HL7 delimiters.
 */
export function writeDelimiters(d: Hl7Delimiters = STANDARD_DELIMITERS, withTruncation = true): Hl7WriteDelimiters {
  if (typeof d !== "object" || d === null || typeof d.field !== "string") {
    throw new SanteError("SANTE_INVALID_INPUT", "HL7 delimiters need at least a field separator");
  }
  const used = new Set([d.field, d.component, d.repetition, d.escape, d.subcomponent, d.truncation]);
  const pick = (own: string | undefined, standard: string): string => {
    if (own !== undefined) return own;
    const spare = [standard, ...SPARE].find((c) => !used.has(c)) as string; // 14 spares, at most 6 used
    used.add(spare);
    return spare;
  };
  const out: Hl7WriteDelimiters = {
    field: d.field,
    component: pick(d.component, "^"),
    repetition: pick(d.repetition, "~"),
    escape: pick(d.escape, "\\"),
    subcomponent: pick(d.subcomponent, "&"),
    ...(withTruncation && d.truncation !== undefined ? { truncation: d.truncation } : {}),
  };
  hl7Delimiters(out.field, encodingCharacters(out)); // distinct, printable, not alphanumeric
  return out;
}

/** MSH-2 for these delimiters. */
export function encodingCharacters(d: Hl7WriteDelimiters): string {
  return d.component + d.repetition + d.escape + d.subcomponent + (d.truncation ?? "");
}

/** One field as it stands between two field separators. */
export function writeHl7Field(value: Hl7Field, d: Hl7WriteDelimiters): string {
  if (value === undefined || value === null) return "";
  return isRepeated(value) ? joinWritten(value.repeat, d.repetition, writeRepetition, d) : writeRepetition(value, d);
}

/** One segment, without its terminating CR. For MSH, fields 1 and 2 are written from the delimiters. */
export function writeHl7Segment(segment: Hl7SegmentValues, d: Hl7WriteDelimiters): string {
  const { name, fields } = segment;
  if (typeof name !== "string" || !SEGMENT_NAME.test(name)) {
    throw new SanteError("SANTE_INVALID_INPUT", "A segment name is three upper-case letters or digits, e.g. PID");
  }
  if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
    // An array would number fields from 0 and silently shift every field by one.
    throw new SanteError("SANTE_INVALID_INPUT", `The fields of ${name} are an object keyed by field number`);
  }
  const isMsh = name === "MSH";
  // parts[i] is field i; in MSH the separator after the name is MSH-1, so parts[i] is MSH-(i+1).
  const parts: string[] = [name];
  for (const key of Object.keys(fields)) {
    const n = Number(key);
    if (!Number.isInteger(n) || n < 1 || n > MAX_FIELD || (isMsh && n <= 2)) {
      const why = isMsh && n >= 1 && n <= 2 ? " (MSH-1 and MSH-2 come from the delimiters)" : "";
      throw new SanteError("SANTE_INVALID_INPUT", `${name} has no field ${key} to write${why}`);
    }
    parts[isMsh ? n - 1 : n] = writeHl7Field((fields as Readonly<Record<string, Hl7Field>>)[key], d);
  }
  if (isMsh) parts[1] = encodingCharacters(d); // as it is: never escaped
  // Fields left out (holes) are empty; trailing empty ones are not written (MSH-2, the encoding characters, never
  // is). parts[0], the name, is never empty.
  return joinWritten(parts, d.field, (part: string | undefined) => part ?? "", d);
}

/**
 * A whole message: its segments, each ended by CR (HL7's segment terminator; no LF), MSH first.
 * Throws SANTE_INVALID_INPUT when the first segment is not MSH, a later one is, or a segment name or field number
 * is not valid; never because of what a value holds.
 */
export function writeHl7Message(segments: readonly Hl7SegmentValues[], d: Hl7WriteDelimiters): string {
  if (segments.length === 0 || segments[0].name !== "MSH" || segments.slice(1).some((s) => s.name === "MSH")) {
    throw new SanteError("SANTE_INVALID_INPUT", "A message has one MSH segment, and it comes first");
  }
  const checked = writeDelimiters(d);
  return segments.map((s) => writeHl7Segment(s, checked) + "\r").join("");
}

function writeRepetition(r: Hl7Repetition, d: Hl7WriteDelimiters): string {
  return Array.isArray(r) ? joinWritten(r, d.component, writeComponent, d) : leaf(r, d);
}

function writeComponent(c: Hl7Component, d: Hl7WriteDelimiters): string {
  return Array.isArray(c) ? joinWritten(c, d.subcomponent, leaf, d) : leaf(c, d);
}

/** A value's text, escaped. Numbers and booleans (from a flow's JSON) are written as text; anything else is refused. */
function leaf(value: unknown, d: Hl7WriteDelimiters): string {
  if (typeof value === "string") return escapeHl7Text(value, d);
  if (value === undefined || value === null) return "";
  if (typeof value === "number" || typeof value === "boolean") return escapeHl7Text(String(value), d);
  throw new SanteError("SANTE_INVALID_INPUT", "An HL7 value is text, a number, an array of them, or { repeat: [...] }");
}

/**
 * The parts, each written by `write`, joined by the separator, without trailing empty ones: what
 * parts.map(write).join(separator) gives with its trailing separators cut, without the arrays.
 */
function joinWritten<T>(
  parts: readonly T[],
  separator: string,
  write: (part: T, d: Hl7WriteDelimiters) => string,
  d: Hl7WriteDelimiters,
): string {
  let out = "";
  let owed = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) owed++;
    const text = write(parts[i], d);
    if (text !== "") {
      out += separators(separator, owed) + text;
      owed = 0;
    }
  }
  return out;
}

function separators(separator: string, count: number): string {
  return count === 0 ? "" : count === 1 ? separator : separator.repeat(count);
}

function isRepeated(value: Exclude<Hl7Field, null | undefined>): value is Hl7Repeated {
  return typeof value === "object" && !Array.isArray(value) && Array.isArray((value as Hl7Repeated).repeat);
}
