/*
 * Copying fields of a received message into one we write. Text is never copied as it stands: the field is split
 * at the received message's own delimiters into repetitions, components and subcomponents, each part decoded, and
 * the tree is written again by write.ts with the new message's delimiters. So the copy has exactly the structure
 * of the original, whatever delimiters either message uses, and a bare LF or stray escape character in the
 * original comes out escaped.
 * Formatting escapes are not kept as such: \.br\ arrives as a line break and leaves as \X0A\, \H\ and \N\ are
 * dropped (escape.ts). The HL7 null "" is copied as it is.
 */
import { decodeHl7Escapes } from "./escape";
import type { Hl7Delimiters, Hl7Segment, ParsedHl7 } from "./message";
import { lastField, rawField } from "./select";
import type { Hl7Component, Hl7Field, Hl7Repetition, Hl7SegmentValues } from "./write";

/** Field n of a segment as a tree of decoded values (undefined when empty). MSH-1 and MSH-2 are not data. */
export function copyField(msg: ParsedHl7, segment: Hl7Segment, n: number): Hl7Field {
  if (segment.name === "MSH" && n <= 2) return undefined;
  const raw = rawField(msg, segment, n);
  if (raw === "") return undefined;
  const d = msg.delimiters;
  if (!has(raw, d.repetition)) return repetition(raw, d);
  return { repeat: raw.split(d.repetition as string).map((r) => repetition(r, d)) };
}

/** A whole segment, every field copied as copyField copies it; `overrides` replace fields by number. */
export function copySegment(
  msg: ParsedHl7,
  segment: Hl7Segment,
  overrides: Readonly<Record<number, Hl7Field>> = {},
): Hl7SegmentValues {
  const count = lastField(msg, segment);
  const fields: Record<number, Hl7Field> = {};
  for (let n = segment.name === "MSH" ? 3 : 1; n <= count; n++) {
    const value = copyField(msg, segment, n);
    if (value !== undefined) fields[n] = value;
  }
  return { name: segment.name, fields: { ...fields, ...overrides } };
}

function repetition(raw: string, d: Hl7Delimiters): Hl7Repetition {
  // Most values are one component, often plain text: nothing to split.
  if (!has(raw, d.component)) {
    const only = component(raw, d);
    return typeof only === "string" ? only : [only];
  }
  return raw.split(d.component as string).map((c) => component(c, d));
}

function component(raw: string, d: Hl7Delimiters): Hl7Component {
  if (!has(raw, d.subcomponent)) return decodeHl7Escapes(raw, d);
  return raw.split(d.subcomponent as string).map((s) => decodeHl7Escapes(s, d));
}

function has(text: string, delimiter: string | undefined): boolean {
  return delimiter !== undefined && text.includes(delimiter);
}
