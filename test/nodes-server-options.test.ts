/**
 * The reliability settings of `sante-pacs-server` in a real Node-RED runtime:
 * what a flow saved before they existed gets, how they are read and checked,
 * and the token cache that belongs to the PACS address rather than the node.
 */
import { strict as assert } from "node:assert";
import type { NodeMessage } from "../nodes/glue/node-red-types";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { freePort, startFaultServer, type FaultServer } from "./helpers/fault-server";
import { flowWith, Outcomes, serverDef, TAB, until } from "./helpers/nr-flows";
import { callsBy, helper, node, OUR_NODES } from "./helpers/nr-helper";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const PATIENT_ID = "ID200631zw609";
const PREFIX = "1.2.840.113619.2.55.3.2831173124.78.1375418120.";
const PATIENT_UIDS = [`${PREFIX}812`, `${PREFIX}813`, `${PREFIX}814`];
const STUDY = { type: "sante-study-token", output: "payload" };
const PATIENT = { type: "sante-patient-tokens", output: "payload", split: false };
const AT = { z: TAB, x: 200, y: 200 };

const RELIABILITY_FIELDS = [
  "queueLimit",
  "retries",
  "breakerThreshold",
  "breakerCooldown",
  "cacheSize",
  "patientCacheSeconds",
  "cacheStore",
];

/** msg.sante.cached of an output. */
function cached(msg: NodeMessage | undefined): unknown {
  return (msg?.sante as { cached?: unknown } | undefined)?.cached;
}

/** A second lookup node "n2" on its own config node "pacs2", sending to the same "out". */
function secondLookup(server: Record<string, unknown>, n2: Record<string, unknown> = STUDY): object[] {
  return [
    { ...server, id: "pacs2" },
    { id: "n2", ...AT, server: "pacs2", property: "payload", propertyType: "msg", wires: [["out"]], ...n2 },
  ];
}

/** Sends msg into node `id` (not n1) and waits for one more ending seen by `o`. */
async function sendTo(o: Outcomes, id: string, msg: NodeMessage): Promise<void> {
  const target = o.outputs.length + o.errors.length + 1;
  node(id).receive(msg);
  await until(() => o.outputs.length + o.errors.length >= target, `the answer of ${id}`);
}

interface GlobalContext {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
}

function globalContext(): GlobalContext {
  return (node("pacs") as unknown as { context(): { global: GlobalContext } }).context().global;
}

