/**
 * Issue 13's acceptance in the real demo (`npm start`, dist/demo/start.js, a child process on free ports with a
 * fresh user directory): an order for a study the PACS does not know yet is acknowledged and waits; the demo is
 * killed with SIGKILL and started again; the PACS learns the study (`npm run images-arrive`); the link reaches the
 * HIS page. Then what the demo learnt survives another SIGKILL, and `--reset` forgets it.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_FILES } from "../demo/config";
import type { HisResult } from "../demo/his-result";
import { sendMllp, toHl7Segments } from "../demo/mllp-client";
import type { WaitList } from "../nodes/glue/wait-admin";
import { deriveToken } from "../lib/simulator/tokens";
import { PROJECT_ROOT, spawnDemo, type DemoProcess } from "./helpers/browser-demo";
import { linkFor } from "./helpers/browser-vendor-data";
import { until } from "./helpers/nr-flows";

const IMAGES_ARRIVE = join(PROJECT_ROOT, "dist", "demo", "images-arrive.js");
const ORDER_FILE = "examples/data/orm-o01-images-later.hl7";
const ORDER = toHl7Segments(readFileSync(join(PROJECT_ROOT, ORDER_FILE), "utf8"));
const STUDY = "1.2.826.0.1.3748527.1.4.2.0.20240115.110000.424242";
const PATIENT = "PAT000042";

async function waits(demo: DemoProcess): Promise<WaitList> {
  const res = await fetch(`${demo.baseUrl}/sante-study-token/sante-ex1-study/waits`);
  assert.equal(res.status, 200);
  return (await res.json()) as WaitList;
}

async function hisResults(demo: DemoProcess): Promise<HisResult[]> {
  const res = await fetch(`${demo.baseUrl}/sante/his/results.json`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { results: HisResult[] }).results;
}

async function patientPage(demo: DemoProcess, id: string): Promise<string> {
  const res = await fetch(`${demo.baseUrl}/sante/patients/${id}`);
  assert.equal(res.status, 200);
  return res.text();
}

function imagesArrive(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [IMAGES_ARRIVE, ...args],
      { cwd: PROJECT_ROOT, timeout: 20_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : null) : 0, stdout, stderr });
      },
    );
  });
}

describe("the demo across a SIGKILL: an order waits for its images, and its link reaches the HIS", function () {
  // Four starts of Node-RED and one lookup interval of example 01 (10 s); the limit only stops a hang.
  this.timeout(120_000);
  let demo: DemoProcess | undefined;

  after(async function () {
    await demo?.stop();
  });

  const running = (): DemoProcess => {
    if (!demo) throw new Error("the demo is not running");
    return demo;
  };

  it("acknowledges an order for a study the PACS does not know yet, and keeps it waiting", async function () {
    demo = await spawnDemo({ simulator: true, keepUserDir: true });
    assert.match(running().output(), /flows\.json \(written from examples\/\)/);
    const ack = await sendMllp(ORDER, { host: "127.0.0.1", port: running().ordersPort, timeoutMs: 10_000 });
    assert.match(ack, /\rMSA\|AA\|ORM000002\r/);
    const list = await waits(running());
    assert.deepEqual(
      list.waits.map((w) => [w.studyInstanceUid, w.plan]),
      [[STUDY, "6x10s, 20x30s, 10x5m"]],
    );
    assert.deepEqual(await hisResults(running()), []);
  });

  it("after SIGKILL and a start, the order still waits; once the images arrive its link reaches the HIS page", async function () {
    const killed = running();
    await killed.kill();
    demo = await spawnDemo({ simulator: true, again: killed, keepUserDir: true });
    assert.match(running().output(), /flows\.json \(kept from the last run\)/);
    assert.equal((await waits(running())).total, 1);

    const arrived = await imagesArrive(ORDER_FILE, "--port", String(running().webPort));
    assert.equal(arrived.code, 0, arrived.stderr);
    assert.match(
      arrived.stdout,
      new RegExp(`The images of study ${STUDY.replace(/\./g, "\\.")} \\(patient ${PATIENT}\\)`),
    );
    assert.match(running().output(), /PACS: the images of study .* arrived/);

    // The example looks again 10 s after the first lookup (plus up to 10 %).
    await until(() => running().output().includes(`link to study ${STUDY}`), "the result at the HIS", 30_000);
    const [result, ...more] = await hisResults(running());
    assert.deepEqual(more, []);
    assert.equal(result?.link, linkFor(deriveToken(STUDY)));
    assert.deepEqual([result?.patientId, result?.orderNumber, result?.studyInstanceUid], [PATIENT, "ORD000003", STUDY]);
    const page = await (await fetch(`${running().baseUrl}/sante/his`)).text();
    assert.ok(page.includes(`href="${linkFor(deriveToken(STUDY)).replace(/&/g, "&#38;")}"`), "the link on the page");
    assert.equal((await waits(running())).total, 0);
    // The reply node skips the delivered order quietly: it was acknowledged before the kill.
    assert.deepEqual(running().warnings(), []);
  });

  it("what the PACS learnt and what the HIS received survive another SIGKILL", async function () {
    const killed = running();
    await killed.kill();
    demo = await spawnDemo({ simulator: true, again: killed, keepUserDir: true });
    assert.match(running().output(), /1 learnt while the demo ran/);
    assert.match(running().output(), /his-results\.jsonl \(1 result so far\)/);
    assert.equal((await hisResults(running())).length, 1);
    // The simulator loaded the study from .demo/pacs-studies.csv: example 02's page lists it.
    assert.ok((await patientPage(running(), PATIENT)).includes(STUDY));
  });

  it("npm start -- --reset starts over: examples written again, no waits, learnt studies or HIS results", async function () {
    const before = running();
    assert.equal(await before.stop(), 0);
    demo = await spawnDemo({ simulator: true, again: before, args: ["--reset"] });
    assert.match(running().output(), /flows\.json \(written from examples\/\)/);
    assert.deepEqual(await hisResults(running()), []);
    assert.ok(!(await patientPage(running(), PATIENT)).includes(STUDY), "the learnt study is gone");
    assert.ok(!existsSync(join(running().userDir, DEMO_FILES.learntStudies)));
    assert.equal((await waits(running())).total, 0);
  });
});
