/*
 * HL7 v2 escape sequences (v2.x chapter 2, "Use of escape sequences in text fields"), shown here with the
 * usual escape character \ (a message may choose another in MSH-2):
 *   \F\ \S\ \T\ \R\ \E\ \P\   the field, component, subcomponent, repetition, escape and truncation characters
 *   \Xhh…\                    bytes in hex, read as UTF-8 (as ISO 8859-1 when they are not valid UTF-8)
 *   \.br\ \.sp…\              a line break
 *   \H\ \N\ \.xx…\            other formatting (highlighting, indents, centring…): dropped, the text stays
 *   \Cxxyy\ \Mxxyyzz\ \Z…\    character-set switches and locally defined escapes: dropped
 * A sequence that is none of these, or that is not closed, is kept as it stands, so no text is lost.
 */
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
