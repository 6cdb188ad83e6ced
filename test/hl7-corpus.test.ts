/*
 * Our HL7 writing over the shared corpus of 296 real messages written by others (scripts/hl7-corpus.ts says where
 * it lives and why it is not copied here): every message gets a well-formed ACK echoing its MSH-10, and every
 * order-like message (one with an ORC or OBR) gives a result message with no extra segment that carries its order
 * numbers and patient. Without the corpus the suite is skipped loudly (see scripts/hl7-corpus.ts).
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  buildAck,
  buildResultMessage,
  hl7VersionBefore,
  parseHl7Message,
  readHl7,
  readHl7Header,
  type ParsedHl7,
} from "../lib/hl7";
import { validateStudyInstanceUid } from "../lib/sante";
import { locateHl7Corpus, missingCorpusMessage, readHl7CorpusManifest } from "../scripts/hl7-corpus";

interface CorpusMessage {
  readonly id: string;
  readonly bytes: Buffer;
}

function read(message: string | Buffer, path: string): string {
  try {
    return readHl7(message, path);
  } catch (err) {
    if (err instanceof Error && /^No value at /.test(err.message)) return "";
    throw err;
  }
}

/**
 * A whole field as readHl7 gives it (delimiters as written, escapes decoded), without the trailing empty
 * repetitions, components and subcomponents that our writer leaves out.
 */
function field(message: string | Buffer, path: string): string {
  const d = readHl7Header(message).delimiters;
  const trim = (parts: string[]) => {
    while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
    return parts;
  };
  const split = (text: string, by: string | undefined) => (by === undefined ? [text] : text.split(by));
  return trim(
    split(read(message, path), d.repetition).map((r) =>
      trim(split(r, d.component).map((c) => trim(split(c, d.subcomponent)).join(d.subcomponent ?? ""))).join(
        d.component ?? "",
      ),
    ),
  ).join(d.repetition ?? "");
}

const names = (message: string | ParsedHl7) =>
  (typeof message === "string" ? parseHl7Message(message) : message).segments.map((s) => s.name);

