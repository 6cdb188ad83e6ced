/**
 * The example flows (examples/*.json) as a user imports them: their shape,
 * and what they do in a real Node-RED runtime against the simulated PACS and a
 * HIS that acknowledges over MLLP (orders in, ACK out once handled, the link in
 * a result at the HIS, waits for images, prefetch, error routing).
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { EXAMPLE_STUDY_UID_PATHS } from "../demo/config";
import { mergeExamples, readExamples, type Example, type FlowNode } from "../demo/flows";
import { readHisResult } from "../demo/his-result";
import { mllpFrame, toHl7Segments } from "../demo/mllp-client";
import type { NodeAPI } from "../nodes/glue/node-red-types";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { deriveToken } from "../lib/simulator/tokens";
import { PROJECT_ROOT } from "./helpers/browser-demo";
import { freePort, startFaultServer } from "./helpers/fault-server";
import { startFakeHis, type FakeHis } from "./helpers/hl7-his";
import { caughtCode, until } from "./helpers/nr-flows";
import { callsBy, coreNode, helper, node, OUR_NODES } from "./helpers/nr-helper";
import { RawConnection } from "./helpers/sim-tcp";
import { EXAMPLE_STUDIES, linkFor, SEED_STUDY } from "./helpers/browser-vendor-data";

const EXAMPLES_DIR = join(PROJECT_ROOT, "examples");
const DATA_DIR = join(EXAMPLES_DIR, "data");
const SHARED_CONFIG_ID = "sante-demo-pacs";
const HIS_CONFIG_ID = "sante-demo-his";
const OUR_TYPES = [
  "sante-pacs-server",
  "sante-study-token",
  "sante-patient-tokens",
  "sante-viewer-link",
  "sante-hl7-in",
  "sante-hl7-reply",
  "sante-hl7-endpoint",
  "sante-hl7-send",
  "sante-hl7-result",
];
/** Nodes that use the PACS config node. */
const LOOKUP_TYPES = ["sante-study-token", "sante-patient-tokens", "sante-viewer-link"];
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
  "network/21-httpin.js",
  "sequence/17-split.js",
]
  .map(coreNode)
  .map(withKeyEchoingTranslator);

/** The order whose study the simulator does not know until a test says its images arrived. */
const LATER = {
  file: "orm-o01-images-later.hl7",
  patientId: "PAT000042",
  studyInstanceUid: "1.2.826.0.1.3748527.1.4.2.0.20240115.110000.424242",
};

