import { strict as assert } from "node:assert";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { flowWith, Outcomes, serverDef, TAB, until } from "./helpers/nr-flows";
import { coreNode, helper, OUR_NODES } from "./helpers/nr-helper";
import { nodeRedAtLeast } from "./helpers/nr-runtime";

const PREFIX = "1.2.840.113619.2.55.3.2831173124.78.1375418120.";
const SEED_PATIENT = "ID200631zw609";
const SEED_STUDIES = [
  { studyInstanceUid: `${PREFIX}812`, token: "H4sTZJQ7OqxsxO9M633kSm9ES8wUexIW5auoZqJuuot88Cu1QLklYe38fR4R42IR4" },
  { studyInstanceUid: `${PREFIX}813`, token: "H0QHLkW2RpypVCTSrmP4xni2U0lgcEfogLK5bKaEV6Gg655ru1Kr76X770eIRhhL" },
  { studyInstanceUid: `${PREFIX}814`, token: "HKx1erewwPpyBhAygMTmKHBFlwCuqkT78r3fjiVUcM4gbB9XhsojgOA15Qj9MWM" },
];
const PATIENT = { type: "sante-patient-tokens", output: "payload", split: false };
const joinNode = coreNode("sequence/17-split.js");
/** The join node reads msg.parts.property from Node-RED 4.0 on (#4386); 3.1's rejoins msg.payload only. */
const JOIN_READS_PARTS_PROPERTY = nodeRedAtLeast("4.0.0");

describe("sante-patient-tokens in a Node-RED runtime", () => {
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator({ port: 0 });
  });
  after(() => sim.close());
  afterEach(() => helper.unload());

  async function start(n1: Record<string, unknown> = {}): Promise<Outcomes> {
    await helper.load(OUR_NODES, flowWith({ ...PATIENT, ...n1 }, serverDef(sim.port)));
    return new Outcomes();
  }

  it("sends the vendor document's three studies, in the PACS's order, with msg.sante", async () => {
    const o = await start();
    await o.send({ payload: SEED_PATIENT, topic: "adt" });
    assert.deepEqual(o.outputs[0].payload, SEED_STUDIES);
    assert.deepEqual(o.outputs[0].sante, { patientId: SEED_PATIENT, studies: SEED_STUDIES, cached: false });
    assert.equal(o.outputs[0].topic, "adt");
    await until(() => o.statuses.at(-1)?.fill === "green", "green status");
    assert.deepEqual(o.statuses.at(-1), { fill: "green", shape: "dot", text: "3 studies" });
  });

  it("sends [] for a patient the PACS does not know (not an error)", async () => {
    const o = await start({ output: "studies" });
    await o.send({ payload: "NOBODY-42" });
    assert.deepEqual(o.outputs[0].studies, []);
    assert.equal(o.outputs[0].payload, "NOBODY-42");
    assert.equal(o.errors.length, 0);
    await until(() => o.statuses.at(-1)?.text === "0 studies", "0 studies");
  });

  it("rejects a Patient ID with a control character or backslash as SANTE_INVALID_INPUT, sending nothing", async () => {
    const o = await start();
    const before = sim.requests;
    for (const payload of ["ID\r1", "ID\\1", "  ", "x".repeat(65)]) {
      await o.send({ payload });
      assert.equal(o.lastCode(), "SANTE_INVALID_INPUT", JSON.stringify(payload));
    }
    assert.equal(sim.requests, before);
    assert.equal(o.outputs.length, 0);
  });

  describe("split", () => {
    function flowWithJoin(output = "payload"): object[] {
      return flowWith(
        { ...PATIENT, split: true, output, wires: [["out", "joiner"]] },
        serverDef(sim.port),
        {
          id: "joiner",
          type: "join",
          z: TAB,
          x: 1,
          y: 1,
          mode: "auto",
          wires: [["joined"]],
        },
        { id: "joined", type: "helper", z: TAB, x: 1, y: 1 },
      );
    }

    it("sends one message per study with msg.parts, which the core join node reassembles", async () => {
      await helper.load([...OUR_NODES, joinNode], flowWithJoin());
      const o = new Outcomes();
      const joined: Array<Record<string, unknown>> = [];
      helper.getNode("joined")?.on("input", (msg) => joined.push(msg));
      await o.send({ payload: SEED_PATIENT, topic: "t" }, 3);
      assert.deepEqual(
        o.outputs.map((m) => m.payload),
        SEED_STUDIES,
      );
      const parts = o.outputs.map((m) => m.parts as Record<string, unknown>);
      assert.deepEqual(
        parts.map((p) => [p.index, p.count, p.type, p.len]),
        [
          [0, 3, "array", 1],
          [1, 3, "array", 1],
          [2, 3, "array", 1],
        ],
      );
      assert.equal(new Set(parts.map((p) => p.id)).size, 1, "one sequence id");
      assert.ok(o.outputs.every((m) => m.topic === "t"));
      await until(() => joined.length === 1, "the joined message");
      assert.deepEqual(joined[0].payload, SEED_STUDIES);
    });

    it("joins back into the configured output property", async function () {
      if (!JOIN_READS_PARTS_PROPERTY) this.skip();
      await helper.load([...OUR_NODES, joinNode], flowWithJoin("studies"));
      const o = new Outcomes();
      const joined: Array<Record<string, unknown>> = [];
      helper.getNode("joined")?.on("input", (msg) => joined.push(msg));
      await o.send({ payload: SEED_PATIENT }, 3);
      await until(() => joined.length === 1, "the joined message");
      assert.deepEqual(joined[0].studies, SEED_STUDIES);
    });

    it("keeps an enclosing sequence in msg.parts.parts", async () => {
      const o = await start({ split: true });
      const outer = { id: "outer", index: 4, count: 9 };
      await o.send({ payload: SEED_PATIENT, parts: outer }, 3);
      for (const m of o.outputs) assert.deepEqual((m.parts as { parts: unknown }).parts, outer);
    });

    it("sends one message with [] and no msg.parts for a patient with no studies", async () => {
      const o = await start({ split: true });
      await o.send({ payload: "NOBODY-42" });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(o.outputs.length, 1);
      assert.deepEqual(o.outputs[0].payload, []);
      assert.equal("parts" in o.outputs[0], false);
    });
  });
});
