/*
 * HL7 v2 escape sequences (v2.x chapter 2, "Use of escape sequences in text fields"), shown here with the
 * usual escape character \ (a message may choose another in MSH-2):
 *   \F\ \S\ \T\ \R\ \E\ \P\   the field, component, subcomponent, repetition, escape and truncation characters
 *   \Xhh…\                    bytes in hex, read as UTF-8 (as ISO 8859-1 when they are not valid UTF-8)
 *   \.br\ \.sp…\              a line break
 *   \H\ \N\ \.xx…\            other formatting (highlighting, indents, centring…): dropped, the text stays
 *   \Cxxyy\ \Mxxyyzz\ \Z…\    character-set switches and locally defined escapes: dropped
 * A sequence that is none of these, or that is not closed, is kept as it stands, so no text is lost.
 *
 * Writing (escapeHl7Text) is the one place where text becomes HL7: every value our builder writes passes here.
 */
import { SanteError } from "../errors";
import type { Hl7Delimiters } from "./message";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeHl7Escapes(text: string, d: Hl7Delimiters): string {
  const esc = d.escape;
  if (esc === undefined || !text.includes(esc)) return text;
  let out = "";
  let at = 0;
  for (;;) {
    const open = text.indexOf(esc, at);
    if (open < 0) break;
    const close = text.indexOf(esc, open + 1);
    if (close < 0) break;
    const replaced = replacement(text.slice(open + 1, close), d);
    if (replaced === undefined) {
      // Not an escape sequence: keep its first escape character and look again from the second.
      out += text.slice(at, close);
      at = close;
      continue;
    }
    out += text.slice(at, open) + replaced;
    at = close + 1;
  }
  return out + text.slice(at);
}

function replacement(body: string, d: Hl7Delimiters): string | undefined {
  switch (body) {
    case "F":
      return d.field;
    case "S":
      return d.component;
    case "T":
      return d.subcomponent;
    case "R":
      return d.repetition;
    case "E":
      return d.escape;
    case "P":
      return d.truncation;
    case "H":
    case "N":
      return "";
  }
  if (body.startsWith("."))
    return /^\.(br|sp[0-9+-]*)$/i.test(body) ? "\n" : /^\.[a-z]{2}/i.test(body) ? "" : undefined;
  if (/^X(?:[0-9A-Fa-f]{2})+$/.test(body)) return hexText(body.slice(1));
  if (/^(?:C[0-9A-Fa-f]{4}|M[0-9A-Fa-f]{4}(?:[0-9A-Fa-f]{2})?|Z.*)$/.test(body)) return "";
  return undefined;
}

function hexText(hex: string): string {
  const bytes = Buffer.from(hex, "hex");
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString("latin1");
  }
}

/**
 * Text as it may stand in one subcomponent of a message with these delimiters, so that no input can end the value,
 * add a field, component, repetition, subcomponent or segment, or start or end an MLLP frame:
 *   field, component, subcomponent, repetition and escape characters → \F\ \S\ \T\ \R\ \E\;
 *   control characters (U+0000–U+001F: CR, LF, TAB, the MLLP bytes 0x0B and 0x1C…) and DEL → \Xhh\, one sequence
 *   per character.
 * Why \Xhh\ rather than \.br\ for line breaks: \.br\ is defined only for formatted text (FT), reads back as a
 * line break of the reader's choosing (ours and python-hl7 disagree: LF vs CR) and says nothing about a TAB or a
 * 0x1C; \Xhh\ is defined for every text type and gives the exact character back (ours, python-hl7). Readers that
 * leave \X…\ undecoded (HAPI) show the sequence as text, which is still never a segment end.
 * The truncation character (v2.7 MSH-2's fifth) is not escaped: HAPI writes it as it is too, and inside a value it
 * is data to every reader we know of.
 * Throws SANTE_INVALID_INPUT when the delimiters have no escape character and the text needs escaping.
 */
export function escapeHl7Text(text: string, d: Hl7Delimiters): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const name = escapeName(ch, d);
    if (name === undefined) continue;
    const esc = d.escape;
    if (esc === undefined) {
      throw new SanteError(
        "SANTE_INVALID_INPUT",
        "A value holds a delimiter or control character, and the message has no escape character (MSH-2) to write it",
      );
    }
    out += text.slice(from, i) + esc + name + esc;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

function escapeName(ch: string, d: Hl7Delimiters): string | undefined {
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `X${code.toString(16).toUpperCase().padStart(2, "0")}`;
  switch (ch) {
    case d.escape:
      return "E";
    case d.field:
      return "F";
    case d.component:
      return "S";
    case d.subcomponent:
      return "T";
    case d.repetition:
      return "R";
  }
  return undefined;
}