/**
 * nr-helper gives the runtime's shared RED API our catalog's translator, which
 * records every key our en-US catalog lacks (nodes-i18n.test.ts checks that
 * list). Core nodes ask for their own keys ("switch.errors.…"): they get a view
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
const nodeOf = (ex: Example, id: string): FlowNode => {
  const found = ex.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`${ex.file} has no node ${id}`);
  return found;
};

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

  it("the MLLP examples (01, 03) use hl7 in and hl7 reply: no tcp node, no function node for framing or ACK", function () {
    for (const prefix of ["01", "03"]) {
      const { file, nodes } = example(prefix);
      const types = new Set(nodes.map((n) => n.type));
      for (const type of ["tcp in", "tcp out", "function"]) assert.ok(!types.has(type), `${file}: ${type}`);
      for (const type of ["sante-hl7-in", "sante-hl7-reply"]) assert.ok(types.has(type), `${file}: ${type}`);
    }
  });

  it("their hl7 in nodes listen on 127.0.0.1 only, each on its own port", function () {
    const listeners = examples.flatMap((e) => e.nodes.filter((n) => n.type === "sante-hl7-in"));
    assert.deepEqual(
      listeners.map((n) => [n.host, n.port]),
      [
        ["127.0.0.1", "2576"],
        ["127.0.0.1", "2577"],
      ],
    );
  });

  it("example 01: the study node reads the UID from OMI, ORM and ORU, and waits for images on a short plan", function () {
    const study = nodeOf(example("01"), "sante-ex1-study");
    assert.deepEqual(
      [study.property, study.propertyType, study.wait, study.outputs],
      [EXAMPLE_STUDY_UID_PATHS, "hl7", true, 2],
    );
    assert.deepEqual([study.waitPlan, study.waitDeadline], ["6x10s, 20x30s, 10x5m", "1h"]);
  });

  it("every Sante lookup node of every flow uses the same config node, pointing at the demo simulator", function () {
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
      for (const n of nodes.filter((x) => LOOKUP_TYPES.includes(x.type))) {
        assert.equal(n.server, SHARED_CONFIG_ID, `${file}: ${n.type} ${n.id}`);
      }
    }
  });

  it("example 01 sends its results to the demo's HIS (127.0.0.1:2578)", function () {
    const ex = example("01");
    const his = nodeOf(ex, HIS_CONFIG_ID);
    assert.deepEqual([his.type, his.z, his.host, his.port], ["sante-hl7-endpoint", undefined, "127.0.0.1", "2578"]);
    assert.equal(nodeOf(ex, "sante-ex1-send").endpoint, HIS_CONFIG_ID);
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

  it("merge into the demo's flows.json: a tab per example, each config node once, ports moved", function () {
    const flows = mergeExamples(examples, { pacsPort: 3575, ordersPort: 3576, adtPort: 3577, hisPort: 3578 });
    assert.deepEqual(
      flows.filter((n) => n.type === "tab").map((n) => n.label),
      ["Study link from an HL7 order (MLLP)", "Patient studies web page", "ADT feed prefetch", "Error handling"],
    );
    const configs = flows.filter((n) => n.z === undefined && n.type !== "tab");
    assert.deepEqual(
      configs.map((n) => [n.id, n.port]),
      [
        [SHARED_CONFIG_ID, "3575"],
        [HIS_CONFIG_ID, "3578"],
      ],
    );
    assert.deepEqual(
      flows.filter((n) => n.type === "sante-hl7-in").map((n) => [n.port, n.name]),
      [
        ["3576", "HL7 orders :3576"],
        ["3577", "HL7 ADT :3577"],
      ],
    );
    const tabs = new Set(flows.filter((n) => n.type === "tab").map((n) => n.id));
    for (const n of flows) if (n.z !== undefined) assert.ok(tabs.has(n.z), `${n.id} is on no tab`);
  });

  it("the sample messages: a signed report of a study the simulator knows, and an order for one it does not", async function () {
    const oru = sample("oru-r01.hl7");
    assert.match(oru.split("\r")[0] ?? "", /\|ORU\^R01\^ORU_R01\|/);
    // Signed: the report's status is final.
    assert.match(oru, /\rOBR\|(?:[^|\r]*\|){24}F\|/);
    assert.ok(oru.includes(`\rOBX|1|ST|113014^DICOM Study^DCM||${SEED_STUDY.studyInstanceUid}|`));
    const sim = await startSimulator({ port: 0, synthetic: 300 });
    try {
      // The order's study is none of the simulator's, its patient one that may get studies.
      assert.ok(sample(LATER.file).includes(`\rZDS|${LATER.studyInstanceUid}^`));
      assert.equal(sim.addStudy(LATER.patientId, LATER.studyInstanceUid).added, true);
    } finally {
      await sim.close();
    }
  });
});

/** Every HL7 ACK (MSA segment fields, and the ERR segment when there is one) in the bytes received so far. */
function acks(bytes: Buffer): string[][] {
  const text = bytes.toString("utf8");
  const frames = [...text.matchAll(/\x0b([^\x1c]*)\x1c\r/g)].map((m) => m[1]);
  return frames.map((frame) => {
    const segments = frame.split("\r");
    const msa = segments.find((s) => s.startsWith("MSA")) ?? "";
    const err = segments.find((s) => s.startsWith("ERR")) ?? "";
    return [...msa.split("|"), err];
  });
}

