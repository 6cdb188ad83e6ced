/*
 * Splits an HL7 v2 message into segments and reads its delimiters; fields are split only when a path asks.
 *
 * Accepted input: a string, or a Buffer read as UTF-8 (ASCII included; the delimiters and the identifiers
 * we read are ASCII, so a message in ISO 8859-1 still parses, only its non-ASCII letters come out as U+FFFD).
 * A leading byte-order mark and MLLP framing (0x0B … 0x1C 0x0D) are removed. Segments end with CR, LF or
 * CRLF; empty lines are skipped. Reading stops at a second MSH: a payload holding several messages is read
 * as its first one.
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

export function parseHl7Message(message: string | Buffer): ParsedHl7 {
  let text: string;
  if (typeof message === "string") text = message;
  else if (Buffer.isBuffer(message)) text = message.toString("utf8");
  else throw notHl7("it is neither a string nor a Buffer");

  text = text.replace(/^\uFEFF/, "").replace(/^[\r\n \t]*/, "");
  if (text.startsWith(VT)) text = text.slice(1).replace(/^[\r\n]*/, "");
  const end = text.indexOf(FS);
  if (end >= 0) text = text.slice(0, end);

  if (!text.startsWith("MSH") || text.length < 5) throw notHl7("it does not start with an MSH segment");
  const field = text[3];
  const mshEnd = text.slice(4).search(/[\r\n]/);
  const msh = mshEnd < 0 ? text.slice(4) : text.slice(4, 4 + mshEnd);
  const sepAt = msh.indexOf(field);
  const encodingCharacters = sepAt < 0 ? msh : msh.slice(0, sepAt);
  const delimiters = readDelimiters(field, encodingCharacters);

  const segments: Hl7Segment[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line.trim() === "") continue;
    const sep = line.indexOf(field);
    const name = sep < 0 ? line : line.slice(0, sep);
    if (name === "MSH" && segments.length > 0) break;
    segments.push({ name, text: sep < 0 ? "" : line.slice(sep) });
  }
  return { delimiters, encodingCharacters, segments };
}

function readDelimiters(field: string, encoding: string): Hl7Delimiters {
  const all = field + encoding;
  // HL7 allows any printable non-alphanumeric character; anything else means this is not HL7 we can trust.
  if (
    encoding.length < 1 ||
    encoding.length > 5 ||
    new Set(all).size !== all.length ||
    /[A-Za-z0-9\x00-\x20\x7f]/.test(all)
  ) {
    throw notHl7("MSH-1 and MSH-2 do not hold valid delimiters");
  }
  const [component, repetition, escape, subcomponent, truncation] = encoding;
  return { field, component, repetition, escape, subcomponent, truncation };
}

function notHl7(why: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", `The message is not HL7 v2: ${why}`);
}
