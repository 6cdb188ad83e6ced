/**
 * The demo's own parts, in this process and without Node-RED: the simulated HIS over real MLLP and its results
 * file, the HIS page, the route that makes the PACS learn a study and the file that keeps what it learnt, and the
 * check of listeners that bind more than loopback.
 */
import { strict as assert } from "node:assert";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exposedListeners } from "../demo/exposed-listeners";
import { mergeExamples, readExamples, type FlowNode } from "../demo/flows";
import { startHis, type RunningHis } from "../demo/his";
import { renderHisPage } from "../demo/his-page";
import { readHisResult } from "../demo/his-result";
import { HisResults } from "../demo/his-results";
import { LearntStudies } from "../demo/learnt-studies";
import { sendMllp } from "../demo/mllp-client";
import { demoRoutes, LEARN_STUDY_PATH, type RouteDeps } from "../demo/routes";
import { buildResultMessage } from "../lib/hl7";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { SanteClient } from "../lib/sante";
import { PROJECT_ROOT } from "./helpers/browser-demo";
import { leakCheckEach } from "./helpers/handles";
import { order } from "./helpers/hl7-his";

const LINK = "sante://download?url=127.0.0.1:3000&ssl=no&token=TOKEN123";
const UID = "1.2.826.0.1.3680043.2.1125.1";

/** The result `hl7 result` writes for the small order of the HL7 node tests. */
function result(controlId = "ORD-1", link = LINK): string {
  return buildResultMessage(order(controlId), { studyInstanceUid: UID, url: link });
}

describe("demo: the simulated HIS", function () {
  let dir: string;
  let his: RunningHis | undefined;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), "sante-his-"));
  });
  leakCheckEach(async () => {
    await his?.close();
    his = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("acknowledges a result AA once it is in the results file, and lists it with the link read from OBX-5", async function () {
    const file = join(dir, "his-results.jsonl");
    const lines: string[] = [];
    his = await startHis({ host: "127.0.0.1", port: 0, results: new HisResults(file), log: (l) => lines.push(l) });
    const ack = await sendMllp(result("C1"), { host: "127.0.0.1", port: his.port, timeoutMs: 5000 });
    assert.match(ack, /\rMSA\|AA\|/);
    const stored = readFileSync(file, "utf8").trim().split("\n");
    assert.equal(stored.length, 1);
    const [listed] = new HisResults(file).list();
    assert.equal(listed?.link, LINK, "the RP's \\T\\ read back as &");
    assert.deepEqual(
      [listed?.messageType, listed?.patientId, listed?.patientName, listed?.orderNumber, listed?.studyInstanceUid],
      ["ORU^R01^ORU_R01", "ID1", "DOE, JANE", "ORD1", UID],
    );
    assert.match(lines[0] ?? "", /^HIS: ORU\^R01\^ORU_R01 \S+ for patient ID1, link to study /);
  });

  it("answers AR to bytes that are not HL7 and files nothing", async function () {
    const file = join(dir, "his-results.jsonl");
    his = await startHis({ host: "127.0.0.1", port: 0, results: new HisResults(file) });
    const ack = await sendMllp("not HL7 at all", { host: "127.0.0.1", port: his.port, timeoutMs: 5000 });
    assert.match(ack, /\rMSA\|AR\|/);
    assert.equal(new HisResults(file).count, 0);
  });

  it("reads back a file with a torn or foreign line: the line is skipped, the rest listed newest first", async function () {
    const file = join(dir, "his-results.jsonl");
    const results = new HisResults(file);
    await results.add(result("C1"), 1000);
    appendFileSync(file, '{"receivedAt": 12, "mess\n');
    await results.add(result("C2"), 2000);
    const again = new HisResults(file);
    assert.equal(again.skipped, 1);
    assert.deepEqual(
      again.list().map((r) => r.receivedAt),
      [2000, 1000],
    );
  });

  it("a message without a link or patient is listed with what it has", function () {
    const r = readHisResult("MSH|^~\\&|A|B|C|D|20240101||ADT^A08|X1|P|2.5\rPID|1||P9\r", 5);
    assert.deepEqual([r.messageType, r.patientId, r.link, r.studyInstanceUid], ["ADT^A08", "P9", "", ""]);
  });
});

