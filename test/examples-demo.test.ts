/**
 * `npm start` (dist/demo/start.js) as a user runs it, on free ports: what it
 * prints, the send-hl7 script against it, example 02's pages over HTTP, its
 * log, and a clean stop. The browser tests look at the same demo in Chromium.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { connect } from "node:net";
import { freePort, PROJECT_ROOT, spawnDemo, type DemoProcess } from "./helpers/browser-demo";
import { EXAMPLE_PATIENT_ID, EXAMPLE_STUDIES, linkFor } from "./helpers/browser-vendor-data";
import { NODE_RED_VERSION } from "./helpers/nr-runtime";

const SEND_HL7 = join(PROJECT_ROOT, "dist", "demo", "send-hl7.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sendHl7(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SEND_HL7, ...args], { cwd: PROJECT_ROOT, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

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

  it("prints the editor and patient page URLs and the command that sends an order", function () {
    const out = running().output();
    assert.match(out, /Node-RED editor: +http:\/\/127\.0\.0\.1:\d+\/\n/);
    assert.match(out, new RegExp(`Patient page: +http://127\\.0\\.0\\.1:\\d+/sante/patients/${EXAMPLE_PATIENT_ID}\\n`));
    assert.ok(
      out.includes(`npm run send-hl7 -- examples/data/orm-o01.hl7 --port ${running().ordersPort}`),
      "the sample command names the orders port",
    );
  });

  it(`embeds the Node-RED the tests run against (${NODE_RED_VERSION}, SANTE_DEMO_NODE_RED)`, async function () {
    const settings = (await (await fetch(`${running().baseUrl}/settings`)).json()) as { version?: string };
    assert.equal(settings.version?.replace(/-git$/, ""), NODE_RED_VERSION);
  });

  it("deploys the example flows without a warning or error in the runtime log", function () {
    assert.deepEqual(running().warnings(), []);
    assert.match(running().output(), /Started flows/);
  });

  it("send-hl7 delivers an ORM^O01 to example 01 and prints its accepting ACK", async function () {
    const run = await sendHl7("examples/data/orm-o01.hl7", "--port", String(running().ordersPort));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /MSA\|AA\|ORM000001/);
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

  it("logs a warning when an MLLP sender never ends its frame (and so the log check above can fail)", async function () {
    const socket = connect({ host: "127.0.0.1", port: running().ordersPort });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.write(Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(1100 * 1024, "A")]), () => resolve());
    });
    try {
      const warning = await running().waitForWarning(/MLLP frames: more than/);
      assert.match(warning.msg, /without a frame end/);
      assert.equal(warning.level, 30);
      assert.equal(running().warnings().length, 1, JSON.stringify(running().warnings()));
      await running().waitForOutput(/\[warn\].*MLLP frames: more than/, "the warning on the console");
    } finally {
      socket.destroy();
    }
  });

  it("stops on SIGTERM with exit code 0", async function () {
    const stopped = running();
    demo = undefined;
    assert.equal(await stopped.stop(), 0);
    assert.match(stopped.output(), /stopping Node-RED and the simulator/);
  });
});
