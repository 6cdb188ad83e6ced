/**
 * `sante-hl7-send` with its `sante-hl7-endpoint` in a real Node-RED runtime, sending over real TCP to a HIS
 * played by our MllpServer (or, for misbehaviour, a raw MLLP server): what a flow sees for each way a send ends.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHl7 } from "../lib/hl7";
import type { NodeMessage } from "../nodes/glue/node-red-types";
import { freePort } from "./helpers/fault-server";
import { endpointDef, hl7Of, order, startFakeHis, receiversPerTest } from "./helpers/hl7-his";
import { startMllpFaultServer } from "./helpers/mllp-fault-server";
import { ack, frame } from "./helpers/mllp-peer";
import { flowWith, Outcomes, until } from "./helpers/nr-flows";
import { callsBy, coreNode, helper, node, OUR_NODES } from "./helpers/nr-helper";
import { selfSigned } from "./helpers/self-signed";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Ack = { code: string; controlId: string; text: string };
const ackOf = (msg: NodeMessage | undefined) => msg?.ack as Ack | undefined;
const santeError = (msg: NodeMessage | undefined) => msg?.santeError as { code?: string; message?: string } | undefined;

/** The send node n1 with endpoint `his`, its output at "out" and a Catch at "caught". */
function sendFlow(endpoint: Record<string, unknown> | null, ...extra: object[]): object[] {
  return flowWith({ type: "sante-hl7-send", endpoint: "his" }, endpoint, ...extra);
}