describe("demo: the HIS page", function () {
  const info = { address: "127.0.0.1:2578", simulated: true, count: 0, sendCommand: "npm run send-hl7 -- x.hl7" };

  it("makes only sante: links clickable and escapes every value", function () {
    const evil = result("C1", "javascript:alert(1)")
      .replace("DOE^JANE", "<script>alert(2)</script>")
      .replace(/ORD1/g, 'ORD"1>');
    const html = renderHisPage([readHisResult(evil, 0), readHisResult(result("C2"), 0)], { ...info, count: 2 });
    assert.doesNotMatch(html, /<script>alert/);
    assert.doesNotMatch(html, /href="javascript:/i);
    assert.match(html, /<span class="not-a-link">javascript:alert\(1\)<\/span>/);
    assert.equal([...html.matchAll(/<a class="study-link" href="([^"]*)"/g)].length, 1);
    assert.ok(html.includes(`href="${LINK.replace(/&/g, "&#38;")}"`));
    assert.match(html, /<td>ORD&#34;1&#62;<br>/);
  });

  it("says when the HIS is someone else's, and what to send when there is nothing yet", function () {
    assert.match(renderHisPage([], info), /id="no-results"[\s\S]*npm run send-hl7 -- x\.hl7/);
    assert.match(renderHisPage([], { ...info, simulated: false }), /id="his-off"[\s\S]*SANTE_DEMO_HIS=off/);
  });
});

describe("demo: the PACS learns a study (POST /sante/pacs/studies) and keeps it", function () {
  let dir: string;
  let sim: RunningSimulator | undefined;
  let server: Server | undefined;

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), "sante-learn-"));
  });
  afterEach(async function () {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    await sim?.close();
    sim = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(learn: RouteDeps["learn"]): Promise<string> {
    const routes = demoRoutes({
      results: new HisResults(join(dir, "his.jsonl")),
      hisInfo: () => ({ address: "x", simulated: true, count: 0, sendCommand: "" }),
      learn,
    });
    server = createServer((req, res) => {
      if (!routes(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}${LEARN_STUDY_PATH}`;
  }

  const post = (url: string, body: unknown, type = "application/json") =>
    fetch(url, { method: "POST", headers: { "content-type": type }, body: JSON.stringify(body) });

  it("learns the study, writes it to the CSV once, and a simulator started from that file knows it", async function () {
    sim = await startSimulator({ port: 0 });
    const running = sim;
    const learnt = new LearntStudies(join(dir, "pacs-studies.csv"));
    const url = await serve((patientId, uid) => learnt.learn(running, patientId, uid));
    // Commas and quotes are allowed in a Patient ID: the CSV quotes them.
    const patientId = 'DOE, "J" 7';
    const first = await post(url, { patientId, studyInstanceUid: UID });
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { patientId, studyInstanceUid: UID, added: true });
    assert.deepEqual(await (await post(url, { patientId, studyInstanceUid: UID })).json(), {
      patientId,
      studyInstanceUid: UID,
      added: false,
    });
    assert.equal(learnt.count(), 1);
    await sim.close();
    sim = await startSimulator({ port: 0, data: learnt.dataFile() });
    const client = new SanteClient({ host: "127.0.0.1", port: sim.port });
    try {
      assert.deepEqual(
        (await client.lookupPatient(patientId)).studies.map((s) => s.studyInstanceUid),
        [UID],
      );
    } finally {
      await client.close();
    }
  });

  it("refuses a study the simulator refuses (400), anything but JSON (415), and answers 409 without a simulator", async function () {
    sim = await startSimulator({ port: 0 });
    const running = sim;
    const learnt = new LearntStudies(join(dir, "pacs-studies.csv"));
    const url = await serve((patientId, uid) => learnt.learn(running, patientId, uid));
    const bad = await post(url, { patientId: "P1", studyInstanceUid: "not a uid" });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code?: string }).code, "SANTE_INVALID_INPUT");
    assert.equal((await post(url, { patientId: "P1" })).status, 400);
    assert.equal((await post(url, { patientId: "P1", studyInstanceUid: UID }, "text/plain")).status, 415);
    assert.equal(learnt.dataFile(), undefined, "nothing written");
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const off = await serve(undefined);
    assert.equal((await post(off, { patientId: "P1", studyInstanceUid: UID })).status, 409);
  });
});

describe("demo: listeners beyond loopback", function () {
  const at = (extra: Partial<FlowNode>): FlowNode => ({ id: "n", type: "x", z: "t", ...extra });

  it("names the listeners of a flows.json that bind every interface, and none of the examples'", function () {
    assert.deepEqual(
      exposedListeners([
        at({ type: "tcp in", server: "server", port: "2576", name: "old orders" }),
        at({ type: "tcp in", server: "client", port: "9" }),
        at({ type: "tcp out", beserver: "server", port: "7000" }),
        at({ type: "udp in", port: "514" }),
        at({ type: "sante-hl7-in", host: "", port: "2600" }),
        at({ type: "sante-hl7-in", host: "0.0.0.0", port: "2601" }),
        at({ type: "sante-hl7-in", host: "127.0.0.1", port: "2576" }),
        at({ type: "sante-hl7-in", host: "::1", port: "2577" }),
        at({ type: "sante-hl7-in", host: "", port: "2602", d: true }),
      ]),
      [
        '"old orders" (tcp in)',
        "port 7000 (tcp out)",
        "port 514 (udp in)",
        "port 2600 (sante-hl7-in)",
        "port 2601 (sante-hl7-in)",
      ],
    );
    const examples = readExamples(join(PROJECT_ROOT, "examples"));
    const ports = { pacsPort: 1, ordersPort: 2, adtPort: 3, hisPort: 4 };
    assert.deepEqual(exposedListeners(mergeExamples(examples, ports)), []);
  });
});
