import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSanteError } from "../lib/errors";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { RawConnection, requestBytes } from "./helpers/sim-tcp";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_PATIENT_ID = "ID200631zw609";
const SEED_PATIENT_FIRST_UID = "1.2.840.113619.2.55.3.2831173124.78.1375418120.812";
const EMPTY_REPLY = Buffer.from([0x10, 0x0d]);
const UID_1 = "1.2.826.0.1.3680043.8.498.501";
const UID_2 = "1.2.826.0.1.3680043.8.498.502";

/** One request on a fresh connection; the reply once it is complete (a study reply, or a patient reply). */
async function ask(port: number, text: string, patient = false): Promise<string> {
  const conn = await RawConnection.open(port);
  try {
    await conn.write(requestBytes(text));
    for (;;) {
      const bytes = conn.bytes.toString("utf8");
      const done = patient ? bytes === "\x10\r" || (bytes.length > 2 && bytes.endsWith("\r\r")) : bytes.endsWith("\r");
      if (done) return bytes;
      await conn.untilLength(conn.bytes.length + 1);
    }
  } finally {
    await conn.end();
  }
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isSanteError(err, "SANTE_INVALID_INPUT"), `${String(err)} is SANTE_INVALID_INPUT`);
    return err.message;
  }
  assert.fail("accepted");
}

