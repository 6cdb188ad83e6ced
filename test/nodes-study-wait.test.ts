/**
 * The wait mode of sante-study-token in a real Node-RED runtime (test helper) against the simulator over TCP:
 * a study the PACS does not know yet is stored, answered on the "waiting" output, and comes out of the token output
 * once the simulator learns it (sim.addStudy), or reaches Catch with SANTE_GAVE_UP.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NodeMessage } from "../nodes/glue/node-red-types";
import { WAIT_JOURNAL } from "../nodes/glue/wait-store-lease";
import type { WaitList } from "../nodes/glue/wait-admin";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { WaitStore } from "../lib/wait/store";
import { freePort, startFaultServer } from "./helpers/fault-server";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { caughtCode, flowWith, serverDef, TAB, until } from "./helpers/nr-flows";
import { helper, node, OUR_NODES } from "./helpers/nr-helper";

const PATIENT = "MRN-WAIT-NODE";
let seq = 0;
/** A study UID no test has used (the simulator and the token cache live across tests of a run). */
function freshUid(): string {
  return `1.2.826.0.1.3680043.8.498.77${process.pid % 1000}.${Date.now() % 1_000_000}.${++seq}`;
}

/** What left the study node n1: token output, waiting output, Catch, and done() (a Complete node scoped to n1). */
class WaitOutcomes {
  readonly found: NodeMessage[] = [];
  readonly waiting: NodeMessage[] = [];
  readonly errors: NodeMessage[] = [];
  readonly completed: NodeMessage[] = [];
  readonly statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];

  constructor() {
    node("out").on("input", (msg) => this.found.push(msg));
    node("waiting").on("input", (msg) => this.waiting.push(msg));
    node("caught").on("input", (msg) => this.errors.push(msg));
    node("completed").on("input", (msg) => this.completed.push(msg));
    node("n1").on("call:status", (call) => this.statuses.push(call.args[0] as { text?: string }));
  }

  /** The code the last message at Catch carries (msg.santeError.code; msg.error.code on Node-RED 4.1+). */
  code(): unknown {
    return caughtCode(this.errors.at(-1));
  }
}

function waitNode(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "sante-study-token",
    wait: true,
    waitPlan: "100x1s",
    waitDeadline: "1h",
    outputs: 2,
    wires: [["out"], ["waiting"]],
    ...extra,
  };
}

/** The test flow: n1 (wait mode) → out / waiting, Catch → caught, Complete (n1) → completed. */
function waitFlow(port: number, n1: Record<string, unknown> = {}, server: Record<string, unknown> = {}): object[] {
  const at = { z: TAB, x: 100, y: 100 };
  return flowWith(
    waitNode(n1),
    serverDef(port, server),
    { id: "waiting", type: "helper", ...at },
    { id: "complete", type: "complete", ...at, scope: ["n1"], uncaught: false, wires: [["completed"]] },
    { id: "completed", type: "helper", ...at },
  );
}

async function listWaits(nodeId = "n1", query = ""): Promise<WaitList> {
  const res = await helper.request().get(`/sante-study-token/${nodeId}/waits${query}`);
  assert.equal(res.status, 200, res.text);
  return res.body as WaitList;
}

