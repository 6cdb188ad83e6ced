/**
 * `npm start` (dist/demo/start.js) as a user runs it, on free ports: what it
 * prints, the send-hl7 and images-arrive commands against it, the HIS page and
 * example 02's pages over HTTP, its log, and a clean stop. The browser tests
 * look at the same demo in Chromium; demo-restart.test.ts kills it.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { sendMllp } from "../demo/mllp-client";
import { PROJECT_ROOT, spawnDemo, type DemoProcess } from "./helpers/browser-demo";
import { freePort } from "./helpers/fault-server";
import { EXAMPLE_PATIENT_ID, EXAMPLE_STUDIES, linkFor, SEED_STUDY } from "./helpers/browser-vendor-data";
import { NODE_RED_VERSION } from "./helpers/nr-runtime";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One of the demo's commands (npm run send-hl7 / images-arrive), run as npm runs it. */
function command(name: "send-hl7" | "images-arrive", ...args: string[]): Promise<Run> {
  const script = join(PROJECT_ROOT, "dist", "demo", `${name}.js`);
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { cwd: PROJECT_ROOT, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
const sendHl7 = (...args: string[]) => command("send-hl7", ...args);

/** Undoes the HTML escaping of the Mustache template ({{url}}), as a browser does for an attribute. */
function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#([0-9]+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function studyLinks(html: string): string[] {
  return [...html.matchAll(/<a class="study-link" href="([^"]*)"/g)].map((m) => decodeEntities(m[1]));
}

describe("the demo (npm start)", function () {
  // Starting Node-RED takes a few seconds on a small machine; these limits only stop a hang.
  this.timeout(90_000);
  let demo: DemoProcess | undefined;

  before(async function () {
    demo = await spawnDemo({ simulator: true });
  });
  after(async function () {
    await demo?.stop();
  });

  const running = (): DemoProcess => {
    if (!demo) throw new Error("the demo did not start");
    return demo;
  };

  it("prints the editor, HIS and patient page URLs, every port, and the commands of the walkthrough", function () {
    const out = running().output();
    const { ordersPort, adtPort, hisPort, pacsPort, webPort } = running();
    assert.match(out, /Node-RED editor: +http:\/\/127\.0\.0\.1:\d+\/\n/);
    assert.match(out, /HIS page: +http:\/\/127\.0\.0\.1:\d+\/sante\/his\n/);
    assert.match(out, new RegExp(`Patient page: +http://127\\.0\\.0\\.1:\\d+/sante/patients/${EXAMPLE_PATIENT_ID}\\n`));
    assert.match(out, new RegExp(`simulated PACS on 127\\.0\\.0\\.1:${pacsPort} `));
    assert.match(
      out,
      new RegExp(`orders 127\\.0\\.0\\.1:${ordersPort} \\(example 01\\), ADT 127\\.0\\.0\\.1:${adtPort} `),
    );
    assert.match(out, new RegExp(`simulated HIS on 127\\.0\\.0\\.1:${hisPort} `));
    for (const line of [
      `npm run send-hl7 -- examples/data/oru-r01.hl7 --port ${ordersPort}`,
      `npm run send-hl7 -- examples/data/orm-o01-images-later.hl7 --port ${ordersPort}`,
      `npm run images-arrive -- examples/data/orm-o01-images-later.hl7 --port ${webPort}`,
    ]) {
      assert.ok(out.includes(`\n  ${line}\n`), line);
    }
    // Every listener binds 127.0.0.1 by its own setting: nothing to warn about.
    assert.doesNotMatch(out, /listen on every network interface/);
  });

  it(`embeds the Node-RED the tests run against (${NODE_RED_VERSION}, SANTE_DEMO_NODE_RED)`, async function () {
    const settings = (await (await fetch(`${running().baseUrl}/settings`)).json()) as { version?: string };
    assert.equal(settings.version?.replace(/-git$/, ""), NODE_RED_VERSION);
  });

  it("deploys the example flows without a warning or error in the runtime log", function () {
    assert.deepEqual(running().warnings(), []);
    assert.match(running().output(), /Started flows/);
  });

  it("the HIS page says it has no results yet, with the command that sends one", async function () {
    const res = await fetch(`${running().baseUrl}/sante/his`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const html = await res.text();
    assert.match(html, /id="no-results"/);
    assert.ok(html.includes(`npm run send-hl7 -- examples/data/oru-r01.hl7 --port ${running().ordersPort}`));
  });

  it("send-hl7 delivers an ORU^R01 to example 01 and prints its ACK; the link then shows on the HIS page", async function () {
    const run = await sendHl7("examples/data/oru-r01.hl7", "--port", String(running().ordersPort));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /MSA\|AA\|ORU000001/);
    const html = await (await fetch(`${running().baseUrl}/sante/his`)).text();
    assert.deepEqual(studyLinks(html), [linkFor(SEED_STUDY.token)]);
    assert.match(html, /data-study="1\.2\.826\.0\.1\.3748527\.1\.4\.2\.0\.20181120\.185921\.384642"/);
    assert.match(running().output(), /HIS: ORU\^R01\^ORU_R01 \S+ for patient SANTE-DOC-STUDY, link to study/);
  });

  it("send-hl7 delivers the ORM^O01 and OMI^O23 samples too, each link to the HIS", async function () {
    for (const [file, id] of [
      ["orm-o01.hl7", "ORM000001"],
      ["omi-o23.hl7", "OMI000001"],
    ]) {
      const run = await sendHl7(`examples/data/${file}`, "--port", String(running().ordersPort));
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`MSA\\|AA\\|${id}`));
    }
    const { count, results } = (await (await fetch(`${running().baseUrl}/sante/his/results.json`)).json()) as {
      count: number;
      results: Array<{ link: string }>;
    };
    assert.equal(count, 3);
    // Newest first.
    assert.deepEqual(
      results.map((r) => r.link),
      [linkFor(EXAMPLE_STUDIES[0].token), linkFor(SEED_STUDY.token), linkFor(SEED_STUDY.token)],
    );
  });

  it("images-arrive says what it did, and refuses what it cannot do", async function () {
    const web = String(running().webPort);
    const ok = await command("images-arrive", "--patient", "PAT-CMD-1", "--study", "1.2.3.4.5.6.7", "--port", web);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /The images of study 1\.2\.3\.4\.5\.6\.7 \(patient PAT-CMD-1\) have arrived/);
    const again = await command("images-arrive", "--patient", "PAT-CMD-1", "--study", "1.2.3.4.5.6.7", "--port", web);
    assert.match(again.stdout, /had the images of study 1\.2\.3\.4\.5\.6\.7/);
    // A vendor example's study belongs to its patient.
    const taken = await command(
      "images-arrive",
      "--patient",
      "X1",
      "--study",
      SEED_STUDY.studyInstanceUid,
      "--port",
      web,
    );
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /refused it \(HTTP 400\)/);
    const noUid = await command("images-arrive", "examples/data/adt-a08.hl7", "--port", web);
    assert.equal(noUid.code, 1);
    assert.match(noUid.stderr, /No value at IPC-3\.1, ZDS-1\.1 or OBX\[3\.1=113014\]-5/);
    const nobody = await command(
      "images-arrive",
      "examples/data/orm-o01-images-later.hl7",
      "--port",
      String(await freePort()),
    );
    assert.equal(nobody.code, 1);
    assert.match(nobody.stderr, /no demo answers at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it("takes a study only as JSON: a form posted by some other web page is refused", async function () {
    const form = await fetch(`${running().baseUrl}/sante/pacs/studies`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "patientId=P&studyInstanceUid=1.2.3",
    });
    assert.equal(form.status, 415);
  });

  it("send-hl7 delivers an ADT^A08 to example 03", async function () {
    const run = await sendHl7("examples/data/adt-a08.hl7", "--port", String(running().adtPort));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /MSA\|AA\|ADT000001/);
  });

  it("send-hl7 says so and exits 1 when nothing listens", async function () {
    const run = await sendHl7("examples/data/orm-o01.hl7", "--port", String(await freePort()), "--timeout", "3000");
    assert.equal(run.code, 1);
    assert.match(run.stderr, /send-hl7: .*ECONNREFUSED/);
  });

  it("serves the patient page: the three studies of the vendor's patient, each with its viewer link", async function () {
    const res = await fetch(`${running().baseUrl}/sante/patients/${EXAMPLE_PATIENT_ID}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    // The page holds tokens: no cache may keep it.
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(
      studyLinks(await res.text()),
      EXAMPLE_STUDIES.map((s) => linkFor(s.token)),
    );
  });

  it("shows the empty state for a patient without studies", async function () {
    const res = await fetch(`${running().baseUrl}/sante/patients/NOBODY-0001`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /id="no-studies"/);
    assert.deepEqual(studyLinks(html), []);
  });

  it("answers 404 with an error page for an ID that cannot be a Patient ID", async function () {
    const res = await fetch(`${running().baseUrl}/sante/patients/a%5Cb`);
    assert.equal(res.status, 404);
    const html = await res.text();
    assert.match(html, /data-code="SANTE_INVALID_INPUT"/);
    assert.match(html, /backslash/);
    assert.doesNotMatch(html, /SanteError:/);
  });

  it("logs a warning when an MLLP sender sends something that is not HL7 (and so the log check above can fail)", async function () {
    const reply = await sendMllp("hello, not HL7", {
      host: "127.0.0.1",
      port: running().ordersPort,
      timeoutMs: 10_000,
    });
    assert.match(reply, /\rMSA\|AR\|/);
    const warning = await running().waitForWarning(/Answered AR to a message from 127\.0\.0\.1/);
    assert.equal(warning.level, 30);
    assert.equal(warning.type, "sante-hl7-in");
    assert.equal(running().warnings().length, 1, JSON.stringify(running().warnings()));
    await running().waitForOutput(/\[warn\].*Answered AR/, "the warning on the console");
  });

  it("stops on SIGTERM with exit code 0", async function () {
    const stopped = running();
    demo = undefined;
    assert.equal(await stopped.stop(), 0);
    assert.match(stopped.output(), /stopping Node-RED and the simulators/);
  });
});
