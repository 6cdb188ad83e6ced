import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSanteError } from "../lib/errors";
import { parseHl7Message, readHl7Header } from "../lib/hl7";
import { packageRoot } from "./helpers/nr-package";
import { ADT_A01, ADT_CUSTOM, mllp, OMI_O23 } from "./fixtures/hl7/samples";

describe("readHl7Header", () => {
  it("the example ORM^O01 (v2.3): type, trigger, control ID, version, who sent it to whom", () => {
    const h = readHl7Header(readFileSync(join(packageRoot(), "examples/data/orm-o01.hl7")));
    assert.deepEqual(h, {
      messageType: "ORM",
      triggerEvent: "O01",
      messageStructure: "",
      controlId: "ORM000001",
      processingId: "P",
      version: "2.3",
      dateTime: "20240115103000",
      sendingApplication: { namespaceId: "RIS", universalId: "", universalIdType: "" },
      sendingFacility: { namespaceId: "GENERAL_HOSPITAL", universalId: "", universalIdType: "" },
      receivingApplication: { namespaceId: "SANTE_PACS", universalId: "", universalIdType: "" },
      receivingFacility: { namespaceId: "RADIOLOGY", universalId: "", universalIdType: "" },
      acceptAckType: "",
      applicationAckType: "",
      characterSet: "",
      delimiters: { field: "|", component: "^", repetition: "~", escape: "\\", subcomponent: "&" },
      encodingCharacters: "^~\\&",
    });
  });

  it("an ADT^A01 asking for enhanced acknowledgement, in UTF-8, MLLP-framed", () => {
    const h = readHl7Header(mllp(ADT_A01));
    assert.equal(h.messageStructure, "ADT_A01");
    assert.equal(h.controlId, "MSG00001");
    assert.equal(h.acceptAckType, "AL");
    assert.equal(h.applicationAckType, "NE");
    assert.equal(h.characterSet, "UNICODE UTF-8");
    assert.equal(h.version, "2.5.1");
  });

  it("HDs with universal IDs, processing ID with mode, version with its international part", () => {
    const h = readHl7Header(
      "MSH|^~\\&|RIS^1.2.3.4^ISO|HOSP^2.16.840.1^ISO|PACS|RAD|20240101||ORU^R01^ORU_R01|X\\F\\1|P^T|2.5.1^DEU&&HL70399|||ER|SU\r",
    );
    assert.deepEqual(h.sendingApplication, { namespaceId: "RIS", universalId: "1.2.3.4", universalIdType: "ISO" });
    assert.deepEqual(h.sendingFacility, { namespaceId: "HOSP", universalId: "2.16.840.1", universalIdType: "ISO" });
    assert.equal(h.controlId, "X|1", "escapes decoded");
    assert.equal(h.processingId, "P");
    assert.equal(h.version, "2.5.1");
    assert.equal(h.acceptAckType, "ER");
    assert.equal(h.applicationAckType, "SU");
  });

  it("other delimiters and the v2.7 truncation character", () => {
    const custom = readHl7Header(ADT_CUSTOM);
    assert.deepEqual(custom.delimiters, {
      field: "$",
      component: "%",
      repetition: "*",
      escape: "#",
      subcomponent: "&",
    });
    assert.equal(custom.messageType, "ADT");
    const v27 = readHl7Header("MSH|^~\\&#|A|B|C|D|20240101||ADT^A08|1|P|2.7\r");
    assert.equal(v27.encodingCharacters, "^~\\&#");
    assert.equal(v27.delimiters.truncation, "#");
  });

  it("is plain data: a JSON copy (as Node-RED clones msg) is equal", () => {
    const h = readHl7Header(OMI_O23);
    assert.deepEqual(JSON.parse(JSON.stringify(h)), h);
  });

  it("from a message already parsed (parseHl7Message), even after a JSON copy; a broken one is refused", () => {
    const parsed = JSON.parse(JSON.stringify(parseHl7Message(OMI_O23))) as ReturnType<typeof parseHl7Message>;
    assert.deepEqual(readHl7Header(parsed), readHl7Header(OMI_O23));
    for (const broken of [
      { ...parsed, segments: "MSH" },
      { ...parsed, delimiters: { field: "|" }, encodingCharacters: "^^" },
      { ...parsed, segments: [{ name: "MSH" }] },
      null,
      42,
    ]) {
      assert.throws(
        () => readHl7Header(broken as unknown as string),
        (err: unknown) => isSanteError(err, "SANTE_INVALID_INPUT"),
        JSON.stringify(broken),
      );
    }
  });

  it("a message without MSH-9 or MSH-10 is read, with empty values", () => {
    const h = readHl7Header("MSH|^~\\&|A\rPID|1\r");
    assert.equal(h.messageType, "");
    assert.equal(h.controlId, "");
  });

  it("not HL7: SANTE_INVALID_INPUT, and the message quotes nothing of the input", () => {
    const secret = "DOE^JANE^SECRET";
    for (const input of [
      `PID|1||${secret}`,
      `MSH`,
      `MSH|^|A|${secret}`.replace("^", "a"),
      `MSH||^~\\&|${secret}`,
      Buffer.from(`hello ${secret}`),
      "",
    ]) {
      assert.throws(
        () => readHl7Header(input),
        (err: unknown) =>
          isSanteError(err, "SANTE_INVALID_INPUT") && !err.message.includes("SECRET") && /not HL7 v2/.test(err.message),
        String(input),
      );
    }
  });
});
