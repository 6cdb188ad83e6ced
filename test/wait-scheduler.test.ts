import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SanteClient, type SanteClientOptions } from "../lib/sante";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import type { SanteError } from "../lib/errors";
import { WaitScheduler, type GiveUpReason, type WaitSchedulerOptions } from "../lib/wait/scheduler";
import { WaitStore, type WaitRecord } from "../lib/wait/store";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { TestClock, until } from "./helpers/test-clock";

const S = 1000;
const M = 60 * S;
const UID = "1.2.826.0.1.3680043.8.498.1001";
const PATIENT = "MRN-WAIT-1";

interface Delivery {
  wait: WaitRecord;
  msg: Record<string, unknown>;
  token?: string;
  error?: SanteError;
  reason?: GiveUpReason;
}

describe("wait scheduler against the simulator", () => {
  let dir: string;
  let sim: RunningSimulator;
  let client: SanteClient;
  let store: WaitStore;
  let clock: TestClock;
  let scheduler: WaitScheduler;
  let baseline: Map<string, number>;
  const found: Delivery[] = [];
  const gaveUp: Delivery[] = [];
  const handler = {
    found: (wait: WaitRecord, msg: Record<string, unknown>, token: string) => found.push({ wait, msg, token }),
    gaveUp: (wait: WaitRecord, msg: Record<string, unknown>, error: SanteError, reason: GiveUpReason) =>
      gaveUp.push({ wait, msg, error, reason }),
  };

  async function setUp(
    options: Partial<WaitSchedulerOptions> = {},
    clientOptions: SanteClientOptions = {},
  ): Promise<void> {
    client = new SanteClient({ port: sim.port, connections: 8, retries: 0, breakerThreshold: 0, ...clientOptions });
    store ??= await WaitStore.open(join(dir, "waits.journal"));
    scheduler = new WaitScheduler({
      store,
      lookup: (uid) => client.studyToken(uid),
      clock,
      jitter: 0,
      ...options,
    });
    scheduler.attach("node-1", handler);
  }

  /** Moves the clock and waits until the simulator has answered `requests` in all. */
  async function step(ms: number, requests: number): Promise<void> {
    await clock.advance(ms);
    await until(() => sim.requests >= requests, `the simulator answered ${requests} requests`);
    await until(() => scheduler.stats.inFlight === 0, "no lookup under way");
    // Let the store writes and deliveries that follow an answer finish.
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sim.requests, requests, "no more requests than expected");
  }

  beforeEach(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
    dir = mkdtempSync(join(tmpdir(), "sante-wait-sched-"));
    sim = await startSimulator({ port: 0 });
    clock = new TestClock();
    found.length = 0;
    gaveUp.length = 0;
  });

  afterEach(async () => {
    await scheduler.close();
    await client.close();
    await store.close();
    store = undefined as unknown as WaitStore;
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    await assertNoLeaks(baseline);
  });

  it("waits for a study the PACS does not know, then delivers its message once when it arrives", async () => {
    await setUp();
    const msg = { _msgid: "m1", payload: Buffer.from("MSH|^~\\&|RIS\rORC|NW|A1\r"), topic: "order" };
    const { wait, duplicate } = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg, plan: "5x10s" });
    assert.equal(duplicate, false);
    assert.equal(wait.nextAttemptAt, clock.now() + 10 * S);
    assert.deepEqual(scheduler.summary("node-1"), { waiting: 1, nextAttemptAt: clock.now() + 10 * S });

    await step(9 * S, 0);
    await step(1 * S, 1);
    assert.equal(store.get(wait.id)?.attempts, 1, "SANTE_NOT_FOUND counted as an attempt");
    assert.equal(found.length, 0);

    const { token } = sim.addStudy(PATIENT, UID);
    await step(10 * S, 2);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].msg, msg);
    assert.equal(found[0].token, token);
    assert.equal(found[0].wait.attempts, 1, "the attempt that found it is not counted as a failure");
    assert.equal(store.size, 0);
    assert.equal(clock.pending, 0, "no timer left once nothing waits");

    await step(10 * M, 2);
    assert.equal(found.length, 1, "delivered once");
  });

  it("two waits for the same study share one lookup per attempt, and both are delivered", async () => {
    await setUp();
    const a = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: { n: "a" }, plan: "5x10s" });
    await clock.advance(2 * S); // the second order comes in a moment later
    const b = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: { n: "b" }, plan: "5x10s" });
    await step(8 * S, 1);
    assert.deepEqual([store.get(a.wait.id)?.attempts, store.get(b.wait.id)?.attempts], [1, 1]);
    await step(10 * S, 2);
    assert.deepEqual([store.get(a.wait.id)?.attempts, store.get(b.wait.id)?.attempts], [2, 2]);
    sim.addStudy(PATIENT, UID);
    await step(10 * S, 3);
    assert.deepEqual(found.map((d) => d.msg.n).sort(), ["a", "b"]);
  });

  it("the same message (messageId) for the same study waits once", async () => {
    await setUp();
    const first = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, messageId: "ORM-77", msg: { n: 1 } });
    const again = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, messageId: "ORM-77", msg: { n: 2 } });
    assert.equal(again.duplicate, true);
    assert.equal(again.wait.id, first.wait.id);
    assert.equal(scheduler.summary("node-1").waiting, 1);
  });

  it("makes a last attempt at the deadline, then gives up with SANTE_GAVE_UP", async () => {
    await setUp();
    const { wait } = await scheduler.add({
      nodeId: "node-1",
      studyInstanceUid: UID,
      msg: { n: 1 },
      plan: "10x10s",
      deadline: "25s",
    });
    assert.equal(wait.deadline, clock.now() + 25 * S);
    await step(10 * S, 1);
    await step(10 * S, 2);
    await step(4 * S, 2);
    await step(1 * S, 3);
    assert.equal(gaveUp.length, 1);
    assert.equal(gaveUp[0].reason, "deadline");
    assert.equal(gaveUp[0].error?.code, "SANTE_GAVE_UP");
    assert.match(
      gaveUp[0].error?.message ?? "",
      new RegExp(`Study ${UID} did not reach the PACS in time: its deadline passed after 3 lookups over 25s`),
    );
    assert.deepEqual(gaveUp[0].msg, { n: 1 });
    assert.equal(store.size, 0);
    await step(M, 3);
  });

  it("gives up when the plan is used up before the deadline", async () => {
    await setUp();
    await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: {}, plan: "2x10s", deadline: "1h" });
    await step(10 * S, 1);
    await step(10 * S, 2);
    assert.equal(gaveUp[0]?.reason, "plan");
    assert.match(
      gaveUp[0].error?.message ?? "",
      /its plan was used up \(2 attempts over 20s \(2x10s\)\) after 2 lookups/,
    );
  });

  it("keeps waiting while the PACS is down (attempts go on, the error is noted), and delivers once it is back", async () => {
    await setUp();
    const port = sim.port;
    const { wait } = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: { n: 1 }, plan: "5x10s" });
    await sim.close();
    await clock.advance(10 * S);
    await until(() => store.get(wait.id)?.attempts === 1, "the failed attempt is recorded");
    assert.equal(store.get(wait.id)?.lastError, "SANTE_CONNECTION");
    assert.equal(gaveUp.length, 0);

    sim = await startSimulator({ port });
    sim.addStudy(PATIENT, UID);
    await step(10 * S, 1);
    assert.equal(found.length, 1);
  });

  it("keeps to `concurrency` lookups at once (the config's connections), as the simulator sees them", async () => {
    // As in Node-RED: the scheduler's cap and the client's connections are both the config node's `connections`.
    await setUp({ concurrency: 3 }, { connections: 3 });
    let mostPending = 0;
    client.on("pending", (n) => (mostPending = Math.max(mostPending, n)));
    for (let i = 0; i < 40; i++) {
      await scheduler.add({ nodeId: "node-1", studyInstanceUid: `${UID}.${i}`, msg: { i }, plan: "2x10s" });
    }
    sim.resetPeak();
    await step(10 * S, 40);
    assert.ok(sim.peakConnections <= 3, `the PACS saw ${sim.peakConnections} connections at once`);
    assert.equal(scheduler.stats.peakLookups, 3, "the scheduler reached its cap");
    assert.equal(mostPending, 3, "and never queued more than that in the client (40 were due at once)");
  });

  it("lengthens each interval by a random part of up to `jitter` of it", async () => {
    await setUp({ jitter: 0.2, random: () => 0.5 });
    const { wait } = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: {}, plan: "3x1m" });
    assert.equal(wait.nextAttemptAt, clock.now() + M + 6 * S);
  });

  it("resumes after a restart from the store, on its plan, and delivers the message as it was", async () => {
    await setUp();
    const msg = { payload: Buffer.from([0x0b, 0x4d, 0x53, 0x48]), n: 1 };
    const { wait } = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg, plan: "1x10s, 5x1m" });
    await step(10 * S, 1);
    const next = store.get(wait.id)?.nextAttemptAt;
    assert.equal(next, clock.now() + M);
    await scheduler.close();
    await client.close();
    await store.close();
    store = undefined as unknown as WaitStore;

    await setUp();
    assert.deepEqual(scheduler.summary("node-1"), { waiting: 1, nextAttemptAt: next });
    sim.addStudy(PATIENT, UID);
    await step(M - S, 1);
    await step(S, 2);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].msg, msg);
  });

  it("cancel() ends a wait at once, through the handler, as cancelled", async () => {
    await setUp();
    const { wait } = await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: { n: 1 } });
    assert.equal(await scheduler.cancel(wait.id), true);
    assert.equal(await scheduler.cancel(wait.id), false);
    assert.equal(gaveUp[0]?.reason, "cancelled");
    assert.match(gaveUp[0].error?.message ?? "", /the wait was cancelled after 0 lookups/);
    assert.equal(store.size, 0);
    await step(M, 0);
  });

  it("a detached node's waits stay stored and are not polled until it is attached again", async () => {
    await setUp();
    await scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: { n: 1 }, plan: "5x10s" });
    scheduler.detach("node-1");
    await step(M, 0);
    assert.equal(store.size, 1);
    assert.equal(scheduler.attach("node-1", handler), 1);
    sim.addStudy(PATIENT, UID);
    await step(0, 1); // overdue: asked at once
    assert.equal(found.length, 1);
  });

  it("refuses a message it cannot store, at once, and stores nothing", async () => {
    await setUp();
    await assert.rejects(
      scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: { res: { send: () => undefined } } }),
      (err: SanteError) => err.code === "SANTE_INVALID_INPUT" && /msg\.res\.send is a function/.test(err.message),
    );
    await assert.rejects(
      scheduler.add({ nodeId: "node-1", studyInstanceUid: UID, msg: {}, plan: "every minute" }),
      (err: SanteError) => err.code === "SANTE_INVALID_INPUT",
    );
    assert.equal(store.size, 0);
  });

  it("uses one timer for all its waits (the real clock), and none once closed", async () => {
    await setUp({ clock: undefined });
    const timersBefore = resourceCounts().get("Timeout") ?? 0;
    for (let i = 0; i < 100; i++) {
      await scheduler.add({ nodeId: "node-1", studyInstanceUid: `${UID}.${i}`, msg: { i }, plan: "10x1m" });
    }
    assert.equal((resourceCounts().get("Timeout") ?? 0) - timersBefore, 1);
  });
});
