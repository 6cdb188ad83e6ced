/**
 * The example flows (examples/*.json) as a user imports them: their shape,
 * and what they do in a real Node-RED runtime against the simulator (MLLP in,
 * ACK out, links, prefetch, error routing).
 */
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { mergeExamples, readExamples, type Example, type FlowNode } from "../demo/flows";
import { mllpFrame, toHl7Segments } from "../demo/mllp-client";
import type { NodeAPI } from "../nodes/glue/node-red-types";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { freePort, PROJECT_ROOT } from "./helpers/browser-demo";
import { caughtCode, until } from "./helpers/nr-flows";
import { coreNode, helper, node, OUR_NODES } from "./helpers/nr-helper";
import { RawConnection } from "./helpers/sim-tcp";
import { EXAMPLE_STUDIES, linkFor, SEED_STUDY } from "./helpers/browser-vendor-data";

const EXAMPLES_DIR = join(PROJECT_ROOT, "examples");
const DATA_DIR = join(EXAMPLES_DIR, "data");
const SHARED_CONFIG_ID = "sante-demo-pacs";
const OUR_TYPES = ["sante-pacs-server", "sante-study-token", "sante-patient-tokens", "sante-viewer-link"];
const CORE_TYPES = new Set([
  "comment",
  "inject",
  "debug",
  "function",
  "switch",
  "change",
  "template",
  "delay",
  "join",
  "catch",
  "status",
  "tcp in",
  "tcp out",
  "http in",
  "http response",
]);
const CORE_MODULES = [
  "function/10-function.js",
  "function/10-switch.js",
  "function/15-change.js",
  "function/80-template.js",
  "function/89-delay.js",
  "common/20-inject.js",
  "common/90-comment.js",
  "network/31-tcpin.js",
  "network/21-httpin.js",
  "sequence/17-split.js",
]
  .map(coreNode)
  .map(withKeyEchoingTranslator);

/**
 * nr-helper gives the runtime's shared RED API our catalog's translator, which
 * records every key our en-US catalog lacks (nodes-i18n.test.ts checks that
 * list). Core nodes ask for their own keys ("tcpin.status.…"): they get a view
 * of the API with the helper's usual key-echoing RED._ instead.
 */
function withKeyEchoingTranslator(mod: (RED: NodeAPI) => void): (RED: NodeAPI) => void {
  return (RED) => mod(Object.create(RED, { _: { value: (key: string) => key } }) as NodeAPI);
}

const examples = readExamples(EXAMPLES_DIR);
const example = (prefix: string): Example => {
  const found = examples.find((e) => relative(EXAMPLES_DIR, e.file).startsWith(prefix));
  if (!found) throw new Error(`no example ${prefix}`);
  return found;
};
const sample = (name: string): string => toHl7Segments(readFileSync(join(DATA_DIR, name), "utf8"));

