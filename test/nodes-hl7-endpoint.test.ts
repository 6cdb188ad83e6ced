/**
 * `sante-hl7-endpoint` in a real Node-RED runtime: its settings as the editor saves them, its one connection
 * shared by the send nodes and closed on redeploy, and its Test connection endpoint, which sends nothing.
 */
import { strict as assert } from "node:assert";
import { readHl7 } from "../lib/hl7";
import { freePort } from "./helpers/fault-server";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { endpointDef, order, startFakeHis, receiversPerTest } from "./helpers/hl7-his";
import { startMllpFaultServer } from "./helpers/mllp-fault-server";
import { TAB, until } from "./helpers/nr-flows";
import { helper, node, OUR_NODES } from "./helpers/nr-helper";

const PATH = "/sante-hl7-endpoint/test";
const at = { z: TAB, x: 100, y: 100 };

/** Two send nodes on one endpoint, each with its own output. */
function twoSenders(endpoint: Record<string, unknown>): object[] {
  return [
    { id: TAB, type: "tab", label: "test" },
    endpoint,
    { id: "a", type: "sante-hl7-send", endpoint: "his", wires: [["outA"]], ...at },
    { id: "b", type: "sante-hl7-send", endpoint: "his", wires: [["outB"]], ...at },
    { id: "outA", type: "helper", ...at },
    { id: "outB", type: "helper", ...at },
  ];
}

describe("sante-hl7-endpoint in a Node-RED runtime", function () {
  this.timeout(10000);
  const r = receiversPerTest();

  it("is shared: two send nodes on one endpoint use its one connection, in the order the messages came", async () => {
    const his = (r.his = await startFakeHis());
    await helper.load(OUR_NODES, twoSenders(endpointDef(his.port)));
    const outputs: string[] = [];
    for (const id of ["outA", "outB"])
      node(id).on("input", (msg) => outputs.push(`${id}:${readHl7(msg.payload as string, "MSH-10")}`));
    for (let i = 0; i < 6; i++) node(i % 2 ? "b" : "a").receive({ payload: order(`M${i}`) });
    await until(() => outputs.length === 6, "six ACKs");
    assert.deepEqual(
      his.received.map((m) => readHl7(m, "MSH-10")),
      ["M0", "M1", "M2", "M3", "M4", "M5"],
    );
    assert.deepEqual(
      outputs.filter((o) => o.startsWith("outA")),
      ["outA:M0", "outA:M2", "outA:M4"],
    );
  });

  it("reads $(ENV) and blank fields as Node-RED resolves them, blanks as the defaults", async () => {
    const his = (r.his = await startFakeHis());
    process.env.SANTE_TEST_HIS_PORT = String(his.port);
    try {
      const endpoint = endpointDef("$(SANTE_TEST_HIS_PORT)", { retries: "", queueLimit: "", idleTimeout: "" });
      await helper.load(OUR_NODES, [...twoSenders(endpoint), { id: "unused", type: "helper", ...at }]);
      const got: unknown[] = [];
      node("outA").on("input", (msg) => got.push(msg.ack));
      node("a").receive({ payload: order("ENV-1") });
      await until(() => got.length === 1, "the ACK");
      assert.equal(his.received.length, 1);
    } finally {
      delete process.env.SANTE_TEST_HIS_PORT;
    }
  });

  it("closes its connection on a full redeploy, and a new endpoint opens its own", async () => {
    const fault = (r.fault = await startMllpFaultServer((socket, id) =>
      socket.write(`\x0bMSH|^~\\&|H|H|||||ACK|A${id}|P|2.5\rMSA|AA|${id}\r\x1c\r`),
    ));
    const flow = twoSenders(endpointDef(fault.port));
    await helper.load(OUR_NODES, flow);
    const sent: unknown[] = [];
    node("outA").on("input", (msg) => sent.push(msg));
    node("a").receive({ payload: order("BEFORE") });
    await until(() => sent.length === 1, "the first ACK");
    const open = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;
    const withConnection = open();
    await helper.setFlows(
      flow.map((n) => ((n as { id: string }).id === "his" ? { ...n, timeout: "3000" } : n)),
      "full",
    );
    // The client's idle socket is unref'd (not listed); the HIS's end of it is, and closes only when the client does.
    await until(() => open() < withConnection, "the old connection closed");
    const after: unknown[] = [];
    node("outA").on("input", (msg) => after.push(msg));
    node("a").receive({ payload: order("AFTER") });
    await until(() => after.length === 1, "the ACK through the new endpoint");
    assert.equal(fault.connections, 2);
  });

  describe("Test connection", () => {
    let baseline: Map<string, number>;

    beforeEach(async () => {
      r.his = await startFakeHis();
      await helper.load(OUR_NODES, [{ id: TAB, type: "tab" }]);
      await new Promise((resolve) => setImmediate(resolve));
      baseline = resourceCounts();
    });

    const post = (body: unknown) => helper.request().post(PATH).send(body);

    it("connects, sends nothing, and says so", async () => {
      const res = await post({ host: "127.0.0.1", port: String(r.his?.port), timeout: "2000" });
      assert.equal(res.status, 200, res.text);
      const body = res.body as { ok: boolean; message: string };
      assert.equal(body.ok, true);
      assert.match(
        body.message,
        new RegExp(`127\\.0\\.0\\.1:${r.his?.port} accepted the connection; no message was sent`),
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.deepEqual(r.his?.received, [], "a test never puts a message into the HIS");
      await assertNoLeaks(baseline);
    });

    it("reports a refused port as SANTE_CONNECTION (200), and invalid values as 400 SANTE_INVALID_INPUT", async () => {
      const port = await freePort();
      const refused = await post({ host: "127.0.0.1", port });
      assert.equal(refused.status, 200);
      assert.deepEqual(
        [(refused.body as { ok: boolean }).ok, (refused.body as { code: string }).code],
        [false, "SANTE_CONNECTION"],
      );
      for (const body of [{ port: "0" }, { port: "http" }, { timeout: "0" }, []]) {
        const res = await post(body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal((res.body as { code: string }).code, "SANTE_INVALID_INPUT");
      }
      await assertNoLeaks(baseline);
    });

    it("resolves ${ENV} fields as a deployed node would", async () => {
      process.env.SANTE_TEST_HIS_HOST = "127.0.0.1";
      try {
        const res = await post({ host: "${SANTE_TEST_HIS_HOST}", port: String(r.his?.port) });
        assert.equal((res.body as { ok: boolean }).ok, true, res.text);
      } finally {
        delete process.env.SANTE_TEST_HIS_HOST;
      }
    });
  });
});
