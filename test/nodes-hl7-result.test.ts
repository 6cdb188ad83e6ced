/**
 * `sante-hl7-result` in a real Node-RED runtime: the result message it builds from the sample orders
 * (examples/data) and from every order-like message of the shared corpus, what it refuses, and the whole
 * chain result → hl7 send → a HIS over MLLP, whose reading of OBX-5 must give back the link.
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseHl7Message, readHl7, readHl7Header } from "../lib/hl7";
import type { NodeMessage } from "../nodes/glue/node-red-types";
import { locateHl7Corpus, missingCorpusMessage, readHl7CorpusManifest } from "../scripts/hl7-corpus";
import { endpointDef, hl7Of, startFakeHis, receiversPerTest } from "./helpers/hl7-his";
import { flowWith, Outcomes, TAB, until } from "./helpers/nr-flows";
import { callsBy, helper, node, OUR_NODES } from "./helpers/nr-helper";
import { packageRoot } from "./helpers/nr-package";

const DATA = join(packageRoot(), "examples", "data");
const UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const LINK = `sante://download?url=127.0.0.1:3000&ssl=no&token=${TOKEN}`;
/** What RAD-128's ORU^R01 is made of: any other segment, or one more, is a defect. */
const ORU_SEGMENTS = ["MSH", "PID", "PV1", "ORC", "TQ1", "OBR", "OBX", "OBX"];

const names = (message: string) => parseHl7Message(message).segments.map((s) => s.name);
const santeError = (msg: NodeMessage | undefined) => msg?.santeError as { code?: string; message?: string } | undefined;

/** A message as it reaches the result node in example 01: the order on msg.hl7, msg.sante, the link in payload. */
function afterLookup(orderText: string, uid = UID, link: unknown = LINK): NodeMessage {
  return { payload: link, hl7: hl7Of(orderText), sante: { studyInstanceUid: uid, token: TOKEN, cached: false } };
}

function resultFlow(settings: Record<string, unknown> = {}): object[] {
  return flowWith({ type: "sante-hl7-result", ...settings }, null);
}