describe("example flows: files", function () {
  it("examples/ holds the four flows as its only .json files (Node-RED lists every one as an example)", function () {
    const json: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith(".json")) json.push(relative(EXAMPLES_DIR, path));
      }
    };
    walk(EXAMPLES_DIR);
    assert.deepEqual(json.sort(), [
      "01 - Study link from an HL7 order (MLLP).json",
      "02 - Patient studies web page.json",
      "03 - ADT feed prefetch.json",
      "04 - Error handling.json",
    ]);
  });

  it("each flow explains itself in a comment node and uses only our nodes and core nodes", function () {
    for (const { file, nodes } of examples) {
      const comments = nodes.filter((n) => n.type === "comment");
      assert.ok(
        comments.some((c) => typeof c.info === "string" && c.info.length > 200),
        `${file}: no explaining comment`,
      );
      for (const n of nodes) assert.ok(OUR_TYPES.includes(n.type) || CORE_TYPES.has(n.type), `${file}: ${n.type}`);
    }
  });

  it("every Sante node of every flow uses the same config node, pointing at the demo simulator", function () {
    let config: FlowNode | undefined;
    for (const { file, nodes } of examples) {
      const mine = nodes.find((n) => n.id === SHARED_CONFIG_ID);
      assert.ok(mine, `${file} lacks the config node ${SHARED_CONFIG_ID}`);
      assert.equal(mine.type, "sante-pacs-server");
      assert.equal(mine.z, undefined, "a config node belongs to no tab");
      assert.equal(mine.host, "127.0.0.1");
      assert.equal(mine.port, "2575");
      // Identical in every file, so that importing several examples merges them into one.
      if (config) assert.deepEqual(mine, config, `${file}: the config node differs`);
      config = mine;
      for (const n of nodes.filter((x) => OUR_TYPES.includes(x.type) && x.type !== "sante-pacs-server")) {
        assert.equal(n.server, SHARED_CONFIG_ID, `${file}: ${n.type} ${n.id}`);
      }
    }
  });

  it("together they use each of our node types (node-red-dev check N02)", function () {
    const used = new Set(examples.flatMap((e) => e.nodes.map((n) => n.type)));
    for (const type of OUR_TYPES) assert.ok(used.has(type), type);
  });

  it("node ids are unique across the files, except the shared config node", function () {
    const ids = examples.flatMap((e) => e.nodes.filter((n) => n.id !== SHARED_CONFIG_ID).map((n) => n.id));
    assert.equal(new Set(ids).size, ids.length);
  });

  it("function nodes compile", function () {
    // Node-RED runs a function node's body inside an async function, so `await` and a top-level `return` are allowed.
    const AsyncFunction = (
      Object.getPrototypeOf(async function () {}) as { constructor: new (...args: string[]) => unknown }
    ).constructor;
    for (const { file, nodes } of examples) {
      for (const n of nodes.filter((x) => x.type === "function")) {
        assert.doesNotThrow(
          () => new AsyncFunction("msg", "node", "context", "flow", "global", "env", "RED", String(n.func)),
          `${file}: ${String(n.name)}`,
        );
      }
    }
  });

  it("merge into the demo's flows.json: a tab per example, the config node once, ports moved", function () {
    const flows = mergeExamples(examples, { pacsPort: 3575, ordersPort: 3576, adtPort: 3577 });
    assert.deepEqual(
      flows.filter((n) => n.type === "tab").map((n) => n.label),
      ["Study link from an HL7 order (MLLP)", "Patient studies web page", "ADT feed prefetch", "Error handling"],
    );
    const configs = flows.filter((n) => n.type === "sante-pacs-server");
    assert.deepEqual(
      configs.map((n) => [n.id, n.port]),
      [[SHARED_CONFIG_ID, "3575"]],
    );
    const tcpIn = flows.filter((n) => n.type === "tcp in");
    assert.deepEqual(
      tcpIn.map((n) => [n.port, n.name]),
      [
        ["3576", "HL7 orders (MLLP) :3576"],
        ["3577", "HL7 ADT (MLLP) :3577"],
      ],
    );
    const tabs = new Set(flows.filter((n) => n.type === "tab").map((n) => n.id));
    for (const n of flows) if (n.z !== undefined) assert.ok(tabs.has(n.z), `${n.id} is on no tab`);
  });
});

/** Every HL7 ACK (MSA segment fields) in the bytes received so far. */
function acks(bytes: Buffer): string[][] {
  const text = bytes.toString("utf8");
  const frames = [...text.matchAll(/\x0b([^\x1c]*)\x1c\r/g)].map((m) => m[1]);
  return frames.map((frame) => {
    const msa = frame.split("\r").find((s) => s.startsWith("MSA")) ?? "";
    return msa.split("|");
  });
}

