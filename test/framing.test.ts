import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  encodeSingleLine,
  encodeStudyList,
  FrameParser,
  SanteError,
  SingleLineDecoder,
  StudyListDecoder,
  type LineFrameDecoder,
  type StudyEntry,
} from "../lib/sante";
import { chunk } from "./helpers/chunk";

const VENDOR_PATIENT_REPLY = Buffer.from(
  "\x101.2.840.113619.2.55.3.2831173124.78.1375418120.812\r" +
    "H4sTZJQ7OqxsxO9M633kSm9ES8wUexIW5auoZqJuuot88Cu1QLklYe38fR4R42IR4\r" +
    "1.2.840.113619.2.55.3.2831173124.78.1375418120.813\r" +
    "H0QHLkW2RpypVCTSrmP4xni2U0lgcEfogLK5bKaEV6Gg655ru1Kr76X770eIRhhL\r" +
    "1.2.840.113619.2.55.3.2831173124.78.1375418120.814\r" +
    "HKx1erewwPpyBhAygMTmKHBFlwCuqkT78r3fjiVUcM4gbB9XhsojgOA15Qj9MWM\r\r",
  "latin1",
);

function decodeAll<T>(decoder: LineFrameDecoder<T>, chunks: Buffer[]): T[] {
  return chunks.flatMap((c) => decoder.push(c));
}

