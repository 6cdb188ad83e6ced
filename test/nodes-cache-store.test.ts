/**
 * The token cache in a persistent context store: a real Node-RED process with
 * Node-RED's own `localfilesystem` store (the test helper cannot load context
 * stores), restarted while the PACS is down.
 */
import { strict as assert } from "node:assert";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { startNodeRed, type NodeRedProcess } from "./helpers/nr-process";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const PATIENT_ID = "ID200631zw609";
const PREFIX = "1.2.840.113619.2.55.3.2831173124.78.1375418120.";
const PATIENT_TOKENS: Record<string, string> = {
  [`${PREFIX}812`]: "H4sTZJQ7OqxsxO9M633kSm9ES8wUexIW5auoZqJuuot88Cu1QLklYe38fR4R42IR4",
  [`${PREFIX}813`]: "H0QHLkW2RpypVCTSrmP4xni2U0lgcEfogLK5bKaEV6Gg655ru1Kr76X770eIRhhL",
  [`${PREFIX}814`]: "HKx1erewwPpyBhAygMTmKHBFlwCuqkT78r3fjiVUcM4gbB9XhsojgOA15Qj9MWM",
};

const CONTEXT_STORAGE = { default: { module: "memory" }, file: { module: "localfilesystem" } };

/**
 * GET /study?uid=… and GET /patient?id=… answer with msg.sante as JSON; a
 * lookup that fails answers 502 with the error's code (a Catch node), so no
 * request hangs.
 */
function flows(pacsPort: number): object[] {
  const at = (x: number) => ({ z: "tab", x, y: 100 });
  const toJson = (id: string, from: string, wires: string[]) => ({
    id,
    type: "change",
    ...at(500),
    rules: [{ t: "set", p: "payload", pt: "msg", to: from, tot: "msg" }],
    wires: [wires],
  });
  return [
    { id: "tab", type: "tab", label: "cache store" },
    {
      id: "pacs",
      type: "sante-pacs-server",
      host: "127.0.0.1",
      port: String(pacsPort),
      timeout: "3000",
      retries: "0",
      cacheStore: "file",
    },
    { id: "in-study", type: "http in", ...at(100), url: "/study", method: "get", upload: false, wires: [["study"]] },
    {
      id: "study",
      type: "sante-study-token",
      ...at(300),
      server: "pacs",
      property: "req.query.uid",
      propertyType: "msg",
      output: "token",
      wires: [["to-json"]],
    },
    {
      id: "in-patient",
      type: "http in",
      ...at(100),
      url: "/patient",
      method: "get",
      upload: false,
      wires: [["patient"]],
    },
    {
      id: "patient",
      type: "sante-patient-tokens",
      ...at(300),
      server: "pacs",
      property: "req.query.id",
      propertyType: "msg",
      output: "studies",
      split: false,
      wires: [["to-json"]],
    },
    toJson("to-json", "sante", ["respond"]),
    { id: "catcher", type: "catch", ...at(300), scope: null, uncaught: false, wires: [["failed"]] },
    {
      id: "failed",
      type: "change",
      ...at(500),
      rules: [
        // msg.santeError.code: the code on every Node-RED version (msg.error.code only from 4.1 on).
        { t: "set", p: "payload", pt: "msg", to: "santeError.code", tot: "msg" },
        { t: "set", p: "statusCode", pt: "msg", to: "502", tot: "num" },
      ],
      wires: [["respond"]],
    },
    { id: "respond", type: "http response", ...at(700), statusCode: "", headers: {} },
  ];
}

async function get(red: NodeRedProcess, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${red.base}${path}`);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // A plain-text answer (the error code) stays text.
  }
  return { status: res.status, body };
}

describe("the token cache in Node-RED's localfilesystem context store", function () {
  this.timeout(90000);
  let userDir: string;
  let sim: RunningSimulator | undefined;
  let red: NodeRedProcess | undefined;

  before(() => {
    userDir = mkdtempSync(join(tmpdir(), "sante-cache-store-"));
  });
  after(async () => {
    await red?.stop();
    await sim?.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it("keeps tokens across a restart of Node-RED while the PACS is down", async () => {
    sim = await startSimulator({ port: 0 });
    const pacs = `127.0.0.1:${sim.port}`;
    writeFileSync(join(userDir, "flows.json"), JSON.stringify(flows(sim.port)));
    red = await startNodeRed(userDir, { contextStorage: CONTEXT_STORAGE });

    const first = await get(red, `study?uid=${SEED_UID}`);
    assert.deepEqual(first, {
      status: 200,
      body: { studyInstanceUid: SEED_UID, token: SEED_TOKEN, cached: false },
    });
    const patient = await get(red, `patient?id=${PATIENT_ID}`);
    assert.equal(patient.status, 200, JSON.stringify(patient.body));
    assert.equal(sim.requests, 2);

    // localfilesystem writes on an interval and on close: stop Node-RED as Ctrl-C does.
    await red.stop();
    const log = red.log;
    red = undefined;
    assert.ok(!log.includes(SEED_TOKEN), "no token in Node-RED's log");
    assert.ok(!log.includes("not configured"), log);

    const file = join(userDir, "context", "global", "global.json");
    assert.ok(existsSync(file), `${file} exists`);
    const onDisk = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(onDisk), ["santeTokens"]);
    // One object per PACS, each study UID a key as it is (its dots made no nested objects).
    assert.deepEqual(onDisk.santeTokens, { [pacs]: { [SEED_UID]: SEED_TOKEN, ...PATIENT_TOKENS } });

    await sim.close();
    sim = undefined;
    red = await startNodeRed(userDir, { contextStorage: CONTEXT_STORAGE });

    const again = await get(red, `study?uid=${SEED_UID}`);
    assert.deepEqual(again, {
      status: 200,
      body: { studyInstanceUid: SEED_UID, token: SEED_TOKEN, cached: true },
    });
    for (const [uid, token] of Object.entries(PATIENT_TOKENS)) {
      assert.deepEqual(await get(red, `study?uid=${uid}`), {
        status: 200,
        body: { studyInstanceUid: uid, token, cached: true },
      });
    }
    // The PACS really is down: what is not cached cannot be looked up.
    assert.deepEqual(await get(red, "study?uid=1.2.3.4"), { status: 502, body: "SANTE_CONNECTION" });
    assert.deepEqual(await get(red, `patient?id=${PATIENT_ID}`), { status: 502, body: "SANTE_CONNECTION" });
  });
});
