import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { encodeMllp, MllpDecoder, MllpParser, SanteError, type MllpDecoderOptions, type MllpFault } from "../lib/api";
import { chunk } from "./helpers/chunk";

type Event = ["message", string] | ["fault", MllpFault["kind"], string];

/** Every message and fault, in order, with bytes as hex so that deepEqual compares them exactly. */
function decode(chunks: Buffer[], options: MllpDecoderOptions = {}): { events: Event[]; maxBuffered: number } {
  const events: Event[] = [];
  let maxBuffered = 0;
  const decoder = new MllpDecoder(
    {
      message: (m) => events.push(["message", m.toString("hex")]),
      fault: (f) => events.push(["fault", f.kind, detail(f)]),
    },
    options,
  );
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  }
  decoder.end();
  return { events, maxBuffered };
}

function detail(f: MllpFault): string {
  switch (f.kind) {
    case "oversize":
      return `${f.limit}:${f.head.toString("hex")}`;
    case "bad-end":
      return String(f.byte);
    default:
      return String(f.bytes);
  }
}

const frame = (text: string): Buffer => Buffer.from(`\x0b${text}\x1c\r`, "latin1");
const ORDER = "MSH|^~\\&|RIS|HOSP|PACS|RAD|20240101||ORM^O01|MSG1|P|2.3\rPID|1||12345\r";

/** Message bytes: anything but the two frame bytes, biased towards CR and LF. */
const messageBytes = fc
  .array(fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x4d, 0x7c), fc.integer({ min: 0, max: 255 })), { maxLength: 40 })
  .map((a) => Buffer.from(a.filter((b) => b !== 0x0b && b !== 0x1c)));
/** Any bytes at all, biased towards the frame bytes, to produce every fault. */
const anyBytes = fc
  .array(fc.oneof(fc.constantFrom(0x0b, 0x1c, 0x0d, 0x0a), fc.integer({ min: 0, max: 255 })), { maxLength: 30 })
  .map((a) => Buffer.from(a));
const wellFramed = messageBytes.map((m) => Buffer.concat([Buffer.from([0x0b]), m, Buffer.from([0x1c, 0x0d])]));
const stream = fc.array(fc.oneof(wellFramed, wellFramed, anyBytes), { maxLength: 12 }).map((p) => Buffer.concat(p));
const cuts = fc.array(fc.nat(), { maxLength: 40 });

