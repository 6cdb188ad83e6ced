/**
 * The sender reads two things per message: the MSH-10 of what it sends (from the MSH line alone) and MSA-1/MSA-2 of
 * the ACK (from one parse). Both must read exactly what readHl7 reads from the whole text, whatever the bytes.
 */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { isSanteError } from "../lib/errors";
import { ACK_CODES, parseHl7Message, readHl7 } from "../lib/hl7";
import { controlIdOf, readAck } from "../lib/mllp/ack";

/** What throws, as code and message; what does not, its value. */
function outcome<T>(f: () => T): { value: T } | { code: string; message: string } {
  try {
    return { value: f() };
  } catch (err) {
    assert.ok(isSanteError(err), String(err));
    return { code: err.code, message: err.message };
  }
}

/** Text made of HL7's own characters, line ends, framing bytes and a little else: many near-messages. */
const piece = fc.constantFrom(
  "MSH",
  "MSA",
  "|",
  "^",
  "~",
  "\\",
  "&",
  "#",
  "\r",
  "\n",
  "\r\n",
  "\x0b",
  "\x1c",
  "\\F\\",
  "\\X0D\\",
  " ",
  "\uFEFF",
  "AA",
  "AE",
  "CR",
  '""',
  "ID42",
  "é",
);
const text = fc.array(piece, { maxLength: 40 }).map((p) => p.join(""));
/** A message-like start, so that most cases get as far as MSH-10 and MSA. */
const message = fc
  .tuple(
    fc.constantFrom("MSH|^~\\&|", "MSH|^~\\&#|", "MSH#^~\\&#", "\x0bMSH|^~\\&|", ""),
    // Fields 3 to 9 written out half the time, so that MSH-10 is often there to be read.
    fc.constantFrom("", "A|B|C|D|20261130||ORM^O01|"),
    text,
    fc.boolean(),
  )
  .map(([head, fields, rest, withMsa]) => head + fields + rest + (withMsa ? "\rMSA|AA|" + rest : ""));

/** How MllpAck read MSA before reading it from one parse. */
function referenceAck(reply: Buffer): { code: string; controlId: string } | "not an ACK" {
  const t = reply.toString("utf8");
  let code: string;
  try {
    code = readHl7(t, "MSA-1");
  } catch {
    return "not an ACK";
  }
  if (!(ACK_CODES as readonly string[]).includes(code)) return "not an ACK";
  let controlId = "";
  try {
    controlId = readHl7(t, "MSA-2");
  } catch {
    // empty
  }
  return { code, controlId };
}

describe("the MLLP sender's reading of MSH-10 and of the ACK", () => {
  it("parseHl7Message with headerOnly gives the MSH and delimiters of the whole parse, or fails the same way", () => {
    fc.assert(
      fc.property(message, (m) => {
        const whole = outcome(() => parseHl7Message(m));
        const header = outcome(() => parseHl7Message(m, { headerOnly: true }));
        if ("value" in whole && "value" in header) {
          const { segments, ...rest } = whole.value;
          assert.deepEqual(header.value, { ...rest, segments: segments.slice(0, 1) });
        } else assert.deepEqual(header, whole);
      }),
      { numRuns: 3000 },
    );
  });

  it("controlIdOf reads what readHl7 reads at MSH-10 of the whole message, or fails the same way", () => {
    let read = 0;
    fc.assert(
      fc.property(message, fc.boolean(), (m, asBuffer) => {
        const input = asBuffer ? Buffer.from(m, "utf8") : m;
        const expected = outcome(() => readHl7(input, "MSH-10"));
        if ("value" in expected) read++;
        assert.deepEqual(
          outcome(() => controlIdOf(input)),
          expected,
        );
      }),
      { numRuns: 3000 },
    );
    // Not only failures compared: a good share of the cases have an MSH-10 to read.
    assert.ok(read > 500, `only ${read} of 3000 cases had an MSH-10`);
  });

  it("readAck takes MSA-1 and MSA-2 as readHl7 reads them, and anything else for SANTE_PROTOCOL", () => {
    fc.assert(
      fc.property(message, (m) => {
        const reply = Buffer.from(m, "utf8");
        const expected = referenceAck(reply);
        const got = outcome(() => readAck(reply));
        if (expected === "not an ACK") assert.equal("code" in got && got.code, "SANTE_PROTOCOL");
        else assert.deepEqual(got, { value: { text: m, ...expected } });
      }),
      { numRuns: 3000 },
    );
  });
});