describe("sante-hl7-send in a Node-RED runtime", function () {
  this.timeout(10000);
  const r = receiversPerTest();

  it("AA: sends msg.payload once and outputs the same message with msg.ack; msg.hl7 and msg.payload unchanged", async () => {
    const his = (r.his = await startFakeHis());
    await helper.load(OUR_NODES, sendFlow(endpointDef(his.port)));
    const o = new Outcomes();
    const payload = order("ORD-AA-1");
    const hl7 = hl7Of(order("ORDER-IN"));
    await o.send({ payload, hl7: structuredClone(hl7), santeError: { code: "SANTE_TIMEOUT", message: "earlier" } });
    assert.equal(o.errors.length, 0, String(o.lastCode()));
    const out = o.outputs[0];
    assert.deepEqual(his.received, [payload]);
    assert.equal(out.payload, payload);
    assert.deepEqual(out.hl7, hl7);
    assert.equal(out.santeError, undefined, "a message that succeeds loses an earlier error");
    const a = ackOf(out);
    assert.deepEqual([a?.code, a?.controlId], ["AA", "ORD-AA-1"]);
    assert.equal(readHl7(a?.text ?? "", "MSA-2"), "ORD-AA-1");
    assert.equal(readHl7(a?.text ?? "", "MSH-9.1"), "ACK");
    await until(() => o.statuses.at(-1)?.text === "AA", "the status with the ACK code");
    assert.deepEqual(o.statuses.at(-1), { fill: "green", shape: "dot", text: "AA" });
  });

  for (const [code, error] of [
    ["AE", "SANTE_HL7_ERROR"],
    ["AR", "SANTE_HL7_REJECTED"],
  ] as const) {
    it(`${code}: a Catch node gets ${error}, with the ACK (and its ERR segment) on msg.ack`, async () => {
      const his = (r.his = await startFakeHis(() => code));
      await helper.load(OUR_NODES, sendFlow(endpointDef(his.port)));
      const o = new Outcomes();
      await o.send({ payload: order(`ORD-${code}`) });
      assert.equal(o.outputs.length, 0);
      assert.equal(o.lastCode(), error);
      const caught = o.errors[0];
      assert.equal(santeError(caught)?.code, error);
      assert.match(String((caught.error as { message?: string }).message), new RegExp(`\\(${code}\\)`));
      const a = ackOf(caught);
      assert.deepEqual([a?.code, a?.controlId], [code, `ORD-${code}`]);
      assert.equal(readHl7(a?.text ?? "", "ERR-5"), "HIS_ERROR");
      assert.equal(his.received.length, 1, "an answer is never retried");
      await until(() => o.statuses.at(-1)?.text === error, "the status with the error code");
      assert.deepEqual(o.statuses.at(-1), { fill: "red", shape: "ring", text: error });
    });
  }

  it("silence: retries the same bytes, then SANTE_TIMEOUT, once", async () => {
    const fault = (r.fault = await startMllpFaultServer(() => undefined));
    await helper.load(OUR_NODES, sendFlow(endpointDef(fault.port, { timeout: "150", retries: "2" })));
    const o = new Outcomes();
    await o.send({ payload: order("ORD-SILENT") });
    assert.equal(o.lastCode(), "SANTE_TIMEOUT");
    assert.equal(ackOf(o.errors[0]), undefined);
    assert.deepEqual(fault.received, [order("ORD-SILENT"), order("ORD-SILENT"), order("ORD-SILENT")]);
    await sleep(50);
    assert.equal(o.errors.length + o.outputs.length, 1);
  });

  it("a refused connection ends with SANTE_CONNECTION after the retries", async () => {
    const port = await freePort();
    await helper.load(OUR_NODES, sendFlow(endpointDef(port, { retries: "1" })));
    const o = new Outcomes();
    await o.send({ payload: order("ORD-REFUSED") });
    assert.equal(o.lastCode(), "SANTE_CONNECTION");
    assert.match(String(santeError(o.errors[0])?.message), /ECONNREFUSED/);
  });

  it("an ACK for another message is SANTE_PROTOCOL, never taken as this one's; the next message gets its own", async () => {
    const fault = (r.fault = await startMllpFaultServer((socket, id, _m, nth) =>
      socket.write(frame(ack(nth === 1 ? "SOMEONE-ELSE" : id))),
    ));
    await helper.load(OUR_NODES, sendFlow(endpointDef(fault.port)));
    const o = new Outcomes();
    await o.send({ payload: order("FIRST") });
    assert.equal(o.lastCode(), "SANTE_PROTOCOL");
    assert.match(String(santeError(o.errors[0])?.message), /SOMEONE-ELSE/);
    await o.send({ payload: order("SECOND") });
    assert.equal(ackOf(o.outputs[0])?.controlId, "SECOND");
    assert.equal(fault.received.length, 2, "a protocol error is not retried");
    assert.equal(fault.connections, 2, "the connection that carried the foreign ACK was dropped");
  });

  it("with one connection, messages reach the HIS and come out in the order they went in", async () => {
    const his = (r.his = await startFakeHis());
    await helper.load(OUR_NODES, sendFlow(endpointDef(his.port)));
    const o = new Outcomes();
    const ids = Array.from({ length: 30 }, (_, i) => `ORD-${String(i).padStart(3, "0")}`);
    for (const id of ids) o.n1.receive({ payload: order(id) });
    await until(() => o.outputs.length + o.errors.length === ids.length, "every message");
    assert.deepEqual(
      his.received.map((m) => readHl7(m, "MSH-10")),
      ids,
    );
    assert.deepEqual(
      o.outputs.map((m) => ackOf(m)?.controlId),
      ids,
    );
    assert.ok(
      o.statuses.some((s) => /^\d+ waiting$/.test(s.text ?? "")),
      "the waiting count showed",
    );
  });

  it("a Buffer payload is sent byte for byte (no re-encoding)", async () => {
    const his = (r.his = await startFakeHis());
    await helper.load(OUR_NODES, sendFlow(endpointDef(his.port)));
    const o = new Outcomes();
    // Latin-1 bytes, as a HIS configured for 8859/1 would expect them: not valid UTF-8.
    const bytes = Buffer.from(order("ORD-BYTES").replace("DOE^JANE", "MÜLLER^JOSÉ"), "latin1");
    await o.send({ payload: bytes });
    assert.equal(ackOf(o.outputs[0])?.code, "AA");
    assert.deepEqual(his.receivedBytes[0], bytes);
    assert.ok(Buffer.isBuffer(o.outputs[0].payload));
  });

  it("refuses what is not an HL7 message with an MSH-10 with SANTE_INVALID_INPUT, sending nothing", async () => {
    const his = (r.his = await startFakeHis());
    await helper.load(OUR_NODES, sendFlow(endpointDef(his.port)));
    const o = new Outcomes();
    const bad: [unknown, RegExp][] = [
      [{ an: "object" }, /not object/],
      [undefined, /There is no HL7 message in msg\.payload/],
      ["PID|1||X\r", /MSH/],
      [order("").replace("||P|", "||P|"), /MSH-10/],
      [`\x0b${order("FRAMED")}\x1c\r`, /frame bytes/],
    ];
    for (const [payload, reason] of bad) {
      await o.send({ payload });
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT", String(payload));
      assert.match(String(santeError(o.errors.at(-1))?.message), reason);
    }
    assert.equal(o.outputs.length, 0);
    assert.deepEqual(his.received, []);
  });

  it("without an endpoint, or with an invalid one, says so at deploy and ends each message with SANTE_INVALID_INPUT", async () => {
    await helper.load(OUR_NODES, sendFlow(null));
    let o = new Outcomes();
    await o.send({ payload: order("NO-ENDPOINT") });
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
    assert.match(String(santeError(o.errors[0])?.message), /No HL7 endpoint/);
    await helper.unload();

    await helper.load(OUR_NODES, sendFlow(endpointDef("99999")));
    o = new Outcomes();
    const shown = callsBy(node("n1").status, "n1").map((c) => c[0]);
    assert.deepEqual(shown.at(-1), { fill: "red", shape: "ring", text: "SANTE_INVALID_INPUT" });
    const logged = callsBy(node("his").error, "his").map((c) => String(c[0]));
    assert.ok(
      logged.some((m) => /Invalid HL7 endpoint configuration: .*port must be a whole number/.test(m)),
      logged.join(),
    );
    await o.send({ payload: order("BAD-ENDPOINT") });
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
    assert.match(String(santeError(o.errors[0])?.message), /port/);
  });

  it("queue full: messages past the endpoint's queue limit end at once with SANTE_BUSY", async () => {
    const fault = (r.fault = await startMllpFaultServer(() => undefined));
    await helper.load(OUR_NODES, sendFlow(endpointDef(fault.port, { timeout: "60000", queueLimit: "2" })));
    const o = new Outcomes();
    // One on the wire, two in the queue, two refused.
    for (let i = 1; i <= 5; i++) o.n1.receive({ payload: order(`Q${i}`), _msgid: `q${i}` });
    await until(() => o.errors.length === 2, "the two refused");
    assert.deepEqual(
      o.errors.map((m) => [m._msgid, santeError(m)?.code]),
      [
        ["q4", "SANTE_BUSY"],
        ["q5", "SANTE_BUSY"],
      ],
    );
    // The first reaches the receiver (it may still be on its way when the refusals come back), and only it.
    await until(() => fault.received.length === 1, "the first message on the wire");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(fault.received.length, 1);
  });

  for (const deploy of ["full", "nodes"] as const) {
    it(`a "${deploy}" redeploy mid-flight ends each message once with SANTE_CLOSED; those not yet sent never are`, async () => {
      let holding: (() => void) | undefined;
      const fault = (r.fault = await startMllpFaultServer((socket, id) => {
        holding = () => socket.write(frame(ack(id)));
      }));
      const flow = sendFlow(endpointDef(fault.port, { timeout: "60000" }));
      await helper.load(OUR_NODES, flow);
      const n1 = node("n1");
      const o = new Outcomes(n1);
      const sent = ["R1", "R2", "R3"].map((id) => ({ payload: order(id), _msgid: id }));
      for (const msg of sent) n1.receive(msg);
      await until(() => fault?.received.length === 1, "the first message on the wire");
      await until(() => o.statuses.some((s) => s.text === "3 waiting"), "three waiting");

      // "nodes" redeploys only what changed: n1, not the endpoint or its connection.
      const changed = flow.map((n) => ((n as { id: string }).id === "n1" ? { ...n, name: "renamed" } : n));
      await helper.setFlows(changed, deploy);

      const ends = new Map<string, unknown[]>();
      for (const [err, msg] of callsBy(n1.error, "n1")) {
        const id = (msg as NodeMessage)._msgid as string;
        ends.set(id, [...(ends.get(id) ?? []), (err as { code?: string }).code]);
        assert.equal(santeError(msg as NodeMessage)?.code, "SANTE_CLOSED");
      }
      assert.deepEqual(
        sent.map((m) => ends.get(m._msgid)),
        [["SANTE_CLOSED"], ["SANTE_CLOSED"], ["SANTE_CLOSED"]],
      );
      assert.equal(o.outputs.length, 0);

      if (deploy === "nodes") {
        // The connection lives on: the first message's ACK arrives, and the two withdrawn ones are never sent.
        holding?.();
        const after = new Outcomes(node("n1"));
        node("n1").receive({ payload: order("AFTER") });
        await until(() => fault?.received.length === 2, "the next message");
        holding?.();
        await until(() => after.outputs.length === 1, "its ACK");
        assert.deepEqual(
          fault.received.map((m) => readHl7(m, "MSH-10")),
          ["R1", "AFTER"],
        );
        assert.equal(ackOf(after.outputs[0])?.controlId, "AFTER");
      }
      await sleep(30);
      assert.equal(callsBy(n1.error, "n1").length, 3, "no second end for any message");
      // On either deploy, the two messages withdrawn while queued never reached the receiver.
      assert.deepEqual(
        fault.received.map((m) => readHl7(m, "MSH-10")),
        deploy === "nodes" ? ["R1", "AFTER"] : ["R1"],
      );
    });
  }

  describe("over TLS (a core tls-config node)", () => {
    const cert = selfSigned();
    const tlsNode = coreNode("network/05-tls.js");
    const tlsConfig = (ca: string) => ({
      id: "tls1",
      type: "tls-config",
      cert: "",
      key: "",
      ca,
      servername: "localhost",
      verifyservercert: true,
    });

    before(function () {
      if (!cert) this.skip();
    });

    it("sends and gets the ACK over TLS, checking the HIS's certificate against the tls-config's CA", async () => {
      const dir = mkdtempSync(join(tmpdir(), "sante-hl7-tls-"));
      try {
        writeFileSync(join(dir, "ca.pem"), cert?.cert ?? "");
        const his = (r.his = await startFakeHis(undefined, { tls: { key: cert?.key, cert: cert?.cert } }));
        await helper.load(
          [tlsNode, ...OUR_NODES],
          sendFlow(endpointDef(his.port, { tls: "tls1" }), tlsConfig(join(dir, "ca.pem"))),
        );
        const o = new Outcomes();
        await o.send({ payload: order("TLS-1") });
        assert.equal(ackOf(o.outputs[0])?.code, "AA", String(o.lastCode()));
        await helper.unload();

        // Without the CA the certificate is not trusted: nothing is sent.
        await helper.load(
          [tlsNode, ...OUR_NODES],
          sendFlow(endpointDef(his.port, { tls: "tls1", retries: "0" }), tlsConfig("")),
        );
        const refused = new Outcomes();
        await refused.send({ payload: order("TLS-2") });
        assert.equal(refused.lastCode(), "SANTE_CONNECTION");
        assert.deepEqual(his.received, [order("TLS-1")]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
