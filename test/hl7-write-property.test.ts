import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  buildAck,
  buildResultMessage,
  copyField,
  decodeHl7Escapes,
  escapeHl7Text,
  parseHl7Message,
  readHl7,
  readHl7Header,
  writeDelimiters,
  writeHl7Field,
  writeHl7Message,
  writeHl7Segment,
  type Hl7Field,
  type Hl7Repetition,
  type Hl7SegmentValues,
  type Hl7WriteDelimiters,
} from "../lib/hl7";

/** Delimiters a message may choose (printable, not alphanumeric). */
const DELIMITER_POOL = ["|", "^", "~", "\\", "&", "$", "%", "*", "#", "!", "@", "+", "/", ":", ";", "?"];

const delimiters: fc.Arbitrary<Hl7WriteDelimiters> = fc
  .shuffledSubarray(DELIMITER_POOL, { minLength: 5, maxLength: 5 })
  .map(([field, component, repetition, escape, subcomponent]) =>
    writeDelimiters({ field, component, repetition, escape, subcomponent }),
  );

/**
 * Hostile text: every delimiter of the pool, the characters that end segments or MLLP frames, other control
 * characters, text that looks like escape sequences or a segment start, and any Unicode.
 */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...DELIMITER_POOL),
    fc.constantFrom("\r", "\n", "\x0b", "\x1c", "\x00", "\t", "\x7f", " ", '"'),
    fc.constantFrom("\\X0D\\", "\\.br\\", "\\F\\", "MSH|^~\\&|", "\rPID|1", "\\H\\"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 2 }),
  ),
  maxLength: 30,
});

const encodingOf = (d: Hl7WriteDelimiters) => d.component + d.repetition + d.escape + d.subcomponent;

/** What our reader gives back for a value: trimmed, and the HL7 null "" is no value. */
function expected(value: string): string {
  const t = value.trim();
  return t === '""' ? "" : t;
}

function readOrEmpty(message: string, path: string): string {
  try {
    return readHl7(message, path);
  } catch (err) {
    if (err instanceof Error && /^No value at /.test(err.message)) return "";
    throw err;
  }
}

/** Where a value goes in a generated message. */
const placement = fc.record({
  d: delimiters,
  segment: fc.constantFrom("PID", "OBX", "NTE", "ZDS"),
  before: fc.array(fc.constantFrom("EVN", "PV1", "ORC"), { maxLength: 3 }),
  field: fc.integer({ min: 1, max: 8 }),
  repetition: fc.integer({ min: 1, max: 3 }),
  component: fc.integer({ min: 1, max: 4 }),
  subcomponent: fc.integer({ min: 1, max: 3 }),
  neighbours: fc.array(hostile, { minLength: 6, maxLength: 6 }),
});
type Placement = typeof placement extends fc.Arbitrary<infer T> ? T : never;

/** The field tree with `value` at the placed repetition/component/subcomponent and hostile neighbours around it. */
function fieldWith(p: Placement, value: string): Hl7Field {
  const n = p.neighbours;
  const subs = Array.from({ length: p.subcomponent + 1 }, (_, i) => (i === p.subcomponent - 1 ? value : n[i % 6]));
  const comps = Array.from({ length: p.component + 1 }, (_, i) => (i === p.component - 1 ? subs : n[(i + 2) % 6]));
  const reps: Hl7Repetition[] = Array.from({ length: p.repetition + 1 }, (_, i) =>
    i === p.repetition - 1 ? comps : n[(i + 4) % 6],
  );
  return { repeat: reps };
}

function messageWith(p: Placement, value: string): { text: string; segments: Hl7SegmentValues[] } {
  const fields: Record<number, Hl7Field> = {};
  for (let f = 1; f <= p.field + 1; f++) fields[f] = f === p.field ? fieldWith(p, value) : p.neighbours[f % 6];
  const segments: Hl7SegmentValues[] = [
    { name: "MSH", fields: { 3: p.neighbours[0], 9: ["ADT", "A08"], 10: p.neighbours[1], 12: "2.5.1" } },
    ...p.before.map((name) => ({ name, fields: { 1: p.neighbours[2], 2: p.neighbours[3] } })),
    { name: p.segment, fields },
  ];
  return { text: writeHl7Message(segments, p.d), segments };
}

const pathOf = (p: Placement) => `${p.segment}-${p.field}[${p.repetition}].${p.component}.${p.subcomponent}`;