/** Lets the deliveries and store writes that follow an answer settle, then checks nothing more came. */
async function settle(ms = 300): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe("sante-study-token wait mode", function () {
  this.timeout(20000);
  let sim: RunningSimulator;
  let userDir: string;
  let baseline: Map<string, number>;
  /** Servers a test started, closed after its flows are unloaded. */
  const cleanups: Array<() => Promise<void>> = [];

  before(async () => {
    sim = await startSimulator({ port: 0 });
  });
  after(() => sim.close());

  beforeEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
    userDir = mkdtempSync(join(tmpdir(), "sante-wait-node-"));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ userDir: undefined });
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await assertNoLeaks(baseline);
    rmSync(userDir, { recursive: true, force: true });
  });

  /** The journal's waits once the flows are unloaded (the store is closed when the flows stop). */
  async function storedWaits(): Promise<number> {
    const store = await WaitStore.open(join(userDir, WAIT_JOURNAL));
    try {
      return store.size;
    } finally {
      await store.close();
    }
  }

  it("answers 'waiting' once the wait is stored, ends the input there, and sends the token once when the PACS learns the study", async () => {
    await helper.load(OUR_NODES, waitFlow(sim.port));
    const o = new WaitOutcomes();
    const uid = freshUid();
    node("n1").receive({ payload: uid, _msgid: "order-1", topic: "ORM^O01" });
    await until(() => o.waiting.length === 1, "the waiting output");
    const waiting = o.waiting[0];
    const sante = waiting.sante as Record<string, unknown>;
    assert.equal(sante.studyInstanceUid, uid);
    assert.equal(typeof sante.waitId, "string");
    assert.ok((sante.nextAttemptAt as number) > Date.now() - 1000 && (sante.deadline as number) > Date.now());
    assert.equal(sante.duplicate, false);
    assert.equal(waiting.payload, uid, "the waiting message keeps its payload");
    assert.ok(existsSync(join(userDir, WAIT_JOURNAL)), "stored under the user directory");
    await until(() => o.completed.length === 1, "done() of the input");
    assert.equal(o.errors.length, 0);
    assert.equal(o.found.length, 0);
    await until(
      () => o.statuses.some((s) => /^1 waiting for images, next \d\d:\d\d$/.test(s.text ?? "") && s.fill === "yellow"),
      "the status with the count and the next attempt",
    );
    const list = await listWaits();
    assert.equal(list.total, 1);
    assert.deepEqual(Object.keys(list.waits[0]).sort(), [
      "attempts",
      "createdAt",
      "deadline",
      "id",
      "lastError",
      "messageId",
      "nextAttemptAt",
      "plan",
      "studyInstanceUid",
    ]);
    assert.equal(list.waits[0].id, sante.waitId);
    assert.equal(list.waits[0].plan, "100x1s");

    sim.addStudy(PATIENT, uid);
    await until(() => o.found.length === 1, "the token output", 5000);
    const found = o.found[0];
    const token = (found.sante as { token: string }).token;
    assert.match(token, /^[A-Za-z0-9]{64}$/);
    assert.equal(found.payload, token);
    assert.equal(found.topic, "ORM^O01", "the stored message comes out");
    assert.equal(found._msgid, "order-1");
    assert.ok((found.sante as { waited: number }).waited >= 900);
    assert.ok((found.sante as { attempts: number }).attempts >= 1);
    assert.equal(found.santeError, undefined);
    await settle(1500);
    assert.equal(o.found.length, 1, "found once");
    assert.equal(o.completed.length, 1, "done() once");
    assert.equal((await listWaits()).total, 0);
    await until(() => o.statuses.at(-1)?.text === "found after waiting", "the status after delivery");
  });

  it("a resend of the same HL7 message answers 'waiting' again with the same wait, and comes out once", async () => {
    await helper.load(OUR_NODES, waitFlow(sim.port));
    const o = new WaitOutcomes();
    const uid = freshUid();
    const hl7 = {
      controlId: "ORM000042",
      sendingApplication: { namespaceId: "RIS", universalId: "", universalIdType: "" },
      sendingFacility: { namespaceId: "GENERAL_HOSPITAL", universalId: "", universalIdType: "" },
    };
    node("n1").receive({ payload: uid, _msgid: "first", hl7 });
    await until(() => o.waiting.length === 1, "the first waiting output");
    node("n1").receive({ payload: uid, _msgid: "resent", hl7 });
    await until(() => o.waiting.length === 2, "the second waiting output");
    const [first, second] = o.waiting.map((m) => m.sante as { waitId: string; duplicate: boolean });
    assert.equal(second.waitId, first.waitId);
    assert.deepEqual([first.duplicate, second.duplicate], [false, true]);
    const list = await listWaits();
    assert.equal(list.total, 1);
    assert.equal(list.waits[0].messageId, "hl7:RIS^^|GENERAL_HOSPITAL^^|ORM000042");
    // Another control ID from the same sender is another message.
    node("n1").receive({ payload: uid, _msgid: "other", hl7: { ...hl7, controlId: "ORM000043" } });
    await until(() => o.waiting.length === 3, "the third waiting output");
    assert.equal((await listWaits()).total, 2);

    sim.addStudy(PATIENT, uid);
    await until(() => o.found.length === 2, "both messages found", 5000);
    await settle(1500);
    assert.deepEqual(o.found.map((m) => m._msgid).sort(), ["first", "other"]);
    assert.equal(o.completed.length, 3, "each input ended once, at its waiting output");
  });

  it("two messages for the same study share one lookup per attempt and both come out", async () => {
    await helper.load(OUR_NODES, waitFlow(sim.port));
    const o = new WaitOutcomes();
    const uid = freshUid();
    node("n1").receive({ payload: uid, _msgid: "a" });
    node("n1").receive({ payload: uid, _msgid: "b" });
    await until(() => o.waiting.length === 2, "both waiting");
    assert.equal((await listWaits()).total, 2);
    const before = sim.requests;
    sim.addStudy(PATIENT, uid);
    await until(() => o.found.length === 2, "both found", 5000);
    await settle();
    assert.equal(sim.requests - before, 1, "one lookup found both");
    assert.deepEqual(o.found.map((m) => m._msgid).sort(), ["a", "b"]);
  });

  it("gives up at the deadline: the stored message reaches Catch with SANTE_GAVE_UP, nothing leaves the token output", async () => {
    await helper.load(OUR_NODES, waitFlow(sim.port, { waitPlan: "10x1s", waitDeadline: "2s" }));
    const o = new WaitOutcomes();
    node("n1").receive({ payload: freshUid(), _msgid: "late" });
    await until(() => o.waiting.length === 1, "waiting");
    await until(() => o.errors.length === 1, "the give-up", 6000);
    assert.equal(o.code(), "SANTE_GAVE_UP");
    const caught = o.errors[0];
    assert.equal(caught._msgid, "late");
    assert.equal((caught.santeError as { code: string }).code, "SANTE_GAVE_UP");
    assert.match((caught.error as { message: string }).message, /deadline passed after \d+ lookups? over/);
    assert.equal((caught.sante as { reason: string }).reason, "deadline");
    await settle();
    assert.equal(o.found.length, 0);
    assert.equal(o.completed.length, 1, "the input ended once, at its waiting output");
    assert.equal((await listWaits()).total, 0);
    await until(() => o.statuses.at(-1)?.text === "SANTE_GAVE_UP", "the status");
  });

  it("lists waits page by page and cancels one through the admin endpoints; the cancelled message reaches Catch", async () => {
    await helper.load(OUR_NODES, waitFlow(sim.port));
    const o = new WaitOutcomes();
    for (const id of ["p1", "p2", "p3"]) node("n1").receive({ payload: freshUid(), _msgid: id });
    await until(() => o.waiting.length === 3, "three waiting");
    const page1 = await listWaits("n1", "?limit=2");
    const page2 = await listWaits("n1", "?offset=2&limit=2");
    assert.deepEqual([page1.total, page1.waits.length, page2.total, page2.waits.length], [3, 2, 3, 1]);
    const all = [...page1.waits, ...page2.waits];
    assert.deepEqual(
      all.map((w) => w.messageId),
      ["msg:p1", "msg:p2", "msg:p3"],
    );
    assert.ok(!JSON.stringify(all).includes("payload"), "no message content");

    const target = all[1];
    const res = await helper.request().post(`/sante-study-token/n1/waits/${target.id}/cancel`).send({});
    assert.equal(res.status, 200, res.text);
    await until(() => o.errors.length === 1, "the cancelled message at Catch");
    assert.equal(o.code(), "SANTE_GAVE_UP");
    assert.equal(o.errors[0]._msgid, "p2");
    assert.equal((o.errors[0].sante as { reason: string }).reason, "cancelled");
    assert.equal((await listWaits()).total, 2);

    const again = await helper.request().post(`/sante-study-token/n1/waits/${target.id}/cancel`).send({});
    assert.equal(again.status, 404);
    assert.equal((again.body as { code: string }).code, "SANTE_INVALID_INPUT");
    assert.equal((await helper.request().get("/sante-study-token/nope/waits")).status, 404);
    assert.equal((await helper.request().get("/sante-study-token/catcher/waits")).status, 404);
    assert.equal((await helper.request().get("/sante-study-token/n1/waits?limit=0")).status, 400);
    assert.equal((await helper.request().get("/sante-study-token/n1/waits?limit=1001")).status, 400);
    assert.equal((await helper.request().get("/sante-study-token/n1/waits?offset=x")).status, 400);
  });

  it("refuses at once, with SANTE_INVALID_INPUT, a message that cannot be stored (an http in response object)", async () => {
    await helper.load(OUR_NODES, waitFlow(sim.port));
    const o = new WaitOutcomes();
    class ServerResponse {
      send(): void {}
    }
    node("n1").receive({ payload: freshUid(), _msgid: "http", res: new ServerResponse() });
    await until(() => o.errors.length === 1, "the refusal");
    assert.equal(o.code(), "SANTE_INVALID_INPUT");
    assert.match((o.errors[0].error as { message: string }).message, /msg\.res/);
    assert.equal(o.waiting.length, 0);
    assert.equal((await listWaits()).total, 0);
  });

  it("ends a message that would wait with SANTE_STORAGE when the store cannot be opened, and still serves found studies", async () => {
    // A user directory that is a file: the journal's folder cannot be made.
    const file = join(userDir, "not-a-dir");
    writeFileSync(file, "");
    helper.settings({ userDir: file });
    await helper.load(OUR_NODES, waitFlow(sim.port));
    const o = new WaitOutcomes();
    await until(() => o.statuses.some((s) => s.text === "SANTE_STORAGE"), "the problem shown at deploy");
    node("n1").receive({ payload: freshUid(), _msgid: "no-disk" });
    await until(() => o.errors.length === 1, "the error");
    assert.equal(o.code(), "SANTE_STORAGE");
    assert.equal(o.waiting.length, 0);
    const known = freshUid();
    sim.addStudy(PATIENT, known);
    node("n1").receive({ payload: known, _msgid: "known" });
    await until(() => o.found.length === 1, "a found study");
    assert.equal(o.completed.length, 1);
  });

  it("starts a wait when the PACS is down at order time, keeps it through failed attempts, and delivers once the PACS is back", async () => {
    const port = await freePort();
    await helper.load(OUR_NODES, waitFlow(port, {}, { retries: "0", breakerThreshold: "0", timeout: "500" }));
    const o = new WaitOutcomes();
    const uid = freshUid();
    node("n1").receive({ payload: uid, _msgid: "down" });
    await until(() => o.waiting.length === 1, "waiting although the PACS is down");
    await until(() => (o.statuses.length > 0 ? true : false), "a status");
    // Attempts fail with SANTE_CONNECTION and the wait goes on, noting why.
    let list = await listWaits();
    const deadline = Date.now() + 5000;
    while (list.waits[0]?.attempts < 2 && Date.now() < deadline) {
      await settle(200);
      list = await listWaits();
    }
    assert.ok(list.waits[0].attempts >= 2, "attempts were made");
    assert.equal(list.waits[0].lastError, "SANTE_CONNECTION");
    assert.equal(o.errors.length, 0);

    const pacs = await startSimulator({ port });
    cleanups.push(() => pacs.close());
    pacs.addStudy(PATIENT, uid);
    await until(() => o.found.length === 1, "found once the PACS is up", 5000);
    await settle();
    assert.equal(o.found.length, 1);
  });

  it("ends at once with SANTE_PROTOCOL when the first reply is not the protocol (a wrong port): no wait", async () => {
    const garbage = await startFaultServer((socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    cleanups.push(() => garbage.close());
    await helper.load(OUR_NODES, waitFlow(garbage.port, {}, { retries: "0" }));
    const o = new WaitOutcomes();
    node("n1").receive({ payload: freshUid(), _msgid: "wrong-port" });
    await until(() => o.errors.length === 1, "the error");
    assert.equal(o.code(), "SANTE_PROTOCOL");
    assert.equal(o.waiting.length, 0);
    assert.equal((await listWaits()).total, 0);
  });

  it("resumes the waits after a full redeploy, with the store kept open", async () => {
    const opens: string[] = [];
    const open = WaitStore.open.bind(WaitStore);
    WaitStore.open = (file, options) => {
      opens.push(file);
      return open(file, options);
    };
    try {
      const flow = waitFlow(sim.port);
      await helper.load(OUR_NODES, flow);
      let o = new WaitOutcomes();
      const uid = freshUid();
      node("n1").receive({ payload: uid, _msgid: "redeployed" });
      await until(() => o.waiting.length === 1, "waiting");
      await helper.setFlows(
        flow.map((n) => ((n as { id: string }).id === "pacs" ? { ...n, name: "renamed" } : n)),
        "full",
      );
      o = new WaitOutcomes();
      assert.equal((await listWaits()).total, 1, "the new node has the wait");
      sim.addStudy(PATIENT, uid);
      await until(() => o.found.length === 1, "found after the redeploy", 5000);
      await settle();
      assert.equal(o.found[0]._msgid, "redeployed");
      assert.equal(opens.length, 1, "the store was opened once");
    } finally {
      WaitStore.open = open;
    }
  });

  it("keeps the waits of a removed node stored, and resumes them when the node comes back", async () => {
    const flow = waitFlow(sim.port);
    await helper.load(OUR_NODES, flow);
    let o = new WaitOutcomes();
    const uid = freshUid();
    node("n1").receive({ payload: uid, _msgid: "removed" });
    await until(() => o.waiting.length === 1, "waiting");
    await helper.setFlows(
      flow.filter((n) => (n as { id: string }).id !== "n1"),
      "nodes",
    );
    assert.equal(helper.getNode("n1"), null);
    sim.addStudy(PATIENT, uid);
    await settle(1500);
    // Back (an undo, a re-import): the wait resumes and finds the study.
    await helper.setFlows(flow, "nodes");
    o = new WaitOutcomes();
    await until(() => o.found.length === 1, "found after the node came back", 5000);
    assert.equal(o.found[0]._msgid, "removed");
  });

  it("keeps the waits of a node on a disabled tab, and resumes them when the tab is enabled", async () => {
    const flow = waitFlow(sim.port);
    await helper.load(OUR_NODES, flow);
    let o = new WaitOutcomes();
    const uid = freshUid();
    node("n1").receive({ payload: uid, _msgid: "disabled" });
    await until(() => o.waiting.length === 1, "waiting");
    const disabled = flow.map((n) => ((n as { id: string }).id === TAB ? { ...n, disabled: true } : n));
    await helper.setFlows(disabled, "flows");
    assert.equal(helper.getNode("n1"), null);
    await helper.unload();
    assert.equal(await storedWaits(), 1, "still stored while the tab is disabled");
    await helper.load(OUR_NODES, disabled);
    sim.addStudy(PATIENT, uid);
    await helper.setFlows(flow, "flows");
    o = new WaitOutcomes();
    await until(() => o.found.length === 1, "found once the tab is enabled", 5000);
    assert.equal(o.found[0]._msgid, "disabled");
  });

  it("drops with a warning, at the next deploy after their deadline, the waits of a node that never comes back", async () => {
    const flow = waitFlow(sim.port, { waitPlan: "10x1s", waitDeadline: "1s" });
    await helper.load(OUR_NODES, flow);
    const o = new WaitOutcomes();
    node("n1").receive({ payload: freshUid(), _msgid: "orphan" });
    await until(() => o.waiting.length === 1, "waiting");
    const without = flow.filter((n) => (n as { id: string }).id !== "n1");
    await helper.setFlows(without, "nodes");
    await settle(1200);
    await helper.setFlows([...without, { id: "h2", type: "helper", z: TAB, x: 1, y: 1 }], "nodes");
    const warnings = () =>
      helper
        .log()
        .getCalls()
        .map((c) => c.args[0] as { level?: number; msg?: unknown })
        .filter((m) => m.level === 30 && String(m.msg).startsWith("Dropped 1 waits of node n1"));
    await until(() => warnings().length === 1, "the warning");
    assert.match(String(warnings()[0].msg), /\(msg:orphan\)/);
    assert.equal(o.errors.length, 0, "no Catch: the node is gone");
    await helper.unload();
    assert.equal(await storedWaits(), 0);
  });

  it("polls politely: at most `connections` lookups at once for many waits, and the cache answers a repeat", async () => {
    const pacs = await startSimulator({ port: 0 });
    cleanups.push(() => pacs.close());
    await helper.load(OUR_NODES, waitFlow(pacs.port, { waitPlan: "100x2s" }, { connections: "2" }));
    const o = new WaitOutcomes();
    const uids = Array.from({ length: 40 }, () => freshUid());
    uids.forEach((uid, i) => node("n1").receive({ payload: uid, _msgid: `many-${i}` }));
    await until(() => o.waiting.length === uids.length, "all waiting");
    for (const uid of uids) pacs.addStudy(PATIENT, uid);
    await until(() => o.found.length === uids.length, "all found", 8000);
    assert.equal(pacs.requests, 2 * uids.length, "one lookup per wait, then one that found it");
    assert.ok(pacs.peakConnections <= 2, `peak ${pacs.peakConnections} connections`);
    node("n1").receive({ payload: uids[0], _msgid: "repeat" });
    await until(() => o.found.length === uids.length + 1, "the repeat");
    assert.equal((o.found.at(-1)?.sante as { cached: boolean }).cached, true);
    assert.equal(pacs.requests, 2 * uids.length, "answered from the cache");
  });
});
