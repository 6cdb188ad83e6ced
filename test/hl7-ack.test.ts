import { strict as assert } from "node:assert";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSanteError, SanteError } from "../lib/errors";
import {
  ackRequested,
  buildAck,
  createControlIdGenerator,
  derivedControlId,
  nextControlId,
  parseHl7Message,
  readHl7,
  readHl7Header,
  wantsEnhancedAck,
  type AckCode,
} from "../lib/hl7";
import { packageRoot } from "./helpers/nr-package";
import { ADT_A01, ADT_CUSTOM, mllp, seg } from "./fixtures/hl7/samples";

const ORM = readFileSync(join(packageRoot(), "examples/data/orm-o01.hl7"));
const OMI = readFileSync(join(packageRoot(), "examples/data/omi-o23.hl7"));
const NOW = new Date(Date.UTC(2024, 0, 15, 10, 30, 5));
const lines = (message: string) => message.split("\r").filter((l) => l !== "");
/** MSH-7 is local time: compare everything else. */
const withoutTime = (message: string) => message.replace(/\|[0-9]{14}[+-][0-9]{4}\|/, "|<now>|");

describe("buildAck", () => {
  it("AA for the example ORM^O01 (v2.3): sender and receiver swapped, ACK^O01^ACK, a new control ID, MSA-2 = MSH-10", () => {
    const ack = buildAck(ORM, "AA", { controlId: "ACK0001", now: NOW });
    assert.deepEqual(lines(withoutTime(ack)), [
      "MSH|^~\\&|SANTE_PACS|RADIOLOGY|RIS|GENERAL_HOSPITAL|<now>||ACK^O01^ACK|ACK0001|P|2.3",
      "MSA|AA|ORM000001",
    ]);
    assert.ok(ack.endsWith("\r") && !ack.includes("\n"), "segments end with CR");
  });

  it("from the header (msg.hl7) instead of the text: the same ACK", () => {
    const header = JSON.parse(JSON.stringify(readHl7Header(OMI))) as ReturnType<typeof readHl7Header>;
    assert.equal(
      buildAck(header, "AA", { controlId: "A1", now: NOW }),
      buildAck(OMI, "AA", { controlId: "A1", now: NOW }),
    );
  });

  it("AE (v2.5.1): ERR-3 HL7 table 0357, ERR-4 E, ERR-5 our code, ERR-8 and MSA-3 the text", () => {
    const error = new SanteError("SANTE_NOT_FOUND", "The PACS at pacs:2575 does not know the study");
    const ack = buildAck(OMI, "AE", { error, controlId: "A2", now: NOW });
    assert.deepEqual(lines(withoutTime(ack)), [
      "MSH|^~\\&|SANTE_PACS|RADIOLOGY|RIS|GENERAL_HOSPITAL|<now>||ACK^O23^ACK|A2|P|2.5.1",
      "MSA|AE|OMI000001|SANTE_NOT_FOUND: The PACS at pacs:2575 does not know the study",
      "ERR|||204^Unknown key identifier^HL70357|E|SANTE_NOT_FOUND|||The PACS at pacs:2575 does not know the study",
    ]);
    assert.equal(readHl7(ack, "ERR-5.1"), "SANTE_NOT_FOUND");
  });

  it("AR (v2.3): ERR-1 as ELD with the 0357 code and ours in its CE, MSA-3 the text", () => {
    const ack = buildAck(ORM, "AR", {
      error: { code: "SANTE_INVALID_INPUT", message: "No value at IPC-3.1 or ZDS-1.1 in the HL7 message" },
      controlId: "A3",
      now: NOW,
    });
    assert.deepEqual(lines(withoutTime(ack)).slice(1), [
      "MSA|AR|ORM000001|SANTE_INVALID_INPUT: No value at IPC-3.1 or ZDS-1.1 in the HL7 message",
      "ERR|^^^207&Application internal error&HL70357&SANTE_INVALID_INPUT&No value at IPC-3.1 or ZDS-1.1 in the HL7 message",
    ]);
    assert.equal(readHl7(ack, "ERR-1.4.1"), "207");
    assert.equal(readHl7(ack, "ERR-1.4.4"), "SANTE_INVALID_INPUT");
  });

  it("v2.7 and later: no MSA-3 (withdrawn), the text in ERR-8; a chosen 0357 code", () => {
    const received = "MSH|^~\\&#|RIS|H|PACS|R|20240101||OMI^O23^OMI_O23|C27|P|2.8\r";
    const ack = buildAck(received, "AE", {
      error: { code: "SANTE_TIMEOUT", message: "No reply", hl7ErrorCode: 206 },
      now: NOW,
    });
    assert.equal(readHl7(ack, "MSH-2"), "^~\\&#", "its encoding characters, truncation included");
    assert.throws(() => readHl7(ack, "MSA-3"), /No value/);
    assert.equal(readHl7(ack, "ERR-3"), "206^Application record locked^HL70357");
    assert.equal(readHl7(ack, "ERR-8"), "No reply");
  });

  it("AE without an error: ERR 207 and no code", () => {
    const ack = buildAck(OMI, "AE", { now: NOW });
    assert.equal(lines(ack)[2], "ERR|||207^Application internal error^HL70357|E");
    assert.equal(lines(ack)[1], "MSA|AE|OMI000001");
  });

  it("enhanced mode: CA, and CE/CR with an ERR; the sender's MSH-15/MSH-16 say which it wants", () => {
    const h = readHl7Header(ADT_A01);
    assert.equal(wantsEnhancedAck(h), true);
    assert.equal(ackRequested(h.acceptAckType, true), true, "AL");
    assert.equal(ackRequested(h.applicationAckType, true), false, "NE");
    assert.equal(ackRequested("ER", false), true);
    assert.equal(ackRequested("ER", true), false);
    assert.equal(ackRequested("SU", true), true);
    assert.equal(ackRequested("SU", false), false);
    assert.equal(ackRequested("", true), true);
    assert.equal(wantsEnhancedAck(readHl7Header(ORM)), false);
    assert.equal(readHl7(buildAck(ADT_A01, "CA"), "MSA-1"), "CA");
    const cr = buildAck(ADT_A01, "CR", { error: { code: "SANTE_BUSY", message: "Queue full" } });
    assert.deepEqual(
      parseHl7Message(cr).segments.map((s) => s.name),
      ["MSH", "MSA", "ERR"],
    );
    assert.equal(readHl7(buildAck(ADT_A01, "CA"), "MSH-9"), "ACK^A01^ACK");
  });

  it("the sender's own delimiters; values holding them are escaped", () => {
    const ack = buildAck(ADT_CUSTOM, "AE", { error: { code: "SANTE_X", message: "a$b%c*d#e&f" }, now: NOW });
    assert.ok(ack.startsWith("MSH$%*#&$PACS$RAD$ADT1$HOSP_A$"), ack);
    assert.equal(readHl7(ack, "MSA-2"), "MSG00005");
    assert.equal(readHl7(ack, "ERR-8"), "a$b%c*d#e&f");
  });

  it("MSA-2 echoes MSH-10 exactly, escapes and all; our identity can be set", () => {
    const received = "MSH|^~\\&|RIS|H|PACS|R|20240101||ORM^O01|ID\\S\\7\\T\\x|P|2.4\r";
    const ack = buildAck(received, "AA", {
      sendingApplication: "SANTE",
      sendingFacility: { namespaceId: "F", universalId: "1.2", universalIdType: "ISO" },
    });
    assert.equal(lines(ack)[1], "MSA|AA|ID\\S\\7\\T\\x");
    assert.equal(readHl7(ack, "MSH-3"), "SANTE");
    assert.equal(readHl7(ack, "MSH-4"), "F^1.2^ISO");
    assert.equal(readHl7(ack, "MSH-5"), "RIS");
  });

  it("input that is not HL7: AR with defaults, ERR 100 and SANTE_INVALID_INPUT, whatever code was asked", () => {
    for (const garbage of ["", "hello", Buffer.from([0x0b, 0x00, 0x1c, 0x0d]), "PID|1||X\r"]) {
      const ack = buildAck(garbage, "AA", { controlId: "R1", now: NOW });
      assert.deepEqual(lines(withoutTime(ack)), [
        "MSH|^~\\&|||||<now>||ACK|R1|P|2.5.1",
        "MSA|AR||SANTE_INVALID_INPUT: The message is not HL7 v2: it does not start with an MSH...",
        "ERR|||100^Segment sequence error^HL70357|E|SANTE_INVALID_INPUT|||The message is not HL7 v2: it does not start with an MSH segment",
      ]);
    }
  });

  it("an MSH with bad delimiters: AR, with the control ID and version of its first line when they look sound", () => {
    const ack = buildAck(mllp("MSH|^^~\\&|RIS|H|PACS|R|2024||ORM^O01|ORD77|P|2.3.1\rPID|1||SECRET\r"), "AA", {
      now: NOW,
    });
    assert.equal(readHl7(ack, "MSA-1"), "AR");
    assert.equal(readHl7(ack, "MSA-2"), "ORD77");
    assert.equal(readHl7(ack, "MSH-12"), "2.3.1");
    assert.match(readHl7(ack, "ERR-1.4.5"), /do not hold valid delimiters/, "v2.3.1: ERR-1");
    assert.ok(!ack.includes("SECRET"));
    const noId = buildAck("MSH|^^|x\r", "AA");
    assert.throws(() => readHl7(noId, "MSA-2"), /No value/);
  });

  it("a header edited into something else still gets an answer (AR)", () => {
    const broken = { ...readHl7Header(ORM), delimiters: { field: "A" } };
    assert.equal(readHl7(buildAck(broken, "AA"), "MSA-1"), "AR");
    assert.equal(readHl7(buildAck(null as unknown as string, "AA"), "MSA-1"), "AR");
  });

  it("a long text is cut: MSA-3 to 80 characters, ERR-8 to 200", () => {
    const message = "x".repeat(500);
    const ack = buildAck(OMI, "AE", { error: { code: "SANTE_PROTOCOL", message } });
    assert.equal(readHl7(ack, "MSA-3").length, 80);
    assert.equal(readHl7(ack, "ERR-8").length, 200);
    assert.ok(readHl7(ack, "ERR-8").endsWith("..."));
  });

  it("refuses a code that is not an acknowledgement code, or a designator of the wrong shape", () => {
    for (const code of ["OK", "aa", "", "AA|"]) {
      assert.throws(
        () => buildAck(ORM, code as AckCode),
        (e: unknown) => isSanteError(e, "SANTE_INVALID_INPUT"),
      );
    }
    assert.throws(
      () => buildAck(ORM, "AA", { sendingApplication: 7 as unknown as string }),
      (e: unknown) => isSanteError(e, "SANTE_INVALID_INPUT"),
    );
  });

  it("an ACK's segments read back: MSA after MSH, nothing else", () => {
    const ack = buildAck(seg("MSH|^~\\&|A|B|C|D|20240101||ADT^A08|Z1|P|2.5"), "AA");
    assert.deepEqual(
      parseHl7Message(ack).segments.map((s) => s.name),
      ["MSH", "MSA"],
    );
    assert.equal(readHl7Header(ack).messageType, "ACK");
    assert.equal(readHl7Header(ack).messageStructure, "ACK");
  });
});

