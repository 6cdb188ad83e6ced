import { strict as assert } from "node:assert";
import fc from "fast-check";
import { isSanteError } from "../lib/errors";
import { readHl7 } from "../lib/hl7";

/** Delimiters a message may choose: printable, not alphanumeric, and none of the characters our values use. */
const DELIMITER_POOL = ["|", "^", "~", "\\", "&", "$", "%", "*", "#", "!", "@", "+", "/", ":", ";", "?"];

interface Delims {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

const delimiters: fc.Arbitrary<Delims> = fc
  .shuffledSubarray(DELIMITER_POOL, { minLength: 5, maxLength: 5 })
  .map(([field, component, repetition, escape, subcomponent]) => ({
    field,
    component,
    repetition,
    escape,
    subcomponent,
  }));

/** A value as an identifier might be: no delimiter, no surrounding space. */
const plainValue = fc.stringMatching(/^[A-Za-z0-9._-](?:[A-Za-z0-9. _-]{0,30}[A-Za-z0-9._-])?$/);

/** HL7-escapes text the way a sender would (v2.x 2.7: the escape character first). */
function escapeHl7(text: string, d: Delims): string {
  const names = new Map([
    [d.escape, "E"],
    [d.field, "F"],
    [d.component, "S"],
    [d.subcomponent, "T"],
    [d.repetition, "R"],
  ]);
  return Array.from(text, (ch) => {
    const name = names.get(ch);
    return name === undefined ? ch : `${d.escape}${name}${d.escape}`;
  }).join("");
}

/** Where the value goes, and the message around it. */
const placement = fc.record({
  d: delimiters,
  segment: fc.constantFrom("PID", "OBX", "ZDS", "IPC", "Z01"),
  occurrence: fc.integer({ min: 1, max: 3 }),
  field: fc.integer({ min: 1, max: 12 }),
  repetition: fc.integer({ min: 1, max: 3 }),
  component: fc.integer({ min: 1, max: 5 }),
  subcomponent: fc.integer({ min: 1, max: 3 }),
  /** Extra repetitions, components and subcomponents after the value's own, so it is not always the last. */
  trailing: fc.integer({ min: 0, max: 2 }),
  otherSegments: fc.array(fc.constantFrom("EVN", "PV1", "ORC", "OBR", "NTE"), { maxLength: 4 }),
  lineEnd: fc.constantFrom("\r", "\n", "\r\n"),
  framed: fc.boolean(),
  asBuffer: fc.boolean(),
  shortPath: fc.boolean(),
});
type Placement = typeof placement extends fc.Arbitrary<infer T> ? T : never;

/** A message with `raw` (already escaped) at the placed position, and a distinct filler everywhere else. */
function buildMessage(p: Placement, raw: string): string | Buffer {
  const { d } = p;
  let filler = 0;
  const fill = () => `F${++filler}X`;
  /** n parts, `make(true)` at 1-based position `at` when `target`, `make(false)` elsewhere. */
  const parts = (n: number, at: number, target: boolean, make: (here: boolean) => string) =>
    Array.from({ length: n + p.trailing }, (_, i) => make(target && i === at - 1));
  const sub = (target: boolean) =>
    parts(p.subcomponent, p.subcomponent, target, (here) => (here ? raw : fill())).join(d.subcomponent);
  const comp = (target: boolean) => parts(p.component, p.component, target, sub).join(d.component);
  const rep = (target: boolean) => parts(p.repetition, p.repetition, target, comp).join(d.repetition);
  const segment = (target: boolean) =>
    [p.segment, ...parts(p.field, p.field, true, (here) => (here ? rep(target) : fill()))].join(d.field);

  const encoding = `${d.component}${d.repetition}${d.escape}${d.subcomponent}`;
  const msh = ["MSH", encoding, "SND", "FAC", "RCV", "FAC", "20240101"].join(d.field);
  const segments = [msh];
  p.otherSegments.forEach((name, i) => segments.push(`${name}${d.field}${i + 1}${d.field}${fill()}`));
  for (let k = 1; k <= p.occurrence; k++) segments.push(segment(k === p.occurrence));
  const text = segments.join(p.lineEnd) + p.lineEnd;
  const framed = p.framed ? `\x0b${text}\x1c\r` : text;
  return p.asBuffer ? Buffer.from(framed, "utf8") : framed;
}

function pathOf(p: Placement): string {
  const occ = p.shortPath && p.occurrence === 1 ? "" : `[${p.occurrence}]`;
  const rep = p.shortPath && p.repetition === 1 ? "" : `[${p.repetition}]`;
  return `${p.segment}${occ}-${p.field}${rep}.${p.component}.${p.subcomponent}`;
}

describe("readHl7 properties", () => {
  it("a value placed anywhere in a generated message is read back at its path", () => {
    fc.assert(
      fc.property(placement, plainValue, (p, value) => {
        assert.equal(readHl7(buildMessage(p, value), pathOf(p)), value);
      }),
      { numRuns: 300 },
    );
  });

  it("a value holding delimiters, HL7-escaped, reads back as it was", () => {
    const withDelimiters = fc
      .string({ unit: fc.constantFrom(..."ab 1.".split(""), ...DELIMITER_POOL), minLength: 1, maxLength: 30 })
      .filter((s) => s.trim() === s && s !== "" && s !== '""');
    fc.assert(
      fc.property(placement, withDelimiters, (p, value) => {
        assert.equal(readHl7(buildMessage(p, escapeHl7(value, p.d)), pathOf(p)), value);
      }),
      { numRuns: 300 },
    );
  });

  it("any text sent as \\X..\\ UTF-8 hex reads back as it was", () => {
    const text = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
      .filter((s) => s.trim() === s && s !== "" && s !== '""');
    fc.assert(
      fc.property(placement, text, (p, value) => {
        const hex = `${p.d.escape}X${Buffer.from(value, "utf8").toString("hex").toUpperCase()}${p.d.escape}`;
        assert.equal(readHl7(buildMessage(p, hex), pathOf(p)), value);
      }),
      { numRuns: 200 },
    );
  });

  it("when nothing is found, the error names the paths and quotes no field of the message", () => {
    fc.assert(
      fc.property(placement, plainValue, (p, value) => {
        const message = buildMessage(p, `SECRET${value}`);
        const missing = `${p.segment}[${p.occurrence + 1}]-1,ZZZ-1.1`;
        assert.throws(
          () => readHl7(message, missing),
          (err: unknown) =>
            isSanteError(err, "SANTE_INVALID_INPUT") &&
            err.message.includes(`${p.segment}[${p.occurrence + 1}]-1 or ZZZ-1.1`) &&
            !err.message.includes("SECRET") &&
            !/F[0-9]+X/.test(err.message),
        );
      }),
      { numRuns: 100 },
    );
  });
});
