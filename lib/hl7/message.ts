/*
 * Splits an HL7 v2 message into segments and reads its delimiters; fields are split only when a path asks.
 *
 * Accepted input: a string, or a Buffer read as UTF-8 (ASCII included; the delimiters and the identifiers
 * we read are ASCII, so a message in ISO 8859-1 still parses, only its non-ASCII letters come out as U+FFFD).
 * A leading byte-order mark and MLLP framing (0x0B … 0x1C 0x0D) are removed. Reading stops at a second MSH: a
 * payload holding several messages is read as its first one. Empty lines are skipped.
 *
 * Segment ends: the line end of the MSH segment decides. When MSH ends with CR (or CRLF), as HL7 sends it, segments
 * end with CR or CRLF and a bare LF is data: multi-line report text in an OBX-5 or NTE-3 keeps its lines and the
 * rest of its segment. When MSH ends with a bare LF (a file saved on Unix), LF, CRLF and CR all end segments.
 * Deciding by MSH rather than by "is there any CR" keeps a LF file with one stray CRLF line readable.
 */
import { SanteError } from "../errors";

export interface Hl7Delimiters {
  readonly field: string;
  readonly component?: string;
  readonly repetition?: string;
  readonly escape?: string;
  readonly subcomponent?: string;
  /** v2.7+: the fifth encoding character. */
  readonly truncation?: string;
}

export interface Hl7Segment {
  readonly name: string;
  /** The segment's text without its name: starts with the field separator, or is empty. */
  readonly text: string;
}

export interface ParsedHl7 {
  readonly delimiters: Hl7Delimiters;
  /** MSH-2 as written. */
  readonly encodingCharacters: string;
  readonly segments: readonly Hl7Segment[];
}

const VT = "\x0b";
const FS = "\x1c";

export interface ParseOptions {
  /** Only the MSH segment (a message's header; the rest is not even split): what a sender needs of what it sends. */
  readonly headerOnly?: boolean;
}

export function parseHl7Message(message: string | Buffer, options: ParseOptions = {}): ParsedHl7 {
  const text = unwrapHl7(message);
  if (!text.startsWith("MSH") || text.length < 5) throw notHl7("it does not start with an MSH segment");
  const field = text[3];
  const mshEnd = text.slice(4).search(/[\r\n]/);
  const msh = mshEnd < 0 ? text.slice(4) : text.slice(4, 4 + mshEnd);
  const sepAt = msh.indexOf(field);
  const encodingCharacters = sepAt < 0 ? msh : msh.slice(0, sepAt);
  const delimiters = hl7Delimiters(field, encodingCharacters);
  // The MSH is the first line whichever way segments end: it ends at the first CR or LF after MSH-1.
  if (options.headerOnly) return { delimiters, encodingCharacters, segments: [{ name: "MSH", text: field + msh }] };

  const crEnded = mshEnd >= 0 && text[4 + mshEnd] === "\r";
  const segments: Hl7Segment[] = [];
  for (const written of text.split(crEnded ? /\r\n|\r/ : /\r\n|\r|\n/)) {
    // A LF right after a segment end is a blank line, not data: no field comes before a segment's name.
    const line = crEnded ? written.replace(/^\n+/, "") : written;
    if (line.trim() === "") continue;
    const sep = line.indexOf(field);
    const name = sep < 0 ? line : line.slice(0, sep);
    if (name === "MSH" && segments.length > 0) break;
    segments.push({ name, text: sep < 0 ? "" : line.slice(sep) });
  }
  return { delimiters, encodingCharacters, segments };
}

/**
 * A message as text (parsed here) or already parsed (checked here: it may come from a flow, cloned or edited).
 * Throws SANTE_INVALID_INPUT for anything else.
 */
export function toParsedHl7(message: string | Buffer | ParsedHl7): ParsedHl7 {
  if (typeof message === "string" || Buffer.isBuffer(message)) return parseHl7Message(message);
  const m = message as Partial<ParsedHl7> | null;
  if (
    typeof m !== "object" ||
    m === null ||
    !Array.isArray(m.segments) ||
    (m.segments[0] as Partial<Hl7Segment> | undefined)?.name !== "MSH" ||
    !m.segments.every((s: Partial<Hl7Segment> | null) => typeof s?.name === "string" && typeof s.text === "string") ||
    typeof m.encodingCharacters !== "string" ||
    typeof m.delimiters?.field !== "string"
  ) {
    throw notHl7("it is neither a string, a Buffer nor a parsed message");
  }
  // The delimiters must be what MSH-1 and MSH-2 say, or the fields would be split at the wrong characters.
  const delimiters = hl7Delimiters(m.delimiters.field, m.encodingCharacters);
  return { delimiters, encodingCharacters: m.encodingCharacters, segments: m.segments };
}

/** The message's text without a byte-order mark, leading blank lines, MLLP framing or anything after 0x1C. */
export function unwrapHl7(message: string | Buffer): string {
  let text: string;
  if (typeof message === "string") text = message;
  else if (Buffer.isBuffer(message)) text = message.toString("utf8");
  else throw notHl7("it is neither a string nor a Buffer");

  text = text.replace(/^\uFEFF/, "").replace(/^[\r\n \t]*/, "");
  if (text.startsWith(VT)) text = text.slice(1).replace(/^[\r\n]*/, "");
  const end = text.indexOf(FS);
  return end >= 0 ? text.slice(0, end) : text;
}

/**
 * MSH-1 + MSH-2 strings already found valid: a site's feeds use one or two sets (nearly always |^~\&), and every
 * message read or written checks its set. Bounded, so that odd input cannot grow it.
 */
const validDelimiters = new Set<string>();
const KNOWN_DELIMITERS = 32;

/**
 * The delimiters of MSH-1 (field) and MSH-2 (encoding characters, 1 to 5); throws SANTE_INVALID_INPUT when they
 * are not distinct printable non-alphanumeric characters.
 */
export function hl7Delimiters(field: string, encoding: string): Hl7Delimiters {
  const all = field + encoding;
  if (!validDelimiters.has(all)) {
    // HL7 allows any printable non-alphanumeric character; anything else means this is not HL7 we can trust.
    if (
      field.length !== 1 ||
      encoding.length < 1 ||
      encoding.length > 5 ||
      new Set(all).size !== all.length ||
      /[A-Za-z0-9\x00-\x20\x7f]/.test(all)
    ) {
      throw notHl7("MSH-1 and MSH-2 do not hold valid delimiters");
    }
    if (validDelimiters.size < KNOWN_DELIMITERS) validDelimiters.add(all);
  }
  const [component, repetition, escape, subcomponent, truncation] = encoding;
  return { field, component, repetition, escape, subcomponent, truncation };
}

function notHl7(why: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", `The message is not HL7 v2: ${why}`);
}
