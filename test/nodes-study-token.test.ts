import { strict as assert } from "node:assert";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { freePort, startFaultServer, type FaultServer } from "./helpers/fault-server";
import { caughtCode, flowWith, Outcomes, serverDef, TAB, until } from "./helpers/nr-flows";
import { callsBy, helper, node, OUR_NODES } from "./helpers/nr-helper";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const STUDY = { type: "sante-study-token", output: "payload" };

describe("sante-study-token in a Node-RED runtime", () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ port: 0 });
  });
  after(() => sim.close());
  afterEach(() => helper.unload());

  async function start(n1: Record<string, unknown> = {}, server: Record<string, unknown> = {}): Promise<Outcomes> {
    await helper.load(OUR_NODES, flowWith({ ...STUDY, ...n1 }, serverDef(sim.port, server)));
    return new Outcomes();
  }

  it("puts the vendor document's token in msg.payload and msg.sante, and passes the rest of msg through", async () => {
    const o = await start();
    await o.send({ payload: SEED_UID, topic: "order-17", patient: { id: "P1" } });
    assert.equal(o.errors.length, 0);
    const msg = o.outputs[0];
    assert.equal(msg.payload, SEED_TOKEN);
    assert.deepEqual(msg.sante, { studyInstanceUid: SEED_UID, token: SEED_TOKEN, cached: false });
    assert.equal(msg.topic, "order-17");
    assert.deepEqual(msg.patient, { id: "P1" });
  });

  it("sends its output before it reports the message complete to a Complete node (send, then done)", async () => {
    await helper.load(
      OUR_NODES,
      flowWith(
        { ...STUDY },
        serverDef(sim.port),
        {
          id: "complete",
          type: "complete",
          z: TAB,
          x: 1,
          y: 1,
          scope: ["n1"],
          wires: [["completed"]],
        },
        { id: "completed", type: "helper", z: TAB, x: 1, y: 1 },
      ),
    );
    const o = new Outcomes();
    const order: string[] = [];
    node("out").on("input", () => order.push("output"));
    node("completed").on("input", () => order.push("complete"));
    await o.send({ payload: SEED_UID });
    await until(() => order.length === 2, "the output and the Complete node");
    assert.deepEqual(order, ["output", "complete"]);
  });

  it("puts the error code on msg.santeError too (Node-RED < 4.1 copies no code to msg.error), and drops it on success", async () => {
    const o = await start();
    await o.send({ payload: "1.2.3.404" });
    const caught = o.errors[0];
    // msg.santeError.code on every version; msg.error.code too from Node-RED 4.1 on (caughtCode checks both).
    assert.equal(caughtCode(caught), "SANTE_NOT_FOUND");
    assert.match((caught.santeError as { message: string }).message, /1\.2\.3\.404 is not known/);
    // A Catch → retry branch sends the same message again: once it succeeds, no stale code goes on with it.
    await o.send({ ...caught, payload: SEED_UID, error: undefined });
    assert.equal(o.outputs[0].payload, SEED_TOKEN);
    assert.equal(o.outputs[0].santeError, undefined);
    assert.ok(!("santeError" in o.outputs[0]));
  });

  it("writes the token to the output property and leaves msg.payload alone", async () => {
    // As the editor saves it, and as written by hand with the msg. prefix.
    for (const output of ["study.token", "msg.study.token"]) {
      const o = await start({ property: "order.studyUid", output });
      await o.send({ payload: "keep me", order: { studyUid: SEED_UID } });
      assert.equal(o.outputs[0].payload, "keep me");
      assert.deepEqual(o.outputs[0].study, { token: SEED_TOKEN }, output);
      assert.equal(o.outputs[0].msg, undefined);
      await helper.unload();
    }
  });

  it("ends the message with SANTE_INVALID_INPUT when the output property cannot be written", async () => {
    const o = await start({ output: "study..token" });
    await o.send({ payload: SEED_UID });
    assert.equal(o.outputs.length, 0);
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
    assert.equal((o.errors[0].santeError as { code?: string }).code, "SANTE_INVALID_INPUT");
  });

  it("reads msg.payload when the property field is empty or missing (a flow written by hand)", async () => {
    for (const property of ["", undefined]) {
      const o = await start({ property, propertyType: "msg" });
      await o.send({ payload: SEED_UID });
      assert.equal(o.outputs[0]?.payload, SEED_TOKEN, String(o.lastCode()));
      await helper.unload();
    }
  });

  it("ends each message with SANTE_INVALID_INPUT naming where it looked, when there is nothing there", async () => {
    for (const [property, propertyType, where] of [
      ["studyUid", "flow", "flow.studyUid"],
      ["pacs.uid", "global", "global.pacs.uid"],
      ["studyUid", "msg", "msg.studyUid"],
    ]) {
      const o = await start({ property, propertyType });
      await o.send({ payload: SEED_UID });
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
      assert.match(
        (o.errors[0].error as { message: string }).message,
        new RegExp(`in ${where.replace(/\./g, "\\.")}$`),
      );
      await helper.unload();
    }
  });

  it("ends each message with SANTE_INVALID_INPUT when the JSONata expression does not parse", async () => {
    const o = await start({ property: "payload.(", propertyType: "jsonata" });
    await o.send({ payload: SEED_UID });
    assert.equal(o.outputs.length, 0);
    assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
  });

  it("reads the UID from flow context, a string, an env var and JSONata", async () => {
    const cases = [
      { property: "uid", propertyType: "str", msg: {} },
      { property: "SANTE_TEST_UID", propertyType: "env", msg: {} },
      { property: "payload.uids[0]", propertyType: "jsonata", msg: { payload: { uids: [SEED_UID] } } },
      { property: "studyUid", propertyType: "flow", msg: {} },
    ];
    process.env.SANTE_TEST_UID = SEED_UID;
    try {
      for (const c of cases) {
        const o = await start({ property: c.property === "uid" ? SEED_UID : c.property, propertyType: c.propertyType });
        if (c.propertyType === "flow") {
          (helper.getNode("n1") as unknown as { context(): { flow: { set(k: string, v: unknown): void } } })
            .context()
            .flow.set("studyUid", SEED_UID);
        }
        await o.send(c.msg);
        assert.equal(o.outputs[0]?.payload, SEED_TOKEN, `${c.propertyType} ${o.lastCode() as string}`);
        await helper.unload();
      }
    } finally {
      delete process.env.SANTE_TEST_UID;
    }
  });

  it("answers a second lookup of the same study from the cache (msg.sante.cached)", async () => {
    const o = await start();
    await o.send({ payload: SEED_UID });
    const asked = sim.requests;
    await o.send({ payload: SEED_UID });
    assert.equal(o.outputs[1].payload, SEED_TOKEN);
    assert.equal((o.outputs[1].sante as { cached: boolean }).cached, true);
    assert.equal(sim.requests, asked, "the PACS was not asked again");
  });

  it("reports an unknown study as SANTE_NOT_FOUND to a Catch node, with no output", async () => {
    const o = await start();
    await o.send({ payload: "1.2.3.4.5.6.7.8.9" });
    assert.equal(o.outputs.length, 0);
    assert.equal(o.lastCode(), "SANTE_NOT_FOUND");
    assert.equal((o.errors[0].error as { source: { id: string } }).source.id, "n1");
  });

  it("rejects a malformed UID as SANTE_INVALID_INPUT without sending a byte", async () => {
    const o = await start();
    const before = sim.requests;
    for (const payload of ["1.2..3", "1.2.3\r4", "abc", "", { uid: SEED_UID }, 1.5]) {
      await o.send({ payload });
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT", JSON.stringify(payload));
    }
    for (const msg of [{ topic: "no payload at all" }, { payload: null }]) {
      await o.send(msg);
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
      // Where the node looked, not what it found.
      assert.match(
        (o.errors.at(-1)?.error as { message: string }).message,
        /There is no Study Instance UID in msg\.payload/,
      );
    }
    assert.equal(o.outputs.length, 0);
    assert.equal(sim.requests, before);
  });

  it("reports an unreachable PACS as SANTE_CONNECTION", async () => {
    await helper.load(OUR_NODES, flowWith(STUDY, serverDef(await freePort())));
    const o = new Outcomes();
    await o.send({ payload: SEED_UID });
    assert.equal(o.lastCode(), "SANTE_CONNECTION");
  });

  describe("against a PACS that never answers", () => {
    let silent: FaultServer;
    before(async () => {
      silent = await startFaultServer(() => undefined);
    });
    after(() => silent.close());

    it("ends the message with SANTE_TIMEOUT after the server's timeout, shown as a red ring", async () => {
      await helper.load(OUR_NODES, flowWith(STUDY, serverDef(silent.port, { timeout: "150" })));
      const o = new Outcomes();
      await o.send({ payload: SEED_UID });
      assert.equal(o.lastCode(), "SANTE_TIMEOUT");
      await until(() => o.statuses.at(-1)?.fill === "red", "the red status");
      assert.deepEqual(o.statuses.at(-1), { fill: "red", shape: "ring", text: "SANTE_TIMEOUT" });
    });

    it("shows a blue ring with the number of lookups waiting", async () => {
      await helper.load(OUR_NODES, flowWith(STUDY, serverDef(silent.port, { timeout: "60000" })));
      const o = new Outcomes();
      await o.send({ payload: SEED_UID }, 0);
      await o.send({ payload: `${SEED_UID}1` }, 0);
      await until(() => o.statuses.some((s) => s.text === "2 waiting"), "2 waiting");
      // Updates are throttled: "1 waiting" may be skipped, but nothing else shows while they wait.
      assert.ok(
        o.statuses.every((s) => s.fill === "blue" && s.shape === "ring" && /^[12] waiting$/.test(s.text ?? "")),
      );
      assert.deepEqual(o.statuses.at(-1), { fill: "blue", shape: "ring", text: "2 waiting" });
      // afterEach's unload ends both with SANTE_CLOSED.
    });
  });

  it("shows a green dot after a success, and never a token in the status", async () => {
    const o = await start();
    await o.send({ payload: SEED_UID });
    await until(() => o.statuses.at(-1)?.text === "found", "found");
    await o.send({ payload: SEED_UID });
    await until(() => o.statuses.at(-1)?.text === "found (cached)", "found (cached)");
    assert.deepEqual(o.statuses.at(-1), { fill: "green", shape: "dot", text: "found (cached)" });
    for (const s of o.statuses) assert.ok(!JSON.stringify(s).includes(SEED_TOKEN.slice(0, 8)));
  });

  it("updates the status at most every 200 ms however many lookups pass, and always ends on the latest", async () => {
    const o = await start();
    const uids = Array.from({ length: 50 }, (_, i) => `${SEED_UID}.${i}`);
    for (const payload of uids) o.n1.receive({ payload });
    await until(() => o.errors.length === 50, "50 answers");
    await until(() => o.statuses.at(-1)?.fill === "red", "the final status");
    assert.ok(o.statuses.length < 10, `${o.statuses.length} status updates`);
    assert.deepEqual(o.statuses.at(-1), { fill: "red", shape: "ring", text: "SANTE_NOT_FOUND" });
  });

  describe("server configuration", () => {
    it("accepts numbers as numbers or strings, and $(ENV) values substituted by Node-RED", async () => {
      process.env.SANTE_TEST_PORT = String(sim.port);
      try {
        for (const server of [
          { port: sim.port, timeout: 2000, connections: 2 },
          { port: "$(SANTE_TEST_PORT)" },
          { port: "${SANTE_TEST_PORT}", timeout: "" },
        ]) {
          const o = await start({}, server);
          await o.send({ payload: SEED_UID });
          assert.equal(o.outputs[0]?.payload, SEED_TOKEN, JSON.stringify(server));
          await helper.unload();
        }
      } finally {
        delete process.env.SANTE_TEST_PORT;
      }
    });

    for (const [field, value] of [
      ["port", "99999"],
      ["port", "http"],
      ["timeout", "0"],
      ["connections", "0"],
      ["tls", "no-such-tls-node"],
    ]) {
      it(`reports ${field} "${value}" once at deploy and fails each lookup with SANTE_INVALID_INPUT`, async () => {
        const o = await start({}, { [field]: value });
        const reported = callsBy(node("pacs").error, "pacs");
        assert.equal(reported.length, 1, "the config node reports its problem once, at deploy");
        assert.match(String(reported[0][0]), /Invalid Sante PACS server configuration/);
        assert.deepEqual(callsBy(node("n1").status, "n1").at(-1)?.[0], {
          fill: "red",
          shape: "ring",
          text: "SANTE_INVALID_INPUT",
        });
        await o.send({ payload: SEED_UID });
        assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
        assert.match(
          String((o.errors[0].error as { message: string }).message),
          new RegExp(field === "tls" ? "TLS" : field),
        );
        assert.equal(o.outputs.length, 0);
      });
    }

    it("fails lookups with SANTE_INVALID_INPUT and shows it when no server is chosen", async () => {
      await helper.load(OUR_NODES, flowWith({ ...STUDY, server: "" }, null));
      const o = new Outcomes();
      await o.send({ payload: SEED_UID });
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
      assert.match((o.errors[0].error as { message: string }).message, /No Sante PACS server/);
      await until(() => o.statuses.at(-1)?.text === "SANTE_INVALID_INPUT", "the red status");
    });
  });
});
