import { strict as assert } from "node:assert";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { flowWith, Outcomes, serverDef } from "./helpers/nr-flows";
import { callsBy, helper, node, OUR_NODES } from "./helpers/nr-helper";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const SEED_PATIENT = "ID200631zw609";
const PREFIX = "1.2.840.113619.2.55.3.2831173124.78.1375418120.";

const hl7 = (...segments: string[]) => segments.join("\r");

/** An admission whose PID-3 repeats: another issuer's ID first, the PACS's MR number second. */
const ADT_A01 = hl7(
  "MSH|^~\\&|ADT|HOSP|PACS|RAD|20240101120000||ADT^A01^ADT_A01|MSG0001|P|2.5.1",
  "EVN|A01|20240101120000",
  `PID|1||98765^^^OTHER^PI~${SEED_PATIENT}^^^HOSP^MR||DOE^JOHN||19700101|M`,
  "PV1|1|I|WARD^1^1",
);

/** An older order feed: no IPC segment, the Study Instance UID in ZDS-1 (uid^^Application^DICOM). */
const ORM_O01 = hl7(
  "MSH|^~\\&|RIS|HOSP|PACS|RAD|20240101120500||ORM^O01|MSG0002|P|2.3.1",
  `PID|1||${SEED_PATIENT}^^^HOSP^MR||DOE^JOHN`,
  "ORC|NW|ORD1|||SC",
  "OBR|1|ORD1||CTHEAD^CT HEAD",
  `ZDS|${SEED_UID}^RIS^Application^DICOM`,
);

/** An order as OMI^O23 carries it: the UID in IPC-3. */
const OMI_O23 = hl7(
  "MSH|^~\\&|RIS|HOSP|PACS|RAD|20240101120500||OMI^O23^OMI_O23|MSG0003|P|2.5.1",
  `PID|1||${SEED_PATIENT}^^^HOSP^MR`,
  "ORC|NW|ORD2",
  "TQ1|1",
  "OBR|1|ORD2||CTHEAD^CT HEAD",
  `IPC|ACC2|RP2|${SEED_UID}|SPS2|CT`,
);

/** A result whose second OBX carries the UID (DCM 110180). */
const ORU_R01 = hl7(
  "MSH|^~\\&|PACS|RAD|RIS|HOSP|20240101130000||ORU^R01^ORU_R01|MSG0004|P|2.5.1",
  `PID|1||${SEED_PATIENT}^^^HOSP^MR`,
  "OBR|1|ORD1||CTHEAD^CT HEAD",
  "OBX|1|TX|GDT^Report^L||No acute findings",
  `OBX|2|ST|110180^Study Instance UID^DCM||${SEED_UID}`,
);