describe("HL7 corpus: ACK and result message for 296 real messages", function () {
  let corpus: CorpusMessage[] = [];

  before(function () {
    const dir = locateHl7Corpus();
    if (dir === undefined) {
      const bar = "!".repeat(78);
      console.warn(`\n${bar}\n!! SKIPPING THE HL7 CORPUS TESTS: ${missingCorpusMessage()}\n${bar}\n`);
      this.skip();
    }
    corpus = readHl7CorpusManifest(dir).map((m) => ({ id: m.id, bytes: readFileSync(join(dir, m.file)) }));
    assert.equal(corpus.length, 296);
  });

  it("every message gets a well-formed AA: MSH and MSA only, MSA-2 = its MSH-10, MSH-9 ACK^trigger^ACK, names swapped", () => {
    let withControlId = 0;
    for (const { id, bytes } of corpus) {
      const header = readHl7Header(bytes);
      const ack = buildAck(bytes, "AA");
      assert.deepEqual(names(ack), ["MSH", "MSA"], id);
      assert.ok(ack.endsWith("\r") && ack.split("\r").length === 3 && !/[\n\x0b\x1c]/.test(ack), id);
      assert.equal(read(ack, "MSA-1"), "AA", id);
      assert.equal(read(ack, "MSA-2"), header.controlId, id);
      if (header.controlId !== "") withControlId++;
      const ackHeader = readHl7Header(ack);
      assert.deepEqual(
        [ackHeader.messageType, ackHeader.triggerEvent, ackHeader.messageStructure],
        header.triggerEvent === "" ? ["ACK", "", ""] : ["ACK", header.triggerEvent, "ACK"],
        id,
      );
      assert.equal(read(ack, "MSH-12"), header.version === "" ? "2.5.1" : header.version, id);
      assert.equal(read(ack, "MSH-2"), header.encodingCharacters, id);
      assert.deepEqual(ackHeader.receivingApplication, header.sendingApplication, id);
      assert.deepEqual(ackHeader.sendingFacility, header.receivingFacility, id);
    }
    assert.ok(withControlId >= 280, `${withControlId} messages with an MSH-10`);
  });

  it("every message gets a well-formed AE: the ERR carries SANTE_NOT_FOUND where its version's readers look", () => {
    let before25 = 0;
    for (const { id, bytes } of corpus) {
      const header = readHl7Header(bytes);
      const ack = buildAck(bytes, "AE", { error: { code: "SANTE_NOT_FOUND", message: "The PACS has no such study" } });
      assert.deepEqual(names(ack), ["MSH", "MSA", "ERR"], id);
      assert.equal(read(ack, "MSA-2"), header.controlId, id);
      if (hl7VersionBefore(header.version, 5)) {
        before25++;
        assert.equal(read(ack, "ERR-1.4.1"), "204", id);
        assert.equal(read(ack, "ERR-1.4.4"), "SANTE_NOT_FOUND", id);
      } else {
        assert.equal(read(ack, "ERR-3.1"), "204", id);
        assert.equal(read(ack, "ERR-5.1"), "SANTE_NOT_FOUND", id);
        assert.equal(read(ack, "ERR-8"), "The PACS has no such study", id);
      }
    }
    assert.ok(before25 > 50 && before25 < corpus.length - 50, `both layouts are exercised (${before25} before 2.5)`);
  });

  it("every order-like message gives a result message: no extra segment, its order numbers and patient carried", () => {
    const fallbackUid = "1.2.826.0.1.3680043.8.498.1";
    const byType = new Map<string, number>();
    let exact = 0;
    for (const { id, bytes } of corpus) {
      const order = parseHl7Message(bytes);
      const segs = names(order);
      if (!segs.includes("ORC") && !segs.includes("OBR")) continue;
      const header = readHl7Header(order);
      byType.set(header.messageType, (byType.get(header.messageType) ?? 0) + 1);
      let uid = fallbackUid;
      try {
        uid = validateStudyInstanceUid(read(bytes, "IPC-3.1,ZDS-1.1,OBX[3.1=113014]-5,OBX[3.1=110180]-5"));
      } catch {
        // no UID in the message, or not a valid one: the fallback stands in for the lookup's answer
      }
      const url = `sante://download?url=pacs.example.org:3000&ssl=yes&token=T${id.length}`;
      const result = buildResultMessage(order, { studyInstanceUid: uid, url });
      const want = ["MSH", ...(segs.includes("PID") ? ["PID"] : []), "PV1", "ORC", "TQ1", "OBR", "OBX", "OBX"];
      assert.deepEqual(names(result), want, id);
      assert.ok(result.split("\r").length === want.length + 1 && !/[\n\x0b\x1c]/.test(result), id);
      assert.equal(read(result, "OBX[2]-5.1"), url, id);
      assert.equal(read(result, "OBX[1]-5"), uid, id);
      assert.equal(field(result, "PID-3"), field(bytes, "PID-3"), `${id}: PID-3 as the order has it`);
      assert.equal(field(result, "PID-5"), field(bytes, "PID-5"), `${id}: PID-5 as the order has it`);

      // The order numbers: ORC-2/3, else OBR-2/3, of the order's group (the one holding the study, else the first).
      const candidates = (n: number) => new Set(["", field(bytes, `ORC-${n}`), field(bytes, `OBR-${n}`)]);
      const orders = segs.filter((s) => s === "ORC" || s === "OBR").length;
      for (const n of [2, 3]) {
        const placed = field(result, `ORC-${n}`);
        assert.equal(field(result, `OBR-${n}`), placed, `${id}: ORC-${n} = OBR-${n}`);
        if (orders <= 2 && segs.indexOf("ORC") <= segs.indexOf("OBR")) {
          const wanted = field(bytes, `ORC-${n}`) || field(bytes, `OBR-${n}`);
          assert.equal(placed, wanted, `${id}: order number ${n}`);
          if (n === 2) exact++;
        } else if (!candidates(n).has(placed)) {
          // several orders: the value comes from one of them
          assert.ok(
            order.segments.some(
              (s) => (s.name === "ORC" || s.name === "OBR") && s.text.includes(placed.split(/[\^&~|\\]/)[0]),
            ),
            `${id}: ORC-${n} ${placed}`,
          );
        }
      }
      // The status shape too, for orders.
      if (header.messageType === "OMI" || header.messageType === "ORM") {
        const status = buildResultMessage(order, { studyInstanceUid: uid, url }, { shape: "status" });
        const statusNames = names(status);
        assert.equal(statusNames.filter((n) => n === "MSH").length, 1, id);
        assert.equal(read(status, "ORC-1"), "SC", id);
        assert.equal(read(status, "ORC-5"), "CM", id);
        assert.equal(read(status, "OBX[3.1=SANTE_LINK]-5.1"), url, id);
      }
    }
    const total = [...byType.values()].reduce((a, b) => a + b, 0);
    console.log(
      `      result messages from ${total} order-like messages (${[...byType].map(([t, n]) => `${t} ${n}`).join(", ")}); ` +
        `order numbers checked exactly in ${exact}`,
    );
    assert.ok(total >= 100, `${total} order-like messages`);
  });
});
