import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isSanteError } from "../lib/errors";
import { buildResultMessage, parseHl7Message, readHl7, readHl7Header, type StudyLinkResult } from "../lib/hl7";
import { viewerUrl } from "../lib/sante";
import { packageRoot } from "./helpers/nr-package";
import { OMI_O23, ORM_O01, ORU_R01, OTHER_UID, seg, STUDY_UID } from "./fixtures/hl7/samples";

const ORM = readFileSync(join(packageRoot(), "examples/data/orm-o01.hl7"));
const OMI = readFileSync(join(packageRoot(), "examples/data/omi-o23.hl7"));
const VENDOR_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const OMI_UID = "1.2.840.113619.2.55.3.2831173124.78.1375418120.812";
const TOKEN = "JH89Lk3mZq0";
const URL = viewerUrl({ host: "127.0.0.1", port: 3000, ssl: false, token: TOKEN });
const NOW = new Date(Date.UTC(2024, 0, 15, 11, 0, 0));
const link = (studyInstanceUid: string): StudyLinkResult => ({ studyInstanceUid, token: TOKEN, url: URL });
const names = (message: string) => parseHl7Message(message).segments.map((s) => s.name);
/** Times are local: compare everything else. */
const lines = (message: string) =>
  message
    .replace(/[0-9]{14}[+-][0-9]{4}/g, "<now>")
    .split("\r")
    .filter((l) => l !== "");
const invalid = (err: unknown) => isSanteError(err, "SANTE_INVALID_INPUT");