describe("the hl7 property type", () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ port: 0 });
  });
  after(() => sim.close());
  afterEach(() => helper.unload());

  async function start(type: string, property: string, extra: Record<string, unknown> = {}): Promise<Outcomes> {
    await helper.load(OUR_NODES, flowWith({ type, property, propertyType: "hl7", ...extra }, serverDef(sim.port)));
    return new Outcomes();
  }

  const seedStudies = [812, 813, 814].map((n) => `${PREFIX}${n}`);
  const uidsOf = (msg: Record<string, unknown>) =>
    (msg.studies as Array<{ studyInstanceUid: string }>).map((s) => s.studyInstanceUid);

  it("ADT^A01: PID-3[MR].1 and PID-3[HOSP].1 pick the PACS's identifier out of a repeating PID-3", async () => {
    for (const path of ["PID-3[MR].1", "PID-3[HOSP].1", "PID-3[2].1"]) {
      const o = await start("sante-patient-tokens", path, { output: "studies" });
      await o.send({ payload: ADT_A01 });
      assert.deepEqual(uidsOf(o.outputs[0] ?? { studies: [] }), seedStudies, `${path}: ${String(o.lastCode())}`);
      assert.equal(o.outputs[0].payload, ADT_A01, "the HL7 message stays in msg.payload");
      await helper.unload();
    }
  });

  it("ADT^A01: PID-3.1 reads the first repetition", async () => {
    const o = await start("sante-patient-tokens", "PID-3.1");
    await o.send({ payload: ADT_A01 });
    assert.deepEqual(o.outputs[0].payload, []);
    assert.equal((o.outputs[0].sante as { patientId: string }).patientId, "98765");
  });

  it("ORM^O01: the study node's default IPC-3.1,ZDS-1.1 falls back to ZDS-1, in an MLLP-framed Buffer with CRLF", async () => {
    const o = await start("sante-study-token", "IPC-3.1,ZDS-1.1", { output: "token" });
    const framed = Buffer.concat([
      Buffer.from([0x0b]),
      Buffer.from(ORM_O01.replace(/\r/g, "\r\n")),
      Buffer.from([0x1c, 0x0d]),
    ]);
    await o.send({ payload: framed });
    assert.equal(o.outputs[0]?.token, SEED_TOKEN, String(o.lastCode()));
    assert.deepEqual(o.outputs[0].sante, { studyInstanceUid: SEED_UID, token: SEED_TOKEN, cached: false });
  });

  it("OMI^O23: IPC-3.1 gives the UID", async () => {
    const o = await start("sante-study-token", "IPC-3.1,ZDS-1.1");
    await o.send({ payload: OMI_O23 });
    assert.equal(o.outputs[0]?.payload, SEED_TOKEN, String(o.lastCode()));
  });

  it("ORU^R01: OBX[2]-5 gives the UID, and PID-3.1 the patient", async () => {
    let o = await start("sante-study-token", "OBX[2]-5");
    await o.send({ payload: ORU_R01 });
    assert.equal(o.outputs[0]?.payload, SEED_TOKEN, String(o.lastCode()));
    await helper.unload();
    o = await start("sante-patient-tokens", "PID-3.1", { output: "studies" });
    await o.send({ payload: Buffer.from(ORU_R01) });
    assert.deepEqual(uidsOf(o.outputs[0]), seedStudies);
  });

  it("ORU^R01: OBX[3.1=110180]-5 finds the OBX by its code, wherever it is", async () => {
    const o = await start("sante-study-token", "OBX[3.1=110180]-5");
    await o.send({ payload: ORU_R01 });
    assert.equal(o.outputs[0]?.payload, SEED_TOKEN, String(o.lastCode()));
  });

  it("an invalid field path shows at deploy and fails each message with SANTE_INVALID_INPUT naming it", async () => {
    const o = await start("sante-study-token", "IPC-0.1");
    assert.deepEqual(callsBy(node("n1").status, "n1").at(-1)?.[0], {
      fill: "red",
      shape: "ring",
      text: "SANTE_INVALID_INPUT",
    });
    await o.send({ payload: OMI_O23 });
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
    assert.match((o.errors[0].error as { message: string }).message, /IPC-0\.1/);
  });

  it("decodes HL7 escape sequences before the lookup", async () => {
    const o = await start("sante-patient-tokens", "PID-3.1");
    await o.send({ payload: hl7("MSH|^~\\&|A|B|C|D|20240101||ADT^A08|1|P|2.5", "PID|1||AB\\T\\C^^^HOSP^MR") });
    assert.equal((o.outputs[0].sante as { patientId: string }).patientId, "AB&C");
  });

  it("a path that finds nothing ends with SANTE_INVALID_INPUT naming the path, and sends nothing to the PACS", async () => {
    const o = await start("sante-study-token", "IPC-3.1,ZDS-1.1");
    const before = sim.requests;
    await o.send({ payload: ADT_A01 });
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
    assert.match((o.errors[0].error as { message: string }).message, /IPC-3\.1/);
    assert.equal(sim.requests, before);
  });

  it("msg.payload that is no HL7 text ends with SANTE_INVALID_INPUT", async () => {
    const o = await start("sante-patient-tokens", "PID-3.1");
    for (const payload of [{ pid: SEED_PATIENT }, 42, undefined]) {
      await o.send({ payload });
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT", JSON.stringify(payload));
    }
    await o.send({ payload: "this is not an HL7 message" });
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
    assert.equal(o.outputs.length, 0);
  });
});