describe("sante-pacs-server reliability settings in a Node-RED runtime", () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ port: 0 });
  });
  after(() => sim.close());
  afterEach(() => helper.unload());

  async function start(
    n1: Record<string, unknown> = STUDY,
    server: Record<string, unknown> = {},
    ...extra: object[]
  ): Promise<Outcomes> {
    await helper.load(OUR_NODES, flowWith(n1, serverDef(sim.port, server), ...extra));
    return new Outcomes();
  }

  describe("a flow saved before the settings existed", () => {
    it("has none of the fields, and caches study tokens but not patient lists", async () => {
      const server = serverDef(sim.port);
      for (const field of RELIABILITY_FIELDS) assert.equal(field in server, false, field);
      const o = await start(STUDY, {}, ...secondLookup(server, PATIENT));
      assert.equal(callsBy(node("pacs").error, "pacs").length, 0);
      const before = sim.requests;
      await o.send({ payload: SEED_UID });
      await o.send({ payload: SEED_UID });
      assert.deepEqual(o.outputs.map(cached), [false, true]);
      assert.equal(sim.requests, before + 1, "the second lookup came from the cache");
      await sendTo(o, "n2", { payload: PATIENT_ID });
      await sendTo(o, "n2", { payload: PATIENT_ID });
      assert.deepEqual(o.outputs.slice(2).map(cached), [false, false]);
      assert.equal(sim.requests, before + 3, "each patient lookup asked the PACS (patientCacheSeconds 0)");
    });

    it("retries a dropped connection twice (retries 2)", async () => {
      const dropping = await startFaultServer((socket) => socket.destroy());
      try {
        await helper.load(OUR_NODES, flowWith(STUDY, serverDef(dropping.port)));
        const o = new Outcomes();
        await o.send({ payload: SEED_UID });
        assert.equal(o.lastCode(), "SANTE_CONNECTION");
        assert.equal(dropping.connections, 3, "one attempt and two retries");
      } finally {
        await dropping.close();
      }
    });

    it("stops trying a PACS nobody answers after 5 failed connects (breakerThreshold 5, cooldown 10 s)", async () => {
      await helper.load(OUR_NODES, flowWith(STUDY, serverDef(await freePort())));
      const o = new Outcomes();
      // Three attempts for the first lookup, two for the second: five in a row, so the third is refused at once.
      for (let i = 0; i < 3; i++) await o.send({ payload: SEED_UID });
      const messages = o.errors.map((m) => (m.error as { message: string }).message);
      assert.deepEqual(
        o.errors.map((m) => (m.error as { code: string }).code),
        ["SANTE_CONNECTION", "SANTE_CONNECTION", "SANTE_CONNECTION"],
      );
      assert.match(messages[0], /Could not connect/);
      assert.match(messages[1], /Could not connect/);
      assert.match(messages[2], /could not be reached 5 times in a row; not trying again for 10 s/);
    });
  });

  describe("values as the editor saves them (strings) or as numbers", () => {
    for (const retries of ["0", 0, "1", 1]) {
      it(`retries ${JSON.stringify(retries)}`, async () => {
        const dropping = await startFaultServer((socket) => socket.destroy());
        try {
          await helper.load(OUR_NODES, flowWith(STUDY, serverDef(dropping.port, { retries })));
          const o = new Outcomes();
          await o.send({ payload: SEED_UID });
          assert.equal(o.lastCode(), "SANTE_CONNECTION");
          assert.equal(dropping.connections, Number(retries) + 1);
        } finally {
          await dropping.close();
        }
      });
    }

    for (const [threshold, cooldown] of [
      ["2", "60000"],
      [2, 60000],
    ]) {
      it(`breakerThreshold ${JSON.stringify(threshold)}, breakerCooldown ${JSON.stringify(cooldown)}`, async () => {
        const server = serverDef(await freePort(), {
          retries: "0",
          breakerThreshold: threshold,
          breakerCooldown: cooldown,
        });
        await helper.load(OUR_NODES, flowWith(STUDY, server));
        const o = new Outcomes();
        for (let i = 0; i < 3; i++) await o.send({ payload: SEED_UID });
        const last = o.errors[2].error as { code: string; message: string };
        assert.equal(last.code, "SANTE_CONNECTION");
        assert.match(last.message, /could not be reached 2 times in a row; not trying again for 60 s/);
      });
    }

    it('breakerThreshold "0" turns the breaker off', async () => {
      await helper.load(
        OUR_NODES,
        flowWith(STUDY, serverDef(await freePort(), { retries: "0", breakerThreshold: "0" })),
      );
      const o = new Outcomes();
      for (let i = 0; i < 8; i++) await o.send({ payload: SEED_UID });
      for (const m of o.errors) assert.match((m.error as { message: string }).message, /Could not connect/);
    });

    it('queueLimit "1" with one connection: the third lookup at once is SANTE_BUSY', async () => {
      const silent: FaultServer = await startFaultServer(() => undefined);
      try {
        const server = serverDef(silent.port, { queueLimit: "1", connections: "1", timeout: "60000" });
        await helper.load(OUR_NODES, flowWith(STUDY, server));
        const o = new Outcomes();
        // One lookup on the wire, one waiting; the third finds the queue full.
        for (const uid of ["1.2.3.1", "1.2.3.2", "1.2.3.3"]) o.n1.receive({ payload: uid });
        await until(() => o.errors.length === 1, "one lookup refused");
        assert.equal(o.lastCode(), "SANTE_BUSY");
        assert.deepEqual(o.errors[0].payload, "1.2.3.3");
        await helper.unload();
      } finally {
        await silent.close();
      }
    });

    it("past the node's window of 256, messages wait in the node, and that wait counts against queueLimit", async () => {
      const silent: FaultServer = await startFaultServer(() => undefined);
      try {
        const server = serverDef(silent.port, { queueLimit: "10", connections: "1", timeout: "60000" });
        await helper.load(OUR_NODES, flowWith(STUDY, server));
        const o = new Outcomes();
        for (let i = 0; i < 300; i++) o.n1.receive({ payload: `1.2.3.${i}` });
        // 256 go to the client: 1 on the wire, 10 in its queue, 245 refused. Of the other 44, 10 wait in the
        // node and 34 are refused at once; the 10 then find the client's queue full too.
        await until(() => o.errors.length === 245 + 34 + 10, "the refusals");
        assert.ok(o.errors.every((m) => (m.error as { code?: string }).code === "SANTE_BUSY"));
        // Node-RED before 4.1 copies no code to msg.error: it must travel on msg.santeError too.
        assert.ok(o.errors.every((m) => (m.santeError as { code?: string } | undefined)?.code === "SANTE_BUSY"));
        const refusedByNode = o.errors.filter((m) => /messages are already waiting/.test((m.error as Error).message));
        assert.equal(refusedByNode.length, 34);
        assert.ok(refusedByNode.every((m) => Number(String(m.payload).split(".")[3]) >= 266));
        await helper.unload();
      } finally {
        await silent.close();
      }
    });

    it("blank fields mean the defaults", async () => {
      const blanks = Object.fromEntries(RELIABILITY_FIELDS.map((f) => [f, ""]));
      const o = await start(STUDY, blanks);
      assert.equal(callsBy(node("pacs").error, "pacs").length, 0);
      await o.send({ payload: SEED_UID });
      await o.send({ payload: SEED_UID });
      assert.deepEqual(o.outputs.map(cached), [false, true]);
    });
  });

  describe("invalid values", () => {
    for (const [field, value] of [
      ["retries", "-1"],
      ["retries", "11"],
      ["queueLimit", "abc"],
      ["queueLimit", "0"],
      ["breakerThreshold", "2.5"],
      ["breakerCooldown", "-100"],
      ["cacheSize", "lots"],
      ["patientCacheSeconds", "-5"],
      ["cacheStore", 42],
    ] as const) {
      it(`${field} ${JSON.stringify(value)}: reported once at deploy, and every lookup is SANTE_INVALID_INPUT`, async () => {
        const o = await start(STUDY, { [field]: value });
        const reported = callsBy(node("pacs").error, "pacs");
        assert.equal(reported.length, 1, "the config node reports its problem once, at deploy");
        assert.match(String(reported[0][0]), new RegExp(`Invalid Sante PACS server configuration: .*${field}`));
        await until(() => o.statuses.at(-1)?.text === "SANTE_INVALID_INPUT", "the red status");
        const before = sim.requests;
        await o.send({ payload: SEED_UID });
        assert.equal(o.lastCode(), "SANTE_INVALID_INPUT");
        assert.match((o.errors[0].error as { message: string }).message, new RegExp(field));
        assert.equal(o.outputs.length, 0);
        assert.equal(sim.requests, before);
      });
    }
  });

  describe("the memory token cache belongs to the PACS (host:port)", () => {
    it("is shared by two config nodes for the same PACS", async () => {
      const o = await start(STUDY, {}, ...secondLookup(serverDef(sim.port, { timeout: "5000", name: "other" })));
      const before = sim.requests;
      await o.send({ payload: SEED_UID });
      await sendTo(o, "n2", { payload: SEED_UID });
      assert.deepEqual(o.outputs.map(cached), [false, true]);
      assert.equal(o.outputs[1].payload, SEED_TOKEN);
      assert.equal(sim.requests, before + 1);
    });

    it("is not shared with a config node for another PACS", async () => {
      const other = await startSimulator({ port: 0 });
      try {
        const o = await start(STUDY, {}, ...secondLookup(serverDef(other.port)));
        await o.send({ payload: SEED_UID });
        await sendTo(o, "n2", { payload: SEED_UID });
        assert.deepEqual(o.outputs.map(cached), [false, false]);
        assert.equal(other.requests, 1);
      } finally {
        await other.close();
      }
    });

    it("is kept across a redeploy that restarts the config node, and across stopping and starting the flows", async () => {
      const flow = flowWith(STUDY, serverDef(sim.port));
      await helper.load(OUR_NODES, flow);
      let o = new Outcomes();
      await o.send({ payload: SEED_UID });
      assert.equal(cached(o.outputs[0]), false);
      const before = sim.requests;
      const firstServer = node("pacs");

      // A changed config node is closed and a new one started.
      const changed = flow.map((n) => ((n as { id: string }).id === "pacs" ? { ...n, timeout: "4000" } : n));
      await helper.setFlows(changed, "nodes");
      assert.notEqual(node("pacs"), firstServer, "the config node was restarted");
      o = new Outcomes();
      await o.send({ payload: SEED_UID });
      assert.equal(cached(o.outputs[0]), true);
      assert.equal(o.outputs[0].payload, SEED_TOKEN);

      await helper.setFlows(changed, "full");
      o = new Outcomes();
      await o.send({ payload: SEED_UID });
      assert.equal(cached(o.outputs[0]), true);

      await helper.unload();
      await helper.load(OUR_NODES, changed);
      o = new Outcomes();
      await o.send({ payload: SEED_UID });
      assert.equal(cached(o.outputs[0]), true);
      assert.equal(sim.requests, before, "the PACS was not asked again");
    });

    it("starts empty when the cache size changes, and is forgotten once no config node uses it", async () => {
      const lookUp = async (server: Record<string, unknown>) => {
        await helper.setFlows(flowWith(STUDY, server), "full");
        const o = new Outcomes();
        await o.send({ payload: SEED_UID });
        return cached(o.outputs[0]);
      };
      await helper.load(OUR_NODES, flowWith(STUDY, serverDef(sim.port)));
      assert.equal(await lookUp(serverDef(sim.port)), false);
      assert.equal(await lookUp(serverDef(sim.port)), true, "kept across a deploy");
      assert.equal(await lookUp(serverDef(sim.port, { cacheSize: "500" })), false, "another size is another cache");
      // Kept only while a config node uses it: memory does not grow with every PACS or size ever deployed.
      assert.equal(await lookUp(serverDef(sim.port)), false, "the cache of the old size was dropped");
      await helper.setFlows(flowWith(STUDY, serverDef(await freePort())), "full");
      assert.equal(await lookUp(serverDef(sim.port)), false, "the cache of a PACS no longer configured was dropped");
    });

    it('cacheSize "0": every lookup asks the PACS', async () => {
      const o = await start(STUDY, { cacheSize: "0" }, ...secondLookup(serverDef(sim.port, { cacheSize: "0" })));
      const before = sim.requests;
      await o.send({ payload: SEED_UID });
      await o.send({ payload: SEED_UID });
      await sendTo(o, "n2", { payload: SEED_UID });
      assert.deepEqual(o.outputs.map(cached), [false, false, false]);
      assert.equal(sim.requests, before + 3);
    });

    it('cacheSize "2": holds the two most recently used tokens', async () => {
      const o = await start(STUDY, { cacheSize: "2" });
      const [a, b, c] = PATIENT_UIDS;
      for (const uid of [a, b, a, c, a, b]) await o.send({ payload: uid });
      // a b a(hit) c(evicts b) a(hit) b(asked again)
      assert.deepEqual(o.outputs.map(cached), [false, false, true, false, true, false]);
    });
  });

  describe("patient lists", () => {
    it('patientCacheSeconds "60": the second lookup of a patient is answered from memory', async () => {
      const o = await start(PATIENT, { patientCacheSeconds: "60" });
      const before = sim.requests;
      await o.send({ payload: PATIENT_ID });
      await o.send({ payload: PATIENT_ID });
      assert.deepEqual(o.outputs.map(cached), [false, true]);
      assert.deepEqual(o.outputs[1].payload, o.outputs[0].payload);
      assert.equal(sim.requests, before + 1);
    });

    it("fill the study token cache", async () => {
      const o = await start(PATIENT, {}, ...secondLookup(serverDef(sim.port)));
      await o.send({ payload: PATIENT_ID });
      const before = sim.requests;
      for (const uid of PATIENT_UIDS) await sendTo(o, "n2", { payload: uid });
      assert.deepEqual(o.outputs.slice(1).map(cached), [true, true, true]);
      assert.equal(sim.requests, before);
    });
  });

  describe("cacheStore", () => {
    // The test helper never loads settings.contextStorage, so the only store it has is Node-RED's default
    // "memory" one: enough to check the keys and the bound; the persistent case is nodes-cache-store.test.ts.
    it('"memory" (a context store): tokens under santeTokens["host:port"]["uid"], shared and kept', async () => {
      const flow = flowWith(
        STUDY,
        serverDef(sim.port, { cacheStore: "memory" }),
        ...secondLookup(serverDef(sim.port, { cacheStore: "memory" })),
      );
      await helper.load(OUR_NODES, flow);
      const o = new Outcomes();
      assert.equal(callsBy(node("pacs").warn, "pacs").length, 0);
      const before = sim.requests;
      await o.send({ payload: SEED_UID });
      const pacs = `127.0.0.1:${sim.port}`;
      const global = globalContext();
      assert.deepEqual(global.get(`santeTokens["${pacs}"]`), { [SEED_UID]: SEED_TOKEN });
      assert.equal(global.get(`santeTokens["${pacs}"]["${SEED_UID}"]`), SEED_TOKEN);
      assert.equal(global.get("santeTokens.1"), undefined, "the UID's dots made no nested objects");
      await sendTo(o, "n2", { payload: SEED_UID });
      assert.deepEqual(o.outputs.map(cached), [false, true]);

      await helper.setFlows(flow, "full");
      const after = new Outcomes();
      await after.send({ payload: SEED_UID });
      assert.equal(cached(after.outputs[0]), true);
      assert.equal(sim.requests, before + 1);

      // The store is the only cache: without the token there, the PACS is asked again.
      globalContext().set(`santeTokens["${pacs}"]`, {});
      await after.send({ payload: SEED_UID });
      assert.equal(cached(after.outputs[1]), false, "no memory cache besides the context store");
      assert.equal(sim.requests, before + 2);
    });

    it('"memory" with cacheSize "3": the store keeps at most 3 tokens, the newest', async () => {
      const inStore = { cacheStore: "memory", cacheSize: "3" };
      const o = await start(PATIENT, inStore, ...secondLookup(serverDef(sim.port, inStore)));
      await sendTo(o, "n2", { payload: SEED_UID });
      await o.send({ payload: PATIENT_ID });
      const stored = globalContext().get(`santeTokens["127.0.0.1:${sim.port}"]`) as Record<string, string>;
      assert.deepEqual(Object.keys(stored).sort(), [...PATIENT_UIDS].sort());
    });

    it("an unknown store: warned about once at deploy, and tokens are cached in memory", async () => {
      const o = await start(STUDY, { cacheStore: "redis" });
      const warned = callsBy(node("pacs").warn, "pacs");
      assert.equal(warned.length, 1);
      assert.match(String(warned[0][0]), /"redis" is not configured in settings\.js.*memory/);
      assert.equal(callsBy(node("pacs").error, "pacs").length, 0);
      await o.send({ payload: SEED_UID });
      await o.send({ payload: SEED_UID });
      assert.deepEqual(o.outputs.map(cached), [false, true]);
      assert.equal(globalContext().get("santeTokens"), undefined);
    });
  });
});