describe("HL7 writing properties", () => {
  it("any value written by the builder reads back equal at its path, whatever it holds", () => {
    fc.assert(
      fc.property(placement, hostile, (p, value) => {
        const { text } = messageWith(p, value);
        assert.equal(readOrEmpty(text, pathOf(p)), expected(value));
      }),
      { numRuns: 500 },
    );
  });

  it("no value adds a segment, field, repetition, component or subcomponent", () => {
    fc.assert(
      fc.property(placement, hostile, (p, value) => {
        const { text, segments } = messageWith(p, value);
        const d = p.d;
        const parsed = parseHl7Message(text);
        assert.deepEqual(
          parsed.segments.map((s) => s.name),
          segments.map((s) => s.name),
        );
        assert.equal(text.split("\r").length, segments.length + 1, "one CR per segment, nothing else");
        assert.ok(!/[\n\x0b\x1c]/.test(text), "no LF or MLLP byte anywhere");
        const target = parsed.segments[parsed.segments.length - 1];
        const fields = target.text.split(d.field).slice(1);
        assert.ok(fields.length <= p.field + 1, "fields");
        const reps = (fields[p.field - 1] ?? "").split(d.repetition);
        assert.ok(reps.length <= p.repetition + 1, "repetitions");
        const comps = (reps[p.repetition - 1] ?? "").split(d.component);
        assert.ok(comps.length <= p.component + 1, "components");
        assert.ok((comps[p.component - 1] ?? "").split(d.subcomponent).length <= p.subcomponent + 1, "subcomponents");
      }),
      { numRuns: 500 },
    );
  });

  it("a copied field is written again exactly, and reads the same under other delimiters", () => {
    fc.assert(
      fc.property(placement, delimiters, hostile, (p, other, value) => {
        const { text } = messageWith(p, value);
        const parsed = parseHl7Message(text);
        const target = parsed.segments[parsed.segments.length - 1];
        const copy = copyField(parsed, target, p.field);
        assert.equal(writeHl7Field(copy, p.d), target.text.split(p.d.field)[p.field], "same delimiters: same text");
        const again = writeHl7Message(
          [
            { name: "MSH", fields: { 10: "X" } },
            { name: p.segment, fields: { [p.field]: copy } },
          ],
          other,
        );
        assert.equal(readOrEmpty(again, pathOf(p)), expected(value));
      }),
      { numRuns: 300 },
    );
  });

  it("a segment is written as the plain reading of its tree: map, join, trailing empty parts cut at every level", () => {
    const trim = (parts: string[], separator: string, keep = 0) => {
      let end = parts.length;
      while (end > keep && parts[end - 1] === "") end--;
      return parts.slice(0, end).join(separator);
    };
    const leafOf = (v: string | undefined, d: Hl7WriteDelimiters) => (v === undefined ? "" : escapeHl7Text(v, d));
    const repOf = (r: Hl7Repetition, d: Hl7WriteDelimiters) =>
      Array.isArray(r)
        ? trim(
            r.map((c: string | readonly string[]) =>
              Array.isArray(c)
                ? trim(
                    c.map((x: string) => leafOf(x, d)),
                    d.subcomponent,
                  )
                : leafOf(c as string, d),
            ),
            d.component,
          )
        : leafOf(r as string, d);
    const reference = (fields: Record<number, Hl7Field>, d: Hl7WriteDelimiters) => {
      const parts = ["PID"];
      for (const [k, v] of Object.entries(fields)) {
        const reps = v === undefined || v === null ? [] : typeof v === "object" && "repeat" in v ? v.repeat : [v];
        parts[Number(k)] = trim(
          reps.map((r) => repOf(r, d)),
          d.repetition,
        );
      }
      return trim(
        Array.from(parts, (p) => p ?? ""),
        d.field,
        1,
      );
    };
    const text = fc.oneof(hostile, fc.constant(""), fc.constant(undefined));
    const component = fc.oneof(text, fc.array(text, { maxLength: 3 }));
    const repetition = fc.oneof(text, fc.array(component, { maxLength: 4 }));
    const field = fc.oneof(repetition, fc.record({ repeat: fc.array(repetition, { maxLength: 3 }) }));
    fc.assert(
      fc.property(delimiters, fc.dictionary(fc.integer({ min: 1, max: 30 }).map(String), field), (d, fields) => {
        const values = fields as unknown as Record<number, Hl7Field>;
        assert.equal(writeHl7Segment({ name: "PID", fields: values }, d), reference(values, d));
      }),
      { numRuns: 2000 },
    );
  });

  it("a copied field is the tree of its text split at every delimiter and decoded, whatever its shape", () => {
    // The plain reading copyField must equal, however it gets there: split all the way down, decode each leaf, a
    // single part stands for itself.
    const reference = (raw: string, d: Hl7WriteDelimiters): Hl7Field => {
      if (raw === "") return undefined;
      const reps = raw.split(d.repetition).map((r): Hl7Repetition => {
        const comps = r.split(d.component).map((c) => {
          const subs = c.split(d.subcomponent).map((s) => decodeHl7Escapes(s, d));
          return subs.length === 1 ? subs[0] : subs;
        });
        return comps.length === 1 && typeof comps[0] === "string" ? comps[0] : comps;
      });
      return reps.length === 1 ? reps[0] : { repeat: reps };
    };
    const rawField = (d: Hl7WriteDelimiters) =>
      fc
        .array(fc.constantFrom(d.component, d.repetition, d.subcomponent, d.escape, "T", "X0D", "A", "é", " ", '"'), {
          maxLength: 12,
        })
        .map((parts) => parts.join(""));
    fc.assert(
      fc.property(
        delimiters.chain((d) => fc.tuple(fc.constant(d), rawField(d))),
        ([d, raw]) => {
          const parsed = parseHl7Message(`MSH${d.field}${encodingOf(d)}${d.field}X\rPID${d.field}${raw}${d.field}Z`);
          assert.deepEqual(copyField(parsed, parsed.segments[1], 1), reference(raw, d));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("an ACK of any message has MSH and MSA (and ERR) only, MSA-2 = its MSH-10, the sender's names swapped", () => {
    const names = fc.array(hostile, { minLength: 5, maxLength: 5 });
    fc.assert(
      fc.property(delimiters, names, fc.constantFrom("AA", "AE", "AR", "CA", "CE", "CR" as const), (d, n, code) => {
        const received = writeHl7Message(
          [
            { name: "MSH", fields: { 3: n[0], 4: n[1], 5: n[2], 6: n[3], 9: ["ORM", "O01"], 10: n[4], 12: "2.3" } },
            { name: "PID", fields: { 3: n[0] } },
          ],
          d,
        );
        const ack = buildAck(received, code, { error: { code: "SANTE_NOT_FOUND", message: n[4] } });
        const want = code === "AA" || code === "CA" ? ["MSH", "MSA"] : ["MSH", "MSA", "ERR"];
        assert.deepEqual(
          parseHl7Message(ack).segments.map((s) => s.name),
          want,
        );
        assert.equal(ack.split("\r").length, want.length + 1);
        assert.equal(readOrEmpty(ack, "MSA-1"), code);
        assert.equal(readOrEmpty(ack, "MSA-2"), readHl7Header(received).controlId);
        assert.equal(readOrEmpty(ack, "MSH-3.1"), readOrEmpty(received, "MSH-5.1"));
        assert.equal(readOrEmpty(ack, "MSH-5.1"), readOrEmpty(received, "MSH-3.1"));
        assert.equal(readOrEmpty(ack, "MSH-2"), readOrEmpty(received, "MSH-2"));
      }),
      { numRuns: 300 },
    );
  });

  it("a result message from any order has its fixed segments only, and carries the link and the order numbers", () => {
    const uid = fc
      .array(fc.integer({ min: 0, max: 99999 }), { minLength: 2, maxLength: 8 })
      .map((parts) => parts.join("."));
    const url = hostile.filter((s) => s.trim() !== "").map((s) => `sante://download?url=pacs:3000&ssl=no&token=${s}`);
    const values = fc.array(hostile, { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(delimiters, uid, url, values, (d, studyInstanceUid, link, v) => {
        const order = writeHl7Message(
          [
            { name: "MSH", fields: { 3: v[0], 9: ["ORM", "O01"], 10: v[1], 12: "2.3" } },
            { name: "PID", fields: { 3: [v[2], "", "", "HOSP", "MR"], 5: [v[3], v[0]] } },
            { name: "ORC", fields: { 1: "NW", 2: v[1], 3: v[2] } },
            { name: "OBR", fields: { 1: "1", 2: v[1], 4: [v[3], v[0]], 18: v[2] } },
            { name: "ZDS", fields: { 1: [studyInstanceUid, "", "Application", "DICOM"] } },
          ],
          d,
        );
        const result = buildResultMessage(order, { studyInstanceUid, url: link });
        assert.deepEqual(
          parseHl7Message(result).segments.map((s) => s.name),
          ["MSH", "PID", "PV1", "ORC", "TQ1", "OBR", "OBX", "OBX"],
        );
        assert.equal(result.split("\r").length, 9);
        assert.equal(readOrEmpty(result, "OBX[2]-5.1"), link.trim());
        assert.equal(readOrEmpty(result, "OBX[1]-5"), studyInstanceUid);
        assert.equal(readOrEmpty(result, "ORC-2"), expected(v[1]));
        assert.equal(readOrEmpty(result, "OBR-3"), expected(v[2]));
        assert.equal(readOrEmpty(result, "OBR-18"), expected(v[2]));
        assert.equal(readOrEmpty(result, "PID-3.1"), expected(v[2]));
        assert.equal(readOrEmpty(result, "PID-5.2"), expected(v[0]));
        assert.equal(readOrEmpty(result, "MSH-5"), readOrEmpty(order, "MSH-3"));
      }),
      { numRuns: 300 },
    );
  });
});
