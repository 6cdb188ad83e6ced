import { strict as assert } from "node:assert";
import type { NodeMessage } from "../nodes/glue/node-red-types";
import { startFaultServer, type FaultServer } from "./helpers/fault-server";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { flowWith, Outcomes, serverDef, until } from "./helpers/nr-flows";
import { callsBy, helper, node, OUR_NODES, type TestNode } from "./helpers/nr-helper";

const UIDS = ["1.2.3.1", "1.2.3.2", "1.2.3.3"];

/** The errors each node has reported through done(err), by message id. */
function endsByMessage(n: TestNode, id: string): Map<string, unknown[]> {
  const ends = new Map<string, unknown[]>();
  for (const [err, msg] of callsBy(n.error, id)) {
    const msgid = (msg as NodeMessage | undefined)?._msgid;
    if (msgid) ends.set(msgid, [...(ends.get(msgid) ?? []), (err as { code?: unknown }).code]);
  }
  return ends;
}

describe("sante lookup nodes across a redeploy", () => {
  let silent: FaultServer;
  let baseline: Map<string, number>;

  before(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
    // A PACS that accepts connections and never answers keeps lookups in flight.
    silent = await startFaultServer(() => undefined);
  });
  after(async () => {
    await silent.close();
    await assertNoLeaks(baseline);
  });
  afterEach(() => helper.unload());

  for (const type of ["sante-study-token", "sante-patient-tokens"]) {
    for (const deploy of ["full", "nodes"] as const) {
      it(`${type}: a "${deploy}" deploy ends each lookup in flight once, with SANTE_CLOSED, and leaves nothing open`, async () => {
        const flow = flowWith({ type, output: "payload" }, serverDef(silent.port, { timeout: "60000" }));
        await helper.load(OUR_NODES, flow);
        const o = new Outcomes();
        const n1 = node("n1");
        const sent = UIDS.map((payload) => ({ payload, _msgid: `m-${payload}` }));
        for (const msg of sent) n1.receive(msg);
        await until(() => o.statuses.some((s) => s.text === "3 waiting"), "three lookups in flight");
        await until(() => silent.connections >= 3, "the connections");

        // "nodes" redeploys only what changed: n1, not the config node or its client.
        const changed = flow.map((n) => ((n as { id: string }).id === "n1" ? { ...n, name: "renamed" } : n));
        await helper.setFlows(changed, deploy);

        const ends = endsByMessage(n1, "n1");
        assert.deepEqual(
          sent.map((m) => ends.get(m._msgid)),
          sent.map(() => ["SANTE_CLOSED"]),
        );
        assert.equal(o.outputs.length, 0);
        for (const [, msg] of callsBy(n1.error, "n1")) {
          assert.equal((msg as { santeError?: { code?: string } }).santeError?.code, "SANTE_CLOSED");
        }
        if (deploy === "full") {
          await until(() => silent.connections > 0 && openSockets() === 0, "the client's sockets to close");
        }
      });
    }
  }

  it("a redeploy also ends, once each, the messages still waiting in the node past its window of 256", async () => {
    const flow = flowWith({ type: "sante-study-token" }, serverDef(silent.port, { timeout: "60000" }));
    await helper.load(OUR_NODES, flow);
    const o = new Outcomes();
    const n1 = node("n1");
    const sent = Array.from({ length: 300 }, (_, i) => ({ payload: `1.2.4.${i}`, _msgid: `w-${i}` }));
    for (const msg of sent) n1.receive(msg);
    await until(() => o.statuses.some((s) => s.text === "300 waiting"), "300 messages in hand");
    // Only n1 is redeployed: the client lives on, so nothing but the node's own close can end those 44.
    await helper.setFlows(
      flow.map((n) => ((n as { id: string }).id === "n1" ? { ...n, name: "renamed" } : n)),
      "nodes",
    );
    const ends = endsByMessage(n1, "n1");
    assert.deepEqual(
      sent.map((m) => ends.get(m._msgid)),
      sent.map(() => ["SANTE_CLOSED"]),
    );
  });

  it("a lookup still running when the config node closes ends with SANTE_CLOSED from the client itself", async () => {
    // The lookup node is closed first and ends its messages; the client's own SANTE_CLOSED that follows must not
    // end them a second time.
    await helper.load(OUR_NODES, flowWith({ type: "sante-study-token" }, serverDef(silent.port, { timeout: "60000" })));
    const o = new Outcomes();
    const n1 = node("n1");
    n1.receive({ payload: "1.2.3.9", _msgid: "only" });
    await until(() => o.statuses.some((s) => s.text === "1 waiting"), "the lookup in flight");
    await helper.setFlows([], "full");
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(endsByMessage(n1, "n1").get("only"), ["SANTE_CLOSED"]);
  });

  /** Sockets from our client to the silent server still open, as the server sees them. */
  function openSockets(): number {
    return (
      process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length -
      (baseline.get("TCPSocketWrap") ?? 0)
    );
  }
});