describe("control IDs", () => {
  it("unique over many in a row, at most 20 characters of upper-case letters and digits", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = nextControlId();
      assert.match(id, /^[A-Z0-9]{1,20}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 100_000);
  });

  it("two generators (two processes, or a restart) started in the same millisecond give different IDs", () => {
    const clock = () => 1_700_000_000_000;
    const a = createControlIdGenerator({ now: clock });
    const b = createControlIdGenerator({ now: clock });
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      ids.add(a.next());
      ids.add(b.next());
    }
    assert.equal(ids.size, 2000);
  });

  it("a clock set back does not repeat IDs; a prefix is put first", () => {
    let t = 1_700_000_000_000;
    const g = createControlIdGenerator({ now: () => t, prefix: "SP" });
    const first = g.next();
    t -= 60_000;
    const second = g.next();
    assert.notEqual(first, second);
    assert.ok(first.startsWith("SP") && second.startsWith("SP"));
    assert.ok(second > first, "IDs of one generator sort by time");
    assert.throws(
      () => createControlIdGenerator({ prefix: "abc" }),
      (e: unknown) => isSanteError(e, "SANTE_INVALID_INPUT"),
    );
  });

  it("derivedControlId: R + a plain ID of up to 19 characters, else R + 19 base-36 characters of its SHA-256", () => {
    assert.equal(derivedControlId("ORM000001"), "RORM000001");
    assert.equal(derivedControlId("PS1-20080131160038"), "RPS1-20080131160038");
    assert.equal(derivedControlId("A".repeat(19)), `R${"A".repeat(19)}`);
    // Real IDs from the corpus: 20 characters (a time and a counter), a UUID, an OID with a time; and one to escape.
    const long = ["20100831104406208095", "20100831104406208096", "9c906177-dfca-4bbe-9abd-d8eb43df93a0", "A&B"];
    const derived = long.map(derivedControlId);
    for (const id of derived) assert.match(id, /^R[0-9A-Z]{19}$/);
    assert.equal(new Set(derived).size, long.length, "IDs that differ only at the end keep apart");
    assert.deepEqual(long.map(derivedControlId), derived, "the same each time");
    assert.throws(
      () => derivedControlId(""),
      (e: unknown) => isSanteError(e, "SANTE_INVALID_INPUT"),
    );
  });

  it("derivedControlId of any ID: at most 20 characters, nothing to escape, the same each time, one per ID", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 60, unit: "binary" }), { minLength: 2 }),
        (ids) => {
          const derived = ids.map(derivedControlId);
          for (const id of derived) assert.match(id, /^R[A-Za-z0-9._-]{1,19}$/);
          assert.deepEqual(ids.map(derivedControlId), derived);
          assert.equal(new Set(derived).size, ids.length);
        },
      ),
    );
  });
});