describe("example flows: in a Node-RED runtime against the simulator", function () {
  let sim: RunningSimulator;
  let mllpPort: number;
  const received = new Map<string, Array<Record<string, unknown>>>();
  const connections: RawConnection[] = [];

  before(async function () {
    sim = await startSimulator({ host: "127.0.0.1", port: 0 });
  });
  after(async function () {
    await sim.close();
  });
  afterEach(async function () {
    await Promise.all(connections.splice(0).map((c) => c.destroy()));
    await helper.unload();
    received.clear();
  });

  /** Loads one example: debug nodes become helper nodes that record what reaches them. */
  async function load(ex: Example, tweak: (n: FlowNode) => FlowNode = (n) => n): Promise<void> {
    mllpPort = await freePort();
    const z = ex.nodes.find((n) => n.z !== undefined)?.z as string;
    const flow = ex.nodes.map((original) => {
      let n: FlowNode = { ...original };
      if (n.type === "debug") n = { id: n.id, type: "helper", z, x: n.x, y: n.y, wires: [] };
      if (n.type === "sante-pacs-server") n.port = String(sim.port);
      if (n.type === "tcp in") n.port = String(mllpPort);
      return tweak(n);
    });
    await helper.load([...OUR_NODES, ...CORE_MODULES], [{ id: z, type: "tab", label: ex.label }, ...flow]);
    for (const n of flow.filter((x) => x.type === "helper")) {
      const list: Array<Record<string, unknown>> = [];
      received.set(n.id, list);
      node(n.id).on("input", (msg) => list.push(msg));
    }
  }

  const at = (id: string) => received.get(id) ?? [];
  const waitFor = (id: string, count: number) => until(() => at(id).length >= count, `${count} message(s) at ${id}`);

  async function mllp(): Promise<RawConnection> {
    const conn = await RawConnection.open(mllpPort);
    connections.push(conn);
    return conn;
  }

  describe("01 study link from an HL7 order", function () {
    beforeEach(async function () {
      await load(example("01"));
    });

    it("acknowledges an ORM^O01 with MSA-2 = its MSH-10 and turns ZDS-1 into the vendor's study link", async function () {
      const conn = await mllp();
      await conn.write(mllpFrame(sample("orm-o01.hl7")));
      const [msa] = acks(await conn.until((b) => acks(b).length === 1));
      assert.deepEqual(msa, ["MSA", "AA", "ORM000001"]);
      await waitFor("sante-ex1-debug", 1);
      assert.equal(at("sante-ex1-debug")[0]?.payload, linkFor(SEED_STUDY.token));
    });

    it("takes several messages from one read and one message over several reads", async function () {
      const conn = await mllp();
      const orm = mllpFrame(sample("orm-o01.hl7"));
      const omi = mllpFrame(sample("omi-o23.hl7"));
      await conn.write(Buffer.concat([orm, omi]));
      await conn.until((b) => acks(b).length === 2);
      // Cut inside the start byte's neighbourhood, the segments and the end marker.
      const cuts = [1, 40, omi.length - 1];
      let from = 0;
      for (const cut of cuts) {
        await conn.write(omi.subarray(from, cut));
        from = cut;
        // Separate reads on the listener's side: let each piece be delivered before the next.
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      await conn.write(omi.subarray(from));
      const all = acks(await conn.until((b) => acks(b).length === 3));
      assert.deepEqual(
        all.map((m) => m[2]),
        ["ORM000001", "OMI000001", "OMI000001"],
      );
      assert.ok(all.every((m) => m[1] === "AA"));
      await waitFor("sante-ex1-debug", 3);
      // OMI^O23 carries the UID in IPC-3: the first study of the vendor's example patient.
      assert.deepEqual(
        at("sante-ex1-debug").map((m) => m.payload),
        [linkFor(SEED_STUDY.token), linkFor(EXAMPLE_STUDIES[0].token), linkFor(EXAMPLE_STUDIES[0].token)],
      );
    });

    it("keeps the messages of two connections apart", async function () {
      const [a, b] = [await mllp(), await mllp()];
      const orm = mllpFrame(sample("orm-o01.hl7"));
      const omi = mllpFrame(sample("omi-o23.hl7"));
      await a.write(orm.subarray(0, 50));
      await b.write(omi.subarray(0, 50));
      await new Promise((resolve) => setTimeout(resolve, 30));
      await a.write(orm.subarray(50));
      await b.write(omi.subarray(50));
      assert.deepEqual(acks(await a.until((x) => acks(x).length === 1))[0]?.[2], "ORM000001");
      assert.deepEqual(acks(await b.until((x) => acks(x).length === 1))[0]?.[2], "OMI000001");
    });

    it("sends a lookup failure to its Catch node with the error code", async function () {
      const conn = await mllp();
      const unknown = sample("orm-o01.hl7").replace(SEED_STUDY.studyInstanceUid, "1.2.3.4.5.6.7.8.9");
      await conn.write(mllpFrame(unknown));
      await waitFor("sante-ex1-errors", 1);
      assert.equal(caughtCode(at("sante-ex1-errors")[0]), "SANTE_NOT_FOUND");
      // The order itself was taken: it is the lookup that failed.
      assert.equal(acks(conn.bytes)[0]?.[1], "AA");
    });

    it("its 'try' inject button gives the same link without MLLP", async function () {
      node("sante-ex1-try").receive({});
      await waitFor("sante-ex1-debug", 1);
      assert.equal(at("sante-ex1-debug")[0]?.payload, linkFor(SEED_STUDY.token));
    });
  });

  describe("03 ADT feed prefetch", function () {
    beforeEach(async function () {
      await load(example("03"));
    });

    it("acknowledges an ADT^A08 and prefetches the studies of the patient's MR identifier, split and joined", async function () {
      const conn = await mllp();
      await conn.write(mllpFrame(sample("adt-a08.hl7")));
      assert.deepEqual(acks(await conn.until((b) => acks(b).length === 1))[0], ["MSA", "AA", "ADT000001"]);
      await waitFor("sante-ex3-debug", 1);
      assert.deepEqual(
        at("sante-ex3-debug")[0]?.payload,
        EXAMPLE_STUDIES.map((s) => s.studyInstanceUid),
      );
    });

    it("reports a patient without studies on its own output", async function () {
      const conn = await mllp();
      await conn.write(mllpFrame(sample("adt-a08.hl7").replace("ID200631zw609", "NOBODY-0001")));
      await waitFor("sante-ex3-none", 1);
      assert.deepEqual(at("sante-ex3-none")[0]?.payload, []);
      assert.equal(at("sante-ex3-debug").length, 0);
    });
  });

  describe("04 error handling", function () {
    it("routes SANTE_NOT_FOUND and SANTE_INVALID_INPUT to their own outputs", async function () {
      await load(example("04"));
      node("sante-ex4-known").receive({});
      node("sante-ex4-unknown").receive({});
      node("sante-ex4-invalid").receive({});
      await waitFor("sante-ex4-found", 1);
      await waitFor("sante-ex4-notfound", 1);
      await waitFor("sante-ex4-badinput", 1);
      assert.equal(
        (at("sante-ex4-found")[0]?.sante as { studyInstanceUid?: string }).studyInstanceUid,
        SEED_STUDY.studyInstanceUid,
      );
      assert.equal(caughtCode(at("sante-ex4-notfound")[0]), "SANTE_NOT_FOUND");
      assert.equal(caughtCode(at("sante-ex4-badinput")[0]), "SANTE_INVALID_INPUT");
    });

    it("retries a PACS that cannot be reached 3 times, then gives up", async function () {
      const closedPort = await freePort();
      await load(example("04"), (n) => {
        if (n.type === "sante-pacs-server") return { ...n, port: String(closedPort) };
        // The example waits 5 s between attempts; the behaviour is the same with 10 ms.
        if (n.type === "delay") return { ...n, timeout: "10", timeoutUnits: "milliseconds" };
        return n;
      });
      node("sante-ex4-known").receive({});
      await until(() => at("sante-ex4-gaveup").length === 1, "the retry branch to give up", 15_000);
      const gaveUp = at("sante-ex4-gaveup")[0];
      assert.equal(gaveUp?.santeRetry, 3);
      assert.equal(caughtCode(gaveUp), "SANTE_CONNECTION");
      assert.equal(at("sante-ex4-found").length, 0);
    });
  });
});