describe("simulator: studies learnt while it runs", () => {
  let baseline: Map<string, number>;
  let sim: RunningSimulator;
  const logged: string[] = [];

  before(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
  });

  beforeEach(async () => {
    logged.length = 0;
    sim = await startSimulator({
      port: 0,
      log: (line) => logged.push(line),
      data: [
        { patientId: "P-KNOWN", studies: [] },
        { patientId: "12345", studies: [] },
      ],
    });
  });

  afterEach(() => sim.close());

  after(() => assertNoLeaks(baseline));

  it("answers a study it did not know once addStudy() has taught it, and lists it under its patient", async () => {
    assert.equal(await ask(sim.port, UID_1), EMPTY_REPLY.toString("latin1"));
    assert.equal(await ask(sim.port, "P-KNOWN", true), "\x10\r");
    const learnt = sim.addStudy("P-KNOWN", UID_1);
    assert.equal(learnt.added, true);
    assert.match(learnt.token, /^[A-Za-z0-9]{64}$/);
    assert.equal(await ask(sim.port, UID_1), `\x10${learnt.token}\r`);
    const second = sim.addStudy(" P-KNOWN ", UID_2, "GivenToken42");
    assert.equal(second.token, "GivenToken42");
    assert.equal(
      await ask(sim.port, "P-KNOWN", true),
      `\x10${UID_1}\r${learnt.token}\r${UID_2}\rGivenToken42\r\r`,
      "the patient's list (asked before) now has both, in the order learnt",
    );
    assert.match(
      logged.join("\n"),
      /learnt study 1\.2\.826\.0\.1\.3680043\.8\.498\.501 of patient "P-KNOWN", token \w{4}…/,
    );
    assert.ok(!logged.join("\n").includes(learnt.token), "the whole token is never logged");
  });

  it("derives the same token a data file would give the study", async () => {
    const fromFile = await startSimulator({
      port: 0,
      data: [{ patientId: "P9", studies: [{ studyInstanceUid: UID_1 }] }],
    });
    try {
      assert.equal(sim.addStudy("P9", UID_1).token, (await ask(fromFile.port, UID_1)).slice(1, -1));
    } finally {
      await fromFile.close();
    }
  });

  it("learning a study again changes nothing; a different token or patient is refused", () => {
    const first = sim.addStudy("P1", UID_1);
    assert.deepEqual(sim.addStudy("P1", UID_1), { ...first, added: false });
    assert.deepEqual(sim.addStudy("P1", UID_1, first.token), { ...first, added: false });
    assert.match(
      refusal(() => sim.addStudy("P1", UID_1, "Other")),
      /already has a different token/,
    );
    assert.match(
      refusal(() => sim.addStudy("P2", UID_1)),
      /already belongs to patient "P1"/,
    );
  });

  it("checks values as a data file's, and a refused study changes nothing", async () => {
    assert.match(
      refusal(() => sim.addStudy("P1", "1.2..3")),
      /^addStudy\(\): Study Instance UID "1\.2\.\.3" is not digits/,
    );
    assert.match(
      refusal(() => sim.addStudy("bad\\id", UID_1)),
      /Patient ID "bad\\id" contains a control character/,
    );
    assert.match(
      refusal(() => sim.addStudy("P1", UID_1, "two words")),
      /token contains white space/,
    );
    assert.match(
      refusal(() => sim.addStudy("P1", "")),
      /a Study Instance UID is required/,
    );
    assert.match(
      refusal(() => sim.addStudy(SEED_PATIENT_ID, UID_1)),
      /vendor document's example; it cannot get more studies/,
    );
    assert.match(
      refusal(() => sim.addStudy("P1", SEED_UID)),
      /already belongs to patient/,
    );
    assert.match(
      refusal(() => sim.addStudy("P1", "12345")),
      /Study Instance UID 12345 is a Patient ID here/,
    );
    sim.addStudy("P1", "1.2.3");
    assert.match(
      refusal(() => sim.addStudy("1.2.3", UID_2)),
      /Patient ID "1\.2\.3" is a Study Instance UID here/,
    );
    assert.equal(await ask(sim.port, UID_2), EMPTY_REPLY.toString("latin1"), "nothing learnt from a refusal");
    assert.equal(await ask(sim.port, "1.2.3"), `\x10${sim.addStudy("P1", "1.2.3").token}\r`);
  });

  it("keeps the vendor examples byte for byte", async () => {
    sim.addStudy("P1", UID_1);
    const seedPatient = await ask(sim.port, SEED_PATIENT_ID, true);
    assert.ok(seedPatient.startsWith(`\x10${SEED_PATIENT_FIRST_UID}\r`));
    assert.equal(seedPatient.split("\r").length, 8, "still its three studies");
    assert.equal(
      await ask(sim.port, SEED_UID),
      "\x10JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6\r",
    );
  });

  describe("sante-pacs-sim reads studies on its standard input", () => {
    const cli = join(__dirname, "..", "lib", "simulator", "cli.js");

    it("learns each CSV row typed or piped in, reports a bad line and goes on; SIGTERM still exits 0", async () => {
      const dir = mkdtempSync(join(tmpdir(), "sante-sim-stdin-"));
      const child = spawn(process.execPath, [cli, "--port", "0"], { stdio: ["pipe", "pipe", "pipe"], cwd: dir });
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      const exit = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
      const until = async (check: () => boolean): Promise<void> => {
        for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.ok(check(), `stdout: ${out}\nstderr: ${err}`);
      };
      try {
        await until(() => /and Enter/.test(out));
        const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
        assert.match(out, /Type patientId,studyInstanceUid\[,token\] and Enter/);
        assert.equal(await ask(port, UID_1), EMPTY_REPLY.toString("latin1"));
        child.stdin.write(`patientId,studyInstanceUid,token\nMRN-7,${UID_1}\n\n"MRN 8",${UID_2},Tok8\nP,not-a-uid\n`);
        await until(() => /learnt study .*502/.test(out) && /line 5/.test(err));
        assert.match(out, /learnt study 1\.2\.826\.0\.1\.3680043\.8\.498\.501 of patient "MRN-7"/);
        assert.match(err, /sante-pacs-sim: standard input line 5: Study Instance UID "not-a-uid" is not digits/);
        assert.equal(await ask(port, UID_2), "\x10Tok8\r");
        assert.equal(await ask(port, "MRN 8", true), `\x10${UID_2}\rTok8\r\r`);
        child.kill("SIGTERM"); // stdin still open: it must not keep the process alive
        assert.equal(await exit, 0);
      } finally {
        child.kill("SIGKILL");
        await exit;
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("keeps serving when its standard input ends", async function () {
      if (process.platform === "win32") this.skip(); // uses sh for the redirection
      const dir = mkdtempSync(join(tmpdir(), "sante-sim-stdin-"));
      const file = join(dir, "more.csv");
      writeFileSync(file, `patientId,studyInstanceUid\nMRN-9,${UID_1}\n`);
      const child = spawn("sh", ["-c", `exec "$0" "$@" < "${file}"`, process.execPath, cli, "--port", "0"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const exit = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
      try {
        for (let i = 0; i < 500 && !/learnt study/.test(out); i++) await new Promise((r) => setTimeout(r, 10));
        const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(child.exitCode, null, "still running after end of input");
        assert.match(await ask(port, UID_1), /^\x10\w{64}\r$/);
        child.kill("SIGINT");
        assert.equal(await exit, 0);
      } finally {
        child.kill("SIGKILL");
        await exit;
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