describe("sante-hl7-result in a Node-RED runtime", function () {
  this.timeout(20000);
  const r = receiversPerTest();

  const samples = readdirSync(DATA)
    .filter((f) => f.endsWith(".hl7"))
    .sort();

  it("finds the sample orders in examples/data", () => {
    assert.ok(samples.length >= 3, samples.join());
  });

  for (const file of samples) {
    it(`${file}: an ORU^R01 with no extra segment, the link in OBX-5 with \\T\\, msg.hl7 passed through unchanged`, async () => {
      const text = readFileSync(join(DATA, file), "utf8");
      await helper.load(OUR_NODES, resultFlow());
      const o = new Outcomes();
      const msg = { ...afterLookup(text), topic: "ORM^O01", extra: { kept: [1, 2] } };
      const before = structuredClone(msg);
      await o.send(msg);
      assert.equal(o.errors.length, 0, String(santeError(o.errors[0])?.message));
      const out = o.outputs[0];
      const result = out.payload as string;
      assert.deepEqual(names(result), ORU_SEGMENTS);
      assert.ok(result.endsWith("\r") && !/[\n\x0b\x1c]/.test(result), "CR-ended segments only");
      assert.equal(readHl7(result, "MSH-9"), "ORU^R01^ORU_R01");
      assert.equal(readHl7(result, "OBX[2]-2"), "RP");
      assert.equal(readHl7(result, "OBX[2]-5.1"), LINK, "a reader gives the link back");
      assert.ok(result.includes(LINK.replaceAll("&", "\\T\\")), "the link's & travels as \\T\\");
      assert.equal(readHl7(result, "OBX[1]-5"), UID);
      assert.equal(readHl7(result, "PID-3"), readHl7(text, "PID-3"), "the order's patient, every repetition");
      // Sender and receiver of the order, swapped.
      const order = readHl7Header(text);
      assert.equal(readHl7(result, "MSH-3"), order.receivingApplication.namespaceId);
      assert.equal(readHl7(result, "MSH-5"), order.sendingApplication.namespaceId);
      assert.deepEqual(
        { ...out, payload: before.payload },
        { ...before, _msgid: out._msgid },
        "everything but msg.payload passes through unchanged",
      );
      await until(() => o.statuses.at(-1)?.text === "ORU^R01", "the status");
    });
  }

  it('the "status" shape answers an OMI^O23 with an OMI^O23 and an ORM^O01 with an ORM^O01', async () => {
    await helper.load(OUR_NODES, resultFlow({ shape: "status" }));
    const o = new Outcomes();
    for (const [file, type] of [
      ["omi-o23.hl7", "OMI^O23^OMI_O23"],
      ["orm-o01.hl7", "ORM^O01^ORM_O01"],
    ]) {
      const text = readFileSync(join(DATA, file), "utf8");
      await o.send(afterLookup(text));
      const result = o.outputs.at(-1)?.payload as string;
      assert.equal(readHl7(result, "MSH-9"), type, file);
      assert.equal(readHl7(result, "MSH-12"), readHl7(text, "MSH-12"), "the order's version");
      assert.deepEqual([readHl7(result, "ORC-1"), readHl7(result, "ORC-5")], ["SC", "CM"]);
      assert.equal(readHl7(result, "OBX[3.1=SANTE_LINK]-5.1"), LINK);
      assert.equal(names(result).filter((n) => n === "MSH").length, 1);
    }
  });

  it("takes the site's link code, sender/receiver names (a whole HD written NAME^ID^TYPE), MSH-10 from the order's", async () => {
    await helper.load(
      OUR_NODES,
      resultFlow({
        linkCode: "VIEWER",
        linkText: "Image viewer link",
        linkSystem: "99HOSP",
        sendingApplication: "PACS^1.2.3.4^ISO",
        receivingFacility: "MAIN",
        controlIdFrom: "order",
      }),
    );
    const o = new Outcomes();
    const order = readFileSync(join(DATA, "omi-o23.hl7"), "utf8");
    await o.send(afterLookup(order));
    const result = o.outputs[0]?.payload as string;
    assert.equal(readHl7(result, "OBX[2]-3"), "VIEWER^Image viewer link^99HOSP");
    assert.equal(readHl7(result, "MSH-3"), "PACS^1.2.3.4^ISO");
    assert.equal(readHl7(result, "MSH-4"), "RADIOLOGY", "left blank: the order's MSH-6");
    assert.equal(readHl7(result, "MSH-6"), "MAIN");
    assert.equal(readHl7(result, "MSH-10"), "ROMI000001", "R + the order's MSH-10");
  });

  it("takes a blank order field and shape as the defaults (msg.hl7.message, ORU^R01)", async () => {
    await helper.load(OUR_NODES, resultFlow({ order: "", shape: "" }));
    const o = new Outcomes();
    await o.send(afterLookup(readFileSync(join(DATA, "omi-o23.hl7"), "utf8")));
    assert.equal(readHl7(o.outputs[0]?.payload as string, "MSH-9.1"), "ORU", String(o.lastCode()));
  });

  it("reads the order from another msg property and the link from another source when told", async () => {
    await helper.load(OUR_NODES, resultFlow({ order: "msg.stored.order", property: "link", propertyType: "msg" }));
    const o = new Outcomes();
    const text = readFileSync(join(DATA, "orm-o01.hl7"));
    await o.send({ stored: { order: text }, link: LINK, sante: { studyInstanceUid: UID }, payload: "the token, say" });
    assert.equal(o.errors.length, 0, String(santeError(o.errors[0])?.message));
    assert.equal(readHl7(o.outputs[0].payload as string, "OBX[2]-5.1"), LINK);
  });

  it("refuses missing or wrong inputs with SANTE_INVALID_INPUT naming what is wrong, never quoting the link", async () => {
    await helper.load(OUR_NODES, resultFlow());
    const o = new Outcomes();
    const text = readFileSync(join(DATA, "omi-o23.hl7"), "utf8");
    const cases: [NodeMessage, RegExp][] = [
      [{ ...afterLookup(text), hl7: undefined }, /no HL7 order in msg\.hl7\.message/],
      [{ ...afterLookup(text), hl7: { message: 42 } }, /msg\.hl7\.message must be a string or Buffer, not number/],
      [{ ...afterLookup(text), sante: undefined }, /no Study Instance UID in msg\.sante\.studyInstanceUid/],
      [{ ...afterLookup(text), payload: undefined }, /no viewer link in msg\.payload/],
      [afterLookup(text, UID, [LINK, LINK]), /msg\.payload must be one link as text, not array/],
      [afterLookup(text, UID, ""), /viewer link .* empty/],
      [afterLookup(text, "not-a-uid"), /UID/],
      [{ ...afterLookup(text), hl7: { message: "PID|1||X" } }, /MSH/],
    ];
    for (const [msg, reason] of cases) {
      await o.send(msg);
      const caught = o.errors.at(-1);
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT", String(reason));
      assert.match(String(santeError(caught)?.message), reason);
      assert.ok(!String(santeError(caught)?.message).includes(TOKEN), "the token is never in an error");
    }
    assert.equal(o.outputs.length, 0, "nothing is sent on");
  });

  it("reports invalid settings at deploy and with every message", async () => {
    await helper.load(OUR_NODES, resultFlow({ shape: "xml" }));
    assert.deepEqual(callsBy(node("n1").status, "n1").at(-1)?.[0], {
      fill: "red",
      shape: "ring",
      text: "SANTE_INVALID_INPUT",
    });
    const o = new Outcomes();
    await o.send(afterLookup(readFileSync(join(DATA, "omi-o23.hl7"), "utf8")));
    assert.match(String(santeError(o.errors[0])?.message), /shape must be one of "oru", "status"/);
  });

  it("result → hl7 send → HIS: the HIS reads the link back from OBX-5, and msg.hl7 still names the order", async () => {
    const his = (r.his = await startFakeHis());
    const at = { z: TAB, x: 100, y: 100 };
    const flow = [
      ...resultFlow(),
      endpointDef(his.port),
      { id: "send", type: "sante-hl7-send", endpoint: "his", wires: [["sent"]], ...at },
      { id: "sent", type: "helper", ...at },
    ];
    // n1 (the result node) feeds the send node instead of "out".
    (flow.find((n) => (n as { id: string }).id === "n1") as { wires: string[][] }).wires = [["send"]];
    await helper.load(OUR_NODES, flow);
    const sent: NodeMessage[] = [];
    node("sent").on("input", (msg) => sent.push(msg));
    const orders = samples.map((f) => readFileSync(join(DATA, f), "utf8"));
    const links = orders.map((_, i) => `${LINK}${i}&x=${i}^|~\\`);
    orders.forEach((text, i) => node("n1").receive(afterLookup(text, UID, links[i])));
    await until(() => sent.length === orders.length, "every result acknowledged");
    assert.equal(his.received.length, orders.length);
    his.received.forEach((received, i) => {
      assert.equal(readHl7(received, "OBX[2]-5.1"), links[i], "the HIS's parse of OBX-5 is the link");
      assert.deepEqual(names(received), ORU_SEGMENTS);
    });
    sent.forEach((msg, i) => {
      assert.equal((msg.ack as { code?: string }).code, "AA");
      assert.equal((msg.ack as { controlId?: string }).controlId, readHl7(msg.payload as string, "MSH-10"));
      assert.equal((msg.hl7 as { message?: string }).message, orders[i], "msg.hl7 still holds the order");
    });
  });

  describe("on the shared HL7 corpus", () => {
    let corpus: { id: string; bytes: Buffer }[] = [];

    before(function () {
      const dir = locateHl7Corpus();
      if (dir === undefined) {
        const bar = "!".repeat(78);
        console.warn(`\n${bar}\n!! SKIPPING THE HL7 RESULT NODE CORPUS TEST: ${missingCorpusMessage()}\n${bar}\n`);
        this.skip();
      }
      corpus = readHl7CorpusManifest(dir).map((m) => ({ id: m.id, bytes: readFileSync(join(dir, m.file)) }));
    });

    it("every order-like message (ORC or OBR) gives exactly RAD-128's segments, carrying the link", async () => {
      const orders = corpus.filter(({ bytes }) => {
        const segs = parseHl7Message(bytes).segments.map((s) => s.name);
        return segs.includes("ORC") || segs.includes("OBR");
      });
      assert.ok(orders.length >= 100, `${orders.length} order-like messages`);
      await helper.load(OUR_NODES, resultFlow());
      const o = new Outcomes();
      for (const { id, bytes } of orders) {
        const msg = afterLookup(bytes.toString("utf8"), UID, `${LINK}&n=${id}`);
        (msg.hl7 as { message: unknown }).message = bytes;
        await o.send(msg);
        assert.equal(o.errors.length, 0, `${id}: ${String(santeError(o.errors[0])?.message)}`);
        const result = o.outputs.at(-1)?.payload as string;
        const hasPid = parseHl7Message(bytes).segments.some((s) => s.name === "PID");
        assert.deepEqual(names(result), hasPid ? ORU_SEGMENTS : ORU_SEGMENTS.filter((n) => n !== "PID"), id);
        assert.equal(readHl7(result, "OBX[2]-5.1"), `${LINK}&n=${id}`, id);
        // The link's & must not start a subcomponent where & is the message's subcomponent separator.
        const escaped = readHl7Header(bytes).delimiters.subcomponent === "&";
        assert.equal(result.includes("&n="), !escaped, `${id}: & escaped exactly when it is a delimiter`);
      }
    });
  });
});
