/**
 * The acceptance test, in a real Node-RED process: 1,000 orders wait for studies the PACS does not know,
 * each acknowledged (HTTP 200) only once its wait is on disk; Node-RED is killed with SIGKILL and started again;
 * then the simulator learns the studies, and every one of the 1,000 messages comes out exactly once.
 *
 * The flow answers an order's HTTP request from the "waiting" output, as an HL7 flow would acknowledge the order
 * (an http in response object cannot be stored, so the flow keeps it aside by the message id); found messages and
 * errors are counted in flow context and read through GET /tally.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { WaitStore } from "../lib/wait/store";
import { WAIT_JOURNAL } from "../nodes/glue/wait-store-lease";
import { startNodeRed, type NodeRedProcess } from "./helpers/nr-process";

const ORDERS = 1000;
const IN_FLIGHT = 50;
const PATIENT = "MRN-SIGKILL";
const uid = (n: number) => `1.2.826.0.1.3680043.8.498.4242.${n}`;

interface Tally {
  found: Record<string, number>;
  errors: string[];
}

function flows(pacsPort: number): object[] {
  const tab = "wait-tab";
  const at = (x: number, y: number) => ({ z: tab, x, y });
  return [
    { id: tab, type: "tab", label: "waits" },
    {
      id: "pacs",
      type: "sante-pacs-server",
      host: "127.0.0.1",
      port: String(pacsPort),
      timeout: "5000",
      connections: "4",
      keepAlive: false,
    },
    { id: "order-in", type: "http in", ...at(100, 100), url: "/order", method: "post", wires: [["keep-res"]] },
    {
      id: "keep-res",
      type: "function",
      ...at(250, 100),
      // The response object cannot wait on disk: kept here, by message id, until the wait is stored.
      func: [
        "const open = context.get('open') || new Map();",
        "context.set('open', open);",
        "if (msg.res) { open.set(msg._msgid, { res: msg.res, req: msg.req }); delete msg.res; delete msg.req; return [msg, null]; }",
        "const kept = open.get(msg._msgid);",
        "if (!kept) return null;",
        "open.delete(msg._msgid);",
        "msg.res = kept.res; msg.req = kept.req; msg.payload = 'waiting ' + msg.sante.waitId;",
        "return [null, msg];",
      ].join("\n"),
      outputs: 2,
      wires: [["study"], ["order-answer"]],
    },
    {
      id: "study",
      type: "sante-study-token",
      ...at(400, 100),
      server: "pacs",
      property: "payload.uid",
      propertyType: "msg",
      output: "token",
      wait: true,
      waitPlan: "100x5s",
      waitDeadline: "1h",
      outputs: 2,
      wires: [["tally-found"], ["keep-res"]],
    },
    { id: "order-answer", type: "http response", ...at(550, 150), statusCode: "200" },
    {
      id: "tally-found",
      type: "function",
      ...at(550, 50),
      func: [
        "const found = flow.get('found') || {};",
        "const n = String(msg.payload.n);",
        "found[n] = (found[n] || 0) + 1;",
        "flow.set('found', found);",
        "return null;",
      ].join("\n"),
      outputs: 1,
      wires: [],
    },
    { id: "catch", type: "catch", ...at(100, 250), scope: null, uncaught: false, wires: [["tally-error"]] },
    {
      id: "tally-error",
      type: "function",
      ...at(250, 250),
      func: [
        "const errors = flow.get('errors') || [];",
        "errors.push((msg.error && msg.error.code || '?') + ' ' + JSON.stringify(msg.payload));",
        "flow.set('errors', errors);",
        "if (msg.res) { msg.payload = msg.error.code; msg.statusCode = 500; return msg; }",
        "return null;",
      ].join("\n"),
      outputs: 1,
      wires: [["order-answer"]],
    },
    { id: "tally-in", type: "http in", ...at(100, 350), url: "/tally", method: "get", wires: [["tally-read"]] },
    {
      id: "tally-read",
      type: "function",
      ...at(250, 350),
      func: "msg.payload = { found: flow.get('found') || {}, errors: flow.get('errors') || [] };\nreturn msg;",
      outputs: 1,
      wires: [["tally-out"]],
    },
    { id: "tally-out", type: "http response", ...at(400, 350) },
  ];
}

async function order(red: NodeRedProcess, n: number): Promise<string> {
  const res = await fetch(`${red.base}order`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ uid: uid(n), n }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `order ${n}: ${text}`);
  return text;
}

async function tally(red: NodeRedProcess): Promise<Tally> {
  const res = await fetch(`${red.base}tally`);
  return (await res.json()) as Tally;
}

describe("1,000 waits survive SIGKILL of a real Node-RED process", function () {
  this.timeout(180000);
  let userDir: string;
  let sim: RunningSimulator;
  let red: NodeRedProcess | undefined;

  before(async () => {
    userDir = mkdtempSync(join(tmpdir(), "sante-wait-sigkill-"));
    sim = await startSimulator({ port: 0 });
  });
  after(async () => {
    await red?.kill();
    await sim.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it("every message comes out exactly once after kill -9 and a restart, once the PACS learns the studies", async () => {
    writeFileSync(join(userDir, "flows.json"), JSON.stringify(flows(sim.port)));
    red = await startNodeRed(userDir);

    // Each answer means "stored": the HTTP request is answered from the waiting output.
    let next = 0;
    const answers: string[] = [];
    const red1 = red;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ORDERS) answers.push(await order(red1, next++));
      }),
    );
    assert.equal(answers.length, ORDERS);
    assert.ok(answers.every((a) => /^waiting \S+$/.test(a)));
    assert.equal(new Set(answers).size, ORDERS, "one wait each");

    await red.kill();
    red = undefined;

    red = await startNodeRed(userDir);
    for (let n = 0; n < ORDERS; n++) sim.addStudy(PATIENT, uid(n));
    const started = Date.now();
    let seen: Tally = { found: {}, errors: [] };
    while (Object.keys(seen.found).length < ORDERS && Date.now() - started < 60000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      seen = await tally(red);
    }
    // One more attempt interval (5 s and its jitter): time for a message to come out twice, if it could.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    seen = await tally(red);

    const counts = Array.from({ length: ORDERS }, (_, n) => seen.found[String(n)] ?? 0);
    assert.deepEqual(
      {
        lost: counts.filter((c) => c === 0).length,
        twice: counts.filter((c) => c > 1).length,
        unknown: Object.keys(seen.found).filter((k) => !(Number(k) >= 0 && Number(k) < ORDERS)).length,
        errors: seen.errors,
      },
      { lost: 0, twice: 0, unknown: 0, errors: [] },
    );
    assert.ok(sim.peakConnections <= 4, `the PACS saw at most 4 connections (saw ${sim.peakConnections})`);

    await red.stop();
    red = undefined;
    const store = await WaitStore.open(join(userDir, WAIT_JOURNAL));
    try {
      assert.equal(store.size, 0, "no wait left in the journal");
    } finally {
      await store.close();
    }
  });
});