describe("buildResultMessage: RAD-128 ORU^R01 with the viewer link", () => {
  it("from the example ORM^O01 (v2.3, UID in ZDS-1)", () => {
    const oru = buildResultMessage(ORM, link(VENDOR_UID), { controlId: "RES0001", now: NOW });
    assert.deepEqual(lines(oru), [
      "MSH|^~\\&|SANTE_PACS|RADIOLOGY|RIS|GENERAL_HOSPITAL|<now>||ORU^R01^ORU_R01|RES0001|P|2.5.1",
      "PID|1||SANTE-DOC-STUDY^^^GENERAL_HOSPITAL^MR||DOE^JANE||19700101|F",
      "PV1|1|O",
      "ORC|SC|ORD000001|ACC000001||CM",
      "TQ1|1||||||<now>",
      "OBR|1|ORD000001|ACC000001|CTCHEST^CT chest^L|||20240115103000|||||||||||||||<now>||RAD|R",
      `OBX|1|ST|113014^DICOM Study^DCM||${VENDOR_UID}||||||O`,
      "OBX|2|RP|SANTE_LINK^Sante DICOM Web Viewer link^L||sante://download?url=127.0.0.1:3000\\T\\ssl=no\\T\\token=JH89Lk3mZq0^^AP||||||O",
    ]);
    assert.equal(readHl7(oru, "OBX[3.1=SANTE_LINK]-5.1"), URL, "the link reads back whole");
    assert.equal(readHl7(oru, "OBX[3.1=113014]-5"), VENDOR_UID);
  });

  it("from the order already parsed, or its JSON copy: the same message", () => {
    const parsed = JSON.parse(JSON.stringify(parseHl7Message(ORM))) as ReturnType<typeof parseHl7Message>;
    const options = { controlId: "R2", now: NOW };
    assert.equal(
      buildResultMessage(parsed, link(VENDOR_UID), options),
      buildResultMessage(ORM, link(VENDOR_UID), options),
    );
  });

  it("from the example OMI^O23 (v2.5.1): accession number from IPC-1, PV1 'patient class unknown'", () => {
    const oru = buildResultMessage(OMI, link(OMI_UID), { now: NOW });
    assert.deepEqual(names(oru), ["MSH", "PID", "PV1", "ORC", "TQ1", "OBR", "OBX", "OBX"]);
    assert.equal(readHl7(oru, "PV1-2"), "U");
    assert.equal(readHl7(oru, "ORC-2"), "ORD000002");
    assert.equal(readHl7(oru, "OBR-2"), "ORD000002");
    assert.equal(readHl7(oru, "OBR-18"), "ACC000002");
    assert.equal(readHl7(oru, "OBR-7"), "20240115110000", "the order's TQ1-7 when OBR-7 is empty");
    assert.equal(readHl7(oru, "MSH-10"), readHl7Header(oru).controlId);
    assert.match(readHl7(oru, "MSH-10"), /^[A-Z0-9]{1,20}$/);
  });

  it("from an OMI^O23 whose IPC-1 has an issuer: OBR-19 holds it as NS&UID&TYPE", () => {
    const omi = seg(
      "MSH|^~\\&|RIS|H|PACS|R|20240101||OMI^O23^OMI_O23|M1|P|2.5.1",
      "PID|1||P1^^^H^MR",
      "ORC|NW|PL1|FL1",
      "OBR|1|PL1|FL1|MR^MR",
      `IPC|ACC9^HOSP_A^1.2.3^ISO|RP9|${STUDY_UID}|SPS9|MR`,
    );
    const oru = buildResultMessage(omi, link(STUDY_UID));
    assert.equal(readHl7(oru, "OBR-18"), "ACC9");
    assert.equal(readHl7(oru, "OBR-19"), "HOSP_A&1.2.3&ISO");
    assert.equal(readHl7(oru, "ORC-3"), "FL1");
  });

  it("from an ORU^R01 (a report: the images exist): order numbers from OBR, accession from OBR-18", () => {
    const oru = buildResultMessage(ORU_R01, link(STUDY_UID), { now: NOW });
    assert.equal(readHl7(oru, "ORC-2"), "ORD1002");
    assert.equal(readHl7(oru, "ORC-3"), "ACC1002");
    assert.equal(readHl7(oru, "OBR-4"), "MRBRAIN^MR BRAIN");
    assert.deepEqual(
      names(oru).filter((n) => n === "OBX"),
      ["OBX", "OBX"],
      "the report's OBX are not copied",
    );
  });

  it("several orders in one message: the order that holds the study's UID, else the first", () => {
    const two = seg(
      "MSH|^~\\&|RIS|H|PACS|R|20240101||ORM^O01|M2|P|2.3",
      "PID|1||P1^^^H^MR",
      "ORC|NW|FIRST",
      "OBR|1|FIRST||CT^CT",
      `ZDS|${OTHER_UID}^^Application^DICOM`,
      "ORC|NW|SECOND",
      "OBR|2|SECOND||MR^MR",
      `ZDS|${STUDY_UID}^^Application^DICOM`,
    );
    assert.equal(readHl7(buildResultMessage(two, link(STUDY_UID)), "ORC-2"), "SECOND");
    assert.equal(readHl7(buildResultMessage(two, link(OTHER_UID)), "ORC-2"), "FIRST");
    assert.equal(readHl7(buildResultMessage(two, link("1.2.3")), "ORC-2"), "FIRST");
    assert.equal(readHl7(buildResultMessage(OMI_O23, link(STUDY_UID)), "OBR-18"), "ACC1002");
  });

  it("options: the link's OBX-3, RP type and application, who sends to whom, version, processing ID kept", () => {
    const oru = buildResultMessage(ORM_O01, link(STUDY_UID), {
      linkCode: { code: "VIEWER", text: "Image viewer", system: "99HOSP" },
      linkType: "TEXT",
      linkSubtype: "URI",
      linkApplication: { namespaceId: "SANTE", universalId: "1.2.3", universalIdType: "ISO" },
      sendingApplication: "SANTE_GW",
      sendingFacility: { namespaceId: "RAD", universalId: "2.16.1", universalIdType: "ISO" },
      receivingApplication: "HIS",
      receivingFacility: "HOSP_B",
      version: "2.4",
    });
    assert.equal(readHl7(oru, "OBX[2]-3"), "VIEWER^Image viewer^99HOSP");
    assert.equal(readHl7(oru, "OBX[2]-5.2"), "SANTE&1.2.3&ISO", "RP.2 is an HD in subcomponents");
    assert.equal(readHl7(oru, "OBX[2]-5.3"), "TEXT");
    assert.equal(readHl7(oru, "OBX[2]-5.4"), "URI");
    assert.equal(readHl7(oru, "OBX[2]-5.1"), URL);
    assert.equal(readHl7(oru, "MSH-3"), "SANTE_GW");
    assert.equal(readHl7(oru, "MSH-4"), "RAD^2.16.1^ISO");
    assert.equal(readHl7(oru, "MSH-5"), "HIS");
    assert.equal(readHl7(oru, "MSH-6"), "HOSP_B");
    assert.equal(readHl7(oru, "MSH-12"), "2.4");
    assert.deepEqual(names(oru), ["MSH", "PID", "PV1", "ORC", "OBR", "OBX", "OBX"], "no TQ1 before v2.5");
  });

  it("the order's own delimiters; the v2.7 truncation character only in a v2.7 message", () => {
    const custom = seg(
      "MSH$%*#&$RIS$H$PACS$R$20240101$$ORM%O01$M3$T$2.3",
      "PID$1$$P#S#1%%%H%MR$$DOE%JANE",
      "ORC$NW$A#F#1",
      `ZDS$${STUDY_UID}%%Application%DICOM`,
    );
    const oru = buildResultMessage(custom, link(STUDY_UID));
    assert.ok(oru.startsWith("MSH$%*#&$PACS$R$RIS$H$"), oru);
    assert.equal(readHl7(oru, "ORC-2"), "A$1");
    assert.equal(readHl7(oru, "PID-3.1"), "P%1");
    assert.equal(readHl7(oru, "MSH-11"), "T", "processing ID of the order");
    assert.match(oru, /token=JH89Lk3mZq0%%AP/, "the link's & is no delimiter here: written as it is");
    const v27 = "MSH|^~\\&#|RIS|H|PACS|R|20240101||ORM^O01|M4|P|2.7\rPID|1||X\r";
    assert.equal(readHl7(buildResultMessage(v27, link(STUDY_UID)), "MSH-2"), "^~\\&", "a 2.5.1 ORU");
    assert.equal(readHl7(buildResultMessage(v27, link(STUDY_UID), { version: "2.8" }), "MSH-2"), "^~\\&#");
  });

  it("a LF inside a field of the order (multi-line text, CR message) is copied as \\X0A\\: no segment is added", () => {
    const order = seg(
      "MSH|^~\\&|RIS|H|PACS|R|20240101||ORM^O01|M5|P|2.3",
      "PID|1||P1^^^H^MR||DOE\nMSH|^~\\&|EVIL^JANE",
      "ORC|NW|O5",
      "OBR|1|O5||CT^CT line 1\nline 2",
    );
    const oru = buildResultMessage(order, link(STUDY_UID));
    assert.deepEqual(names(oru), ["MSH", "PID", "PV1", "ORC", "TQ1", "OBR", "OBX", "OBX"]);
    assert.ok(!/[\n]/.test(oru));
    assert.equal(readHl7(oru, "PID-5.1"), "DOE\nMSH", "the LF and what follows it up to the next |");
    assert.equal(readHl7(oru, "PID-7"), "EVIL^JANE");
    assert.equal(readHl7(oru, "OBR-4.2"), "CT line 1\nline 2");
  });

  it("status shape: an OMI^O23 status update (ORC-1 SC, ORC-5 CM) with the link, its IPC kept", () => {
    const omi = buildResultMessage(OMI, link(OMI_UID), { shape: "status", now: NOW, controlId: "S1" });
    assert.deepEqual(lines(omi), [
      "MSH|^~\\&|SANTE_PACS|RADIOLOGY|RIS|GENERAL_HOSPITAL|<now>||OMI^O23^OMI_O23|S1|P|2.5.1",
      "PID|1||ID200631zw609^^^GENERAL_HOSPITAL^MR||DOE^JOHN||19650312|M",
      "ORC|SC|ORD000002|||CM",
      "TQ1|1||||||20240115110000",
      "OBR|1|ORD000002||MRBRAIN^MR brain^L",
      "OBX|1|RP|SANTE_LINK^Sante DICOM Web Viewer link^L||sante://download?url=127.0.0.1:3000\\T\\ssl=no\\T\\token=JH89Lk3mZq0^^AP||||||O",
      `IPC|ACC000002|RP000002|${OMI_UID}|SPS000002|MR`,
    ]);
  });

  it("status shape: an ORM^O01 (v2.3) status update, ZDS kept", () => {
    const orm = buildResultMessage(ORM, link(VENDOR_UID), { shape: "status", now: NOW });
    assert.deepEqual(names(orm), ["MSH", "PID", "PV1", "ORC", "OBR", "OBX", "ZDS"]);
    assert.equal(readHl7(orm, "MSH-9"), "ORM^O01^ORM_O01");
    assert.equal(readHl7(orm, "MSH-12"), "2.3");
    assert.equal(readHl7(orm, "ORC-1"), "SC");
    assert.equal(readHl7(orm, "ORC-5"), "CM");
    assert.equal(readHl7(orm, "ZDS-1.1"), VENDOR_UID);
    assert.equal(readHl7(orm, "OBX-5.1"), URL);
  });

  it("controlIdFrom order: MSH-10 derived from the order's, the same for a result built again; new by default", () => {
    const order = (controlId: string) => ORM.toString("latin1").replace("|ORM000001|", `|${controlId}|`);
    const again = () => buildResultMessage(ORM, link(VENDOR_UID), { controlIdFrom: "order" });
    assert.equal(readHl7(again(), "MSH-10"), "RORM000001");
    assert.equal(readHl7(again(), "MSH-10"), readHl7(again(), "MSH-10"));
    const status = buildResultMessage(ORM, link(VENDOR_UID), { shape: "status", controlIdFrom: "order" });
    assert.equal(readHl7(status, "MSH-10"), "RORM000001", "the status shape too");
    const uuid = "9c906177-dfca-4bbe-9abd-d8eb43df93a0";
    const long = buildResultMessage(order(uuid), link(VENDOR_UID), { controlIdFrom: "order" });
    assert.match(readHl7(long, "MSH-10"), /^R[0-9A-Z]{19}$/, "HL7's 20 characters");
    const fresh = [1, 2].map(() => readHl7(buildResultMessage(ORM, link(VENDOR_UID)), "MSH-10"));
    assert.notEqual(fresh[0], fresh[1], "by default a new ID each time");
    assert.equal(
      readHl7(buildResultMessage(ORM, link(VENDOR_UID), { controlIdFrom: "order", controlId: "X1" }), "MSH-10"),
      "X1",
      "an explicit controlId wins",
    );
    assert.throws(() => buildResultMessage(order(""), link(VENDOR_UID), { controlIdFrom: "order" }), /no control ID/);
    assert.doesNotThrow(() => buildResultMessage(order(""), link(VENDOR_UID)), "without the option MSH-10 is not read");
    assert.throws(
      () => buildResultMessage(ORM, link(VENDOR_UID), { controlIdFrom: "msh" as "order" }),
      (e: unknown) => invalid(e),
    );
  });

  it("an ADT (no order) still gives a result with the patient and the link", () => {
    const adt = readFileSync(join(packageRoot(), "examples/data/adt-a08.hl7"));
    const oru = buildResultMessage(adt, link(VENDOR_UID));
    assert.deepEqual(names(oru), ["MSH", "PID", "PV1", "ORC", "TQ1", "OBR", "OBX", "OBX"]);
    assert.equal(readHl7(oru, "PID-3[MR].1"), "ID200631zw609");
  });

  it("refuses a bad UID, an empty or oversized link, a bad shape or link code; never quotes the link or order", () => {
    const secretUrl = `sante://download?url=h:3000&ssl=no&token=SECRET${"x".repeat(5000)}`;
    const cases: Array<() => unknown> = [
      () => buildResultMessage(ORM, { studyInstanceUid: "1..2", url: URL }),
      () => buildResultMessage(ORM, { studyInstanceUid: "", url: URL }),
      () => buildResultMessage(ORM, { studyInstanceUid: STUDY_UID, url: "  " }),
      () => buildResultMessage(ORM, { studyInstanceUid: STUDY_UID, url: 5 as unknown as string }),
      () => buildResultMessage(ORM, { studyInstanceUid: STUDY_UID, url: secretUrl }),
      () => buildResultMessage(ORM, null as unknown as StudyLinkResult),
      () => buildResultMessage(ORM, link(STUDY_UID), { shape: "oml" as "oru" }),
      () => buildResultMessage(ORM, link(STUDY_UID), { linkCode: { code: "" } }),
      () => buildResultMessage("PID|1||SECRET", link(STUDY_UID)),
    ];
    for (const [i, fn] of cases.entries()) {
      assert.throws(fn, (e: unknown) => invalid(e) && !(e as Error).message.includes("SECRET"), `case ${i}`);
    }
  });
});