function errorOf(fn: () => unknown): SanteError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SanteError, `expected a SanteError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected an error");
}

const token = fc.stringMatching(/^[A-Za-z0-9]{1,80}$/);
const uid = fc.stringMatching(/^[1-9][0-9]{0,5}(\.[0-9]{1,6}){1,8}$/);
const studies = fc.array(fc.record({ studyInstanceUid: uid, token }, { noNullPrototype: true }), { maxLength: 12 });
const cuts = fc.array(fc.nat(), { maxLength: 30 });

describe("framing", () => {
  it("encodes a request exactly as the vendor example", () => {
    assert.deepEqual(
      encodeSingleLine("1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642"),
      Buffer.from("\x101.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642\r"),
    );
  });

  it("refuses to put a control character into a frame", () => {
    assert.equal(errorOf(() => encodeSingleLine("1.2\r\x10evil")).code, "SANTE_INVALID_INPUT");
    assert.equal(
      errorOf(() => encodeStudyList([{ studyInstanceUid: "1.2", token: "a\rb" }])).code,
      "SANTE_INVALID_INPUT",
    );
  });

  it("decodes the vendor's patient reply into its three pairs in order", () => {
    const [list] = new StudyListDecoder().push(VENDOR_PATIENT_REPLY);
    assert.deepEqual(
      list.map((s) => s.studyInstanceUid.slice(-3)),
      ["812", "813", "814"],
    );
    assert.equal(list[2].token, "HKx1erewwPpyBhAygMTmKHBFlwCuqkT78r3fjiVUcM4gbB9XhsojgOA15Qj9MWM");
  });

  it("reads 0x10 0x0D as an empty token and as an empty study list", () => {
    assert.deepEqual(new SingleLineDecoder().push(Buffer.from("\x10\r")), [""]);
    assert.deepEqual(new StudyListDecoder().push(Buffer.from("\x10\r")), [[]]);
  });

  it("decodes a study reply the same however it is chunked", () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 4 }), cuts, fc.boolean(), (tokens, at, crlf) => {
        const end = crlf ? "\r\n" : "\r";
        const bytes = Buffer.from(tokens.map((t) => `\x10${t}${end}`).join(""));
        assert.deepEqual(decodeAll(new SingleLineDecoder(), chunk(bytes, at)), tokens);
      }),
    );
  });

  it("decodes patient replies the same however they are chunked, one byte at a time included", () => {
    fc.assert(
      fc.property(fc.array(studies, { minLength: 1, maxLength: 3 }), cuts, fc.boolean(), (lists, at, crlf) => {
        let bytes = Buffer.concat(lists.map((l: StudyEntry[]) => encodeStudyList(l)));
        if (crlf) bytes = Buffer.from(bytes.toString("latin1").replace(/\r/g, "\r\n"), "latin1");
        assert.deepEqual(decodeAll(new StudyListDecoder(), chunk(bytes, at)), lists);
        const oneByOne = [...bytes].map((b) => Buffer.from([b]));
        assert.deepEqual(decodeAll(new StudyListDecoder(), oneByOne), lists);
      }),
    );
  });

  it("decodes the same when each chunk arrives in one reused buffer, overwritten after each push (a socket's onread)", () => {
    fc.assert(
      fc.property(fc.array(studies, { minLength: 1, maxLength: 3 }), cuts, (lists, at) => {
        const bytes = Buffer.concat(lists.map((l: StudyEntry[]) => encodeStudyList(l)));
        const shared = Buffer.alloc(bytes.length);
        const decoder = new StudyListDecoder();
        const frames = chunk(bytes, at).flatMap((c) => {
          c.copy(shared);
          const got = decoder.push(shared.subarray(0, c.length));
          shared.fill(0x58);
          return got;
        });
        assert.deepEqual(frames, lists);
      }),
    );
  });

  it("fails the same way however a bad reply is chunked", () => {
    const garbage = fc
      .uint8Array({ minLength: 1, maxLength: 60 })
      .filter((b) => !Buffer.from(b).equals(Buffer.from("\x10\r")));
    fc.assert(
      fc.property(token, garbage, cuts, (t, junk, at) => {
        // A valid reply followed by bytes that are not a reply: the token comes out, then an error.
        const bytes = Buffer.concat([Buffer.from(`\x10${t}\r`), Buffer.from([0x41]), Buffer.from(junk)]);
        const decoder = new SingleLineDecoder();
        const seen: string[] = [];
        const err = errorOf(() => {
          for (const c of chunk(bytes, at)) seen.push(...decoder.push(c));
          // The bad byte may have come in the chunk that completed the token: then it is reported next.
          decoder.push(Buffer.alloc(0));
        });
        assert.equal(err.code, "SANTE_PROTOCOL");
        assert.deepEqual(seen, [t]);
      }),
    );
  });

  it("skips nothing silently: bytes before 0x10 or control bytes inside a line are errors", () => {
    assert.match(errorOf(() => new SingleLineDecoder().push(Buffer.from("X\x10tok\r"))).message, /0x10, got 0x58/);
    // Every control byte but the CR that ends a line: a 0x10 inside a token means two frames ran together.
    for (const b of [...Array(0x20).keys(), 0x7f].filter((x) => x !== 0x0d)) {
      const line = Buffer.from([0x10, 0x74, 0x6f, b, 0x6b, 0x0d]);
      const hex = b.toString(16).padStart(2, "0");
      assert.match(errorOf(() => new SingleLineDecoder().push(line)).message, new RegExp(`control byte 0x${hex}`));
    }
    assert.match(errorOf(() => new StudyListDecoder().push(Buffer.from("\x101.2\r\r"))).message, /empty token/);
  });

  it("a failed decoder refuses further input", () => {
    const decoder = new SingleLineDecoder();
    errorOf(() => decoder.push(Buffer.from("?")));
    assert.equal(errorOf(() => decoder.push(Buffer.from("\x10ok\r"))).code, "SANTE_PROTOCOL");
  });

  it("refuses a reply over the cap instead of buffering it, even without a line end", () => {
    const decoder = new SingleLineDecoder({ maxFrameBytes: 100 });
    decoder.push(Buffer.from("\x10" + "A".repeat(98)));
    const err = errorOf(() => decoder.push(Buffer.from("AA")));
    assert.equal(err.code, "SANTE_PROTOCOL");
    assert.match(err.message, /100-byte limit/);
    // Exactly at the cap is fine: 0x10 + 98 bytes + 0x0D.
    assert.deepEqual(new SingleLineDecoder({ maxFrameBytes: 100 }).push(Buffer.from(`\x10${"A".repeat(98)}\r`)), [
      "A".repeat(98),
    ]);
  });

  it("keeps a UTF-8 character split across chunks whole", () => {
    const bytes = Buffer.from("\x10Müller\r", "utf8");
    const decoder = new SingleLineDecoder();
    assert.deepEqual([...decoder.push(bytes.subarray(0, 3)), ...decoder.push(bytes.subarray(3))], ["Müller"]);
  });

  it("tells whether a frame is half-read", () => {
    const decoder = new StudyListDecoder();
    decoder.push(Buffer.from("\x101.2\rTOK\r"));
    assert.equal(decoder.midFrame, true);
    decoder.push(Buffer.from("\r"));
    assert.equal(decoder.midFrame, false);
  });

  it("works as a stream parser, one object per frame", async () => {
    const parser = new FrameParser(new SingleLineDecoder());
    const got: string[] = [];
    parser.on("data", (t: string) => got.push(t));
    parser.write(Buffer.from("\x10a\r\x10"));
    parser.write(Buffer.from("b\r\n"));
    parser.end();
    await new Promise((resolve) => parser.on("end", resolve));
    assert.deepEqual(got, ["a", "b"]);
  });

  it("as a stream parser, passes on the frames before a bad byte, then the error", async () => {
    const parser = new FrameParser(new SingleLineDecoder());
    const got: string[] = [];
    parser.on("data", (t: string) => got.push(t));
    const outcome = new Promise<SanteError | "ended">((resolve) => {
      parser.on("error", resolve);
      parser.on("end", () => resolve("ended"));
    });
    parser.end(Buffer.from("\x10a\rX"));
    assert.equal(((await outcome) as SanteError).code, "SANTE_PROTOCOL");
    assert.deepEqual(got, ["a"]);
  });

  it("a stream that ends inside a frame is an error, not a lost frame", async () => {
    const parser = new FrameParser(new SingleLineDecoder());
    parser.resume();
    const failed = new Promise<SanteError>((resolve) => parser.on("error", resolve));
    parser.end(Buffer.from("\x10half"));
    assert.equal((await failed).code, "SANTE_PROTOCOL");
  });
});