describe("example flows: in a Node-RED runtime against the simulator and a HIS", function () {
  this.timeout(20_000);
  let sim: RunningSimulator;
  let mllpPort: number;
  let userDir: string;
  let his: FakeHis | undefined;
  const received = new Map<string, Array<Record<string, unknown>>>();
  const connections: RawConnection[] = [];

  before(async function () {
    sim = await startSimulator({ host: "127.0.0.1", port: 0 });
  });
  after(async function () {
    await sim.close();
  });
  beforeEach(function () {
    // Example 01 waits for images: its study node keeps waits under the user directory.
    userDir = mkdtempSync(join(tmpdir(), "sante-examples-"));
    helper.settings({ userDir });
  });
  afterEach(async function () {
    await Promise.all(connections.splice(0).map((c) => c.destroy()));
    await helper.unload();
    helper.settings({ userDir: undefined });
    await his?.close();
    his = undefined;
    received.clear();
    rmSync(userDir, { recursive: true, force: true });
  });

  /** Loads one example: debug nodes become helper nodes that record what reaches them. */
  async function load(ex: Example, tweak: (n: FlowNode) => FlowNode = (n) => n): Promise<void> {
    mllpPort = await freePort();
    const z = ex.nodes.find((n) => n.z !== undefined)?.z as string;
    const flow = ex.nodes.map((original) => {
      let n: FlowNode = { ...original };
      if (n.type === "debug") n = { id: n.id, type: "helper", z, x: n.x, y: n.y, wires: [] };
      if (n.type === "sante-pacs-server") n.port = String(sim.port);
      if (n.type === "sante-hl7-in") n.port = String(mllpPort);
      if (n.type === "sante-hl7-endpoint") n.port = String(his?.port ?? 1);
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

  /** Sends one message on a new connection and resolves with its ACK's MSA fields (and ERR). */
  async function send(message: string): Promise<{ conn: RawConnection; ack: string[] }> {
    const conn = await mllp();
    await conn.write(mllpFrame(message));
    const [ack] = acks(await conn.until((b) => acks(b).length === 1));
    return { conn, ack: ack ?? [] };
  }

  /** What the HIS received, as the demo's HIS page reads it. */
  const atHis = () => (his?.received ?? []).map((m) => readHisResult(m, 0));

  describe("01 study link from an HL7 order, back to the HIS", function () {
    /** A HIS answering AA, or what `code` says. */
    async function loadWithHis(code?: () => "AA" | "AE", tweak?: (n: FlowNode) => FlowNode): Promise<void> {
      his = await startFakeHis(code);
      await load(example("01"), tweak);
    }

    it("a signed report (ORU^R01): the result with its link reaches the HIS, then the RIS gets AA", async function () {
      await loadWithHis();
      const { ack } = await send(sample("oru-r01.hl7"));
      assert.deepEqual(ack.slice(0, 3), ["MSA", "AA", "ORU000001"]);
      // hl7 reply is wired after hl7 send: the ACK comes only once the HIS has acknowledged the result.
      assert.equal(his?.received.length, 1);
      const [result] = atHis();
      assert.equal(result?.messageType, "ORU^R01^ORU_R01");
      assert.equal(result?.link, linkFor(SEED_STUDY.token));
      assert.equal(result?.studyInstanceUid, SEED_STUDY.studyInstanceUid);
      assert.deepEqual([result?.patientId, result?.patientName], ["SANTE-DOC-STUDY", "DOE, JANE"]);
      assert.deepEqual([result?.orderNumber, result?.accessionNumber], ["ORD000001", "ACC000001"]);
      await waitFor("sante-ex1-sent", 1);
      assert.equal(at("sante-ex1-alert").length, 0);
    });

    it("orders (ORM^O01 with ZDS-1, OMI^O23 with IPC-3) on one connection: results in order, each ACK after its own", async function () {
      await loadWithHis();
      const conn = await mllp();
      await conn.write(Buffer.concat([mllpFrame(sample("orm-o01.hl7")), mllpFrame(sample("omi-o23.hl7"))]));
      const all = acks(await conn.until((b) => acks(b).length === 2));
      assert.deepEqual(
        all.map((m) => m.slice(1, 3)),
        [
          ["AA", "ORM000001"],
          ["AA", "OMI000001"],
        ],
      );
      assert.deepEqual(
        atHis().map((r) => [r.studyInstanceUid, r.link]),
        [
          [SEED_STUDY.studyInstanceUid, linkFor(SEED_STUDY.token)],
          [EXAMPLE_STUDIES[0].studyInstanceUid, linkFor(EXAMPLE_STUDIES[0].token)],
        ],
      );
    });

    it("an order before its images: AA once it is stored, its result reaches the HIS when the PACS learns the study", async function () {
      const uid = `${LATER.studyInstanceUid}.${Date.now() % 100000}`;
      // The example looks again every 10 s at first; the flow is the same with 1 s.
      await loadWithHis(undefined, (n) => (n.type === "sante-study-token" ? { ...n, waitPlan: "100x1s" } : n));
      const { conn, ack } = await send(sample(LATER.file).replace(LATER.studyInstanceUid, uid));
      assert.deepEqual(ack.slice(0, 3), ["MSA", "AA", "ORM000002"]);
      assert.equal(his?.received.length, 0, "nothing at the HIS while the images are missing");
      sim.addStudy(LATER.patientId, uid);
      await until(() => his?.received.length === 1, "the result at the HIS", 10_000);
      await waitFor("sante-ex1-sent", 1);
      assert.equal(atHis()[0]?.link, linkFor(deriveToken(uid)));
      assert.equal(atHis()[0]?.patientId, LATER.patientId);
      // The order was acknowledged when stored: no second ACK, no warning of the reply node, nothing for a person.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(acks(conn.bytes).length, 1);
      assert.equal(at("sante-ex1-alert").length, 0);
      assert.deepEqual(callsBy(node("sante-ex1-reply").warn, "sante-ex1-reply"), []);
    });

    it("an order whose images never come: AA, then SANTE_GAVE_UP goes to 'needs a person', not to the RIS", async function () {
      const uid = `${LATER.studyInstanceUid}.9${Date.now() % 100000}`;
      await loadWithHis(undefined, (n) =>
        n.type === "sante-study-token" ? { ...n, waitPlan: "1x1s", waitDeadline: "1h" } : n,
      );
      const { conn, ack } = await send(sample(LATER.file).replace(LATER.studyInstanceUid, uid));
      assert.equal(ack[1], "AA");
      await until(() => at("sante-ex1-alert").length === 1, "the alert", 10_000);
      const alert = at("sante-ex1-alert")[0];
      assert.equal(caughtCode(alert), "SANTE_GAVE_UP");
      assert.equal((alert?.sante as { reason?: string }).reason, "plan");
      assert.equal(acks(conn.bytes).length, 1, "the RIS got one ACK, the AA");
      assert.equal(his?.received.length, 0);
    });

    it("a message without a Study Instance UID is answered AR with SANTE_INVALID_INPUT; nothing goes to the HIS", async function () {
      await loadWithHis();
      const { ack } = await send(sample("adt-a08.hl7"));
      assert.deepEqual(ack.slice(1, 3), ["AR", "ADT000001"]);
      assert.match(ack.at(-1) ?? "", /SANTE_INVALID_INPUT/);
      assert.equal(his?.received.length, 0);
      assert.equal(at("sante-ex1-alert").length, 0);
    });

    it("a HIS that answers AE: the RIS gets AE with SANTE_HL7_ERROR", async function () {
      await loadWithHis(() => "AE");
      const { ack } = await send(sample("orm-o01.hl7"));
      assert.deepEqual(ack.slice(1, 3), ["AE", "ORM000001"]);
      assert.match(ack.at(-1) ?? "", /SANTE_HL7_ERROR/);
    });

    it("a PACS answering garbage (SANTE_PROTOCOL) ends the order with AE at once, without waiting", async function () {
      // Two replies to one request: not the protocol (a wrong port, say), which no amount of waiting mends.
      const garbage = await startFaultServer((socket) => socket.write("\x10AAAA\r\x10BBBB\r"));
      try {
        await loadWithHis(undefined, (n) =>
          n.type === "sante-pacs-server" ? { ...n, port: String(garbage.port), timeout: "2000" } : n,
        );
        const { ack } = await send(sample("orm-o01.hl7"));
        assert.deepEqual(ack.slice(1, 3), ["AE", "ORM000001"]);
        assert.match(ack.at(-1) ?? "", /SANTE_PROTOCOL/);
        assert.equal(his?.received.length, 0);
      } finally {
        await helper.unload();
        await garbage.close();
      }
    });
  });

  describe("03 ADT feed prefetch", function () {
    beforeEach(async function () {
      await load(example("03"));
    });

    it("acknowledges an ADT^A08 at once and prefetches the studies of the patient's MR identifier, split and joined", async function () {
      const { ack } = await send(sample("adt-a08.hl7"));
      assert.deepEqual(ack.slice(0, 3), ["MSA", "AA", "ADT000001"]);
      await waitFor("sante-ex3-debug", 1);
      assert.deepEqual(
        at("sante-ex3-debug")[0]?.payload,
        EXAMPLE_STUDIES.map((s) => s.studyInstanceUid),
      );
    });

    it("reports a patient without studies on its own output", async function () {
      await send(sample("adt-a08.hl7").replace("ID200631zw609", "NOBODY-0001"));
      await waitFor("sante-ex3-none", 1);
      assert.deepEqual(at("sante-ex3-none")[0]?.payload, []);
      assert.equal(at("sante-ex3-debug").length, 0);
    });

    it("acknowledges the feed even when the PACS is down: the prefetch error goes to its Catch", async function () {
      await helper.unload();
      const closedPort = await freePort();
      await load(example("03"), (n) => (n.type === "sante-pacs-server" ? { ...n, port: String(closedPort) } : n));
      const { ack } = await send(sample("adt-a08.hl7"));
      assert.equal(ack[1], "AA");
      await waitFor("sante-ex3-errors", 1);
      assert.equal(caughtCode(at("sante-ex3-errors")[0]), "SANTE_CONNECTION");
    });

    it("its 'try' inject button prefetches without MLLP", async function () {
      node("sante-ex3-try").receive({});
      await waitFor("sante-ex3-debug", 1);
      assert.equal((at("sante-ex3-debug")[0]?.payload as unknown[]).length, 3);
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