describe("MLLP framing", () => {
  describe("encodeMllp", () => {
    it("wraps a message in 0x0B … 0x1C 0x0D, a string as UTF-8", () => {
      assert.deepEqual(encodeMllp("MSH|é"), Buffer.from([0x0b, ...Buffer.from("MSH|é", "utf8"), 0x1c, 0x0d]));
    });

    it("sends bytes as they are (a message in ISO 8859-1 stays so)", () => {
      const latin1 = Buffer.from("PID|1||M\xfcller", "latin1");
      assert.deepEqual(encodeMllp(latin1).subarray(1, -2), latin1);
    });

    it("refuses a message that holds a frame byte, and anything but a string or bytes", () => {
      for (const bad of ["MSH|\x0b", "MSH|\x1c\r", Buffer.from([0x4d, 0x1c])]) {
        assert.throws(
          () => encodeMllp(bad),
          (e: unknown) => e instanceof SanteError && e.code === "SANTE_INVALID_INPUT",
        );
      }
      assert.throws(() => encodeMllp(42 as unknown as string), /string or a Buffer/);
    });
  });

  describe("MllpDecoder", () => {
    it("returns every frame of one read, in order (the simple-hl7 #51 case)", () => {
      const read = Buffer.concat([frame("A"), frame("B"), frame("C")]);
      assert.deepEqual(
        decode([read]).events.map((e) => Buffer.from(e[1], "hex").toString()),
        ["A", "B", "C"],
      );
    });

    it("puts together a frame that arrives one byte per read, the end bytes split too", () => {
      const bytes = frame(ORDER);
      const chunks = [...bytes].map((b) => Buffer.from([b]));
      assert.deepEqual(decode(chunks).events, [["message", Buffer.from(ORDER, "latin1").toString("hex")]]);
    });

    it("skips bytes before a start byte and reports how many; CR/LF between frames are not reported", () => {
      const { events } = decode([Buffer.from("\r\nGET / HTTP/1.0\r\n"), frame("A"), Buffer.from("\n"), frame("B")]);
      assert.deepEqual(events, [
        ["fault", "skipped", "18"],
        ["message", Buffer.from("A").toString("hex")],
        ["message", Buffer.from("B").toString("hex")],
      ]);
    });

    it("refuses a message past the limit without holding more than the limit, keeps its MSH for an AR, and goes on", () => {
      const big = `MSH|^~\\&|A|B|C|D|20240101||ORU^R01|BIG1|P|2.5\rOBX|1|ED|PDF||${"x".repeat(5000)}\r`;
      const bytes = Buffer.concat([frame(big), frame("MSH|after")]);
      const { events, maxBuffered } = decode(chunk(bytes, [100, 1000, 3000, 4999]), { maxMessageBytes: 1000 });
      assert.ok(maxBuffered <= 1000, `held ${maxBuffered} bytes`);
      const head = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|BIG1|P|2.5";
      assert.deepEqual(events, [
        ["fault", "oversize", `1000:${Buffer.from(head).toString("hex")}`],
        ["message", Buffer.from("MSH|after").toString("hex")],
      ]);
    });

    it("accepts a message of exactly the limit", () => {
      const { events } = decode([frame("x".repeat(50))], { maxMessageBytes: 50 });
      assert.deepEqual(events, [["message", Buffer.from("x".repeat(50)).toString("hex")]]);
    });

    it("drops a frame restarted by a new start byte, or ended by 0x1C without 0x0D", () => {
      const bytes = Buffer.from("\x0bMSH|lost\x0bMSH|one\x1c\r\x0bMSH|two\x1cX\x0bMSH|three\x1c\r", "latin1");
      const seen = decode([bytes]).events.map((e) =>
        e[0] === "message" ? Buffer.from(e[1], "hex").toString() : `${e[1]} ${e[2]}`,
      );
      assert.deepEqual(seen, ["unterminated 8", "MSH|one", "bad-end 88", "skipped 1", "MSH|three"]);
    });

    it("reports a frame left unfinished at the end of the stream", () => {
      assert.deepEqual(decode([Buffer.from("\x0bMSH|half")]).events, [["fault", "truncated", "8"]]);
      assert.deepEqual(decode([Buffer.from("\x0bMSH|\x1c")]).events, [["fault", "truncated", "4"]]);
    });

    it("hands on an empty frame as an empty message", () => {
      assert.deepEqual(decode([Buffer.from([0x0b, 0x1c, 0x0d])]).events, [["message", ""]]);
    });

    it("property: any chunking of any bytes gives the same messages and faults as one read", () => {
      fc.assert(
        fc.property(stream, cuts, fc.integer({ min: 1, max: 48 }), (bytes, at, limit) => {
          const whole = decode([bytes], { maxMessageBytes: limit });
          const pieces = decode(chunk(bytes, at), { maxMessageBytes: limit });
          assert.deepEqual(pieces.events, whole.events);
          assert.ok(pieces.maxBuffered <= limit);
        }),
        { numRuns: 2000 },
      );
    });

    it("property: well-framed messages with junk between them come out as sent, junk counted", () => {
      const junk = fc
        .array(fc.integer({ min: 0, max: 255 }), { maxLength: 10 })
        .map((a) => Buffer.from(a.filter((b) => b !== 0x0b)));
      fc.assert(
        fc.property(fc.array(fc.tuple(junk, messageBytes), { maxLength: 10 }), cuts, (items, at) => {
          const bytes = Buffer.concat(items.flatMap(([j, m]) => [j, encodeMllp(m)]));
          const expected: Event[] = [];
          for (const [j, m] of items) {
            if (j.some((b) => b !== 0x0d && b !== 0x0a)) expected.push(["fault", "skipped", String(j.length)]);
            expected.push(["message", m.toString("hex")]);
          }
          assert.deepEqual(decode(chunk(bytes, at)).events, expected);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe("MllpParser (stream)", () => {
    async function parse(chunks: Buffer[], options: MllpDecoderOptions = {}) {
      const parser = new MllpParser(options);
      const messages: string[] = [];
      let skipped = 0;
      parser.on("data", (m: Buffer) => messages.push(m.toString()));
      parser.on("skipped", (n: number) => (skipped += n));
      let error: unknown;
      await pipeline(Readable.from(chunks), parser).catch((e: unknown) => (error = e));
      return { messages, skipped, error };
    }

    it("emits one Buffer per message, whatever the chunking", async () => {
      const bytes = Buffer.concat([frame("A"), Buffer.from("junk"), frame("B")]);
      const { messages, skipped, error } = await parse(chunk(bytes, [1, 2, 5, 9, 10]));
      assert.deepEqual(messages, ["A", "B"]);
      assert.equal(skipped, 4);
      assert.equal(error, undefined);
    });

    it("fails with SANTE_PROTOCOL on an oversize message, after the messages before it", async () => {
      const { messages, error } = await parse([frame("ok"), frame("x".repeat(100))], { maxMessageBytes: 10 });
      assert.deepEqual(messages, ["ok"]);
      assert.ok(error instanceof SanteError);
      assert.equal(error.code, "SANTE_PROTOCOL");
      assert.match(error.message, /larger than the 10-byte limit/);
    });

    it("fails when the stream ends inside a frame", async () => {
      const { error } = await parse([Buffer.from("\x0bMSH|")]);
      assert.ok(error instanceof SanteError);
      assert.match(error.message, /ended inside a message/);
    });
  });
});
