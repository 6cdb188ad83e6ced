import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSanteError } from "../lib/errors";
import { validatePatientId, validateStudyInstanceUid } from "../lib/sante/validate";
import { startSimulator, type RunningSimulator, type SimPatient } from "../lib/simulator";
import { syntheticPatients } from "../lib/simulator/synthetic";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";
import { loadSimulatorData } from "./helpers/sim-data";
import { askAndWaitForClose, RawConnection, requestBytes } from "./helpers/sim-tcp";

// The vendor document's examples, written out by hand so the test does not lean on the encoder under test.
const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const SEED_PATIENT_ID = "ID200631zw609";
const SEED_PATIENT_STUDIES: Array<[string, string]> = [
  [
    "1.2.840.113619.2.55.3.2831173124.78.1375418120.812",
    "H4sTZJQ7OqxsxO9M633kSm9ES8wUexIW5auoZqJuuot88Cu1QLklYe38fR4R42IR4",
  ],
  [
    "1.2.840.113619.2.55.3.2831173124.78.1375418120.813",
    "H0QHLkW2RpypVCTSrmP4xni2U0lgcEfogLK5bKaEV6Gg655ru1Kr76X770eIRhhL",
  ],
  [
    "1.2.840.113619.2.55.3.2831173124.78.1375418120.814",
    "HKx1erewwPpyBhAygMTmKHBFlwCuqkT78r3fjiVUcM4gbB9XhsojgOA15Qj9MWM",
  ],
];
const SEED_STUDY_REPLY = Buffer.from(`\x10${SEED_TOKEN}\x0d`, "latin1");
const SEED_PATIENT_REPLY = Buffer.from(
  `\x10${SEED_PATIENT_STUDIES.map(([uid, token]) => `${uid}\x0d${token}\x0d`).join("")}\x0d`,
  "latin1",
);
const EMPTY_REPLY = Buffer.from([0x10, 0x0d]);
const DERIVED = /^[A-Za-z0-9]{64}$/;

/** Splits a patient reply into [uid, token] pairs (the test's own parser, for readable assertions). */
function pairs(reply: Buffer): Array<[string, string]> {
  const text = reply.toString("utf8");
  if (text === "\x10\r") return [];
  assert.ok(text.startsWith("\x10") && text.endsWith("\r\r"), `a patient reply: ${JSON.stringify(text)}`);
  const lines = text.slice(1, -2).split("\r");
  const out: Array<[string, string]> = [];
  for (let i = 0; i < lines.length; i += 2) out.push([lines[i], lines[i + 1]]);
  return out;
}

const patientReplyDone = (bytes: Buffer): boolean =>
  bytes.equals(EMPTY_REPLY) || (bytes.length > 2 && bytes.subarray(-2).equals(Buffer.from("\r\r")));

describe("Sante PACS simulator", () => {
  let baseline: Map<string, number>;
  let sim: RunningSimulator;
  let oneShot: RunningSimulator;
  const logged: string[] = [];

  before(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
    sim = await startSimulator({ port: 0, log: (line) => logged.push(line), maxRequestBytes: 200 });
    oneShot = await startSimulator({ port: 0, keepAlive: false });
  });

  after(async () => {
    await Promise.all([sim.close(), oneShot.close()]);
    await assertNoLeaks(baseline);
  });

  describe("the vendor document's exchanges, byte for byte", () => {
    it("answers the example study with the example token", async () => {
      assert.deepEqual(await askAndWaitForClose(oneShot.port, SEED_UID), SEED_STUDY_REPLY);
    });

    it("answers the example patient with its three studies in order, ending in two 0x0D", async () => {
      assert.deepEqual(await askAndWaitForClose(oneShot.port, SEED_PATIENT_ID), SEED_PATIENT_REPLY);
    });

    it("answers an unknown study and an unknown patient with exactly 0x10 0x0D", async () => {
      assert.deepEqual(await askAndWaitForClose(oneShot.port, "1.2.3.4.5.6.7.8.9"), EMPTY_REPLY);
      assert.deepEqual(await askAndWaitForClose(oneShot.port, "NOBODY-42"), EMPTY_REPLY);
    });

    it("matches requests exactly: a padded UID is not the example study", async () => {
      assert.deepEqual(await askAndWaitForClose(oneShot.port, ` ${SEED_UID}`), EMPTY_REPLY);
    });
  });

  describe("connections", () => {
    it("answers two requests sent in one write, in order, and keeps the connection for a third", async () => {
      const conn = await RawConnection.open(sim.port);
      await conn.write(Buffer.concat([requestBytes(SEED_PATIENT_ID), requestBytes(SEED_UID)]));
      const both = await conn.untilLength(SEED_PATIENT_REPLY.length + SEED_STUDY_REPLY.length);
      assert.deepEqual(both, Buffer.concat([SEED_PATIENT_REPLY, SEED_STUDY_REPLY]));
      await conn.write(requestBytes("unknown"));
      const all = await conn.untilLength(both.length + EMPTY_REPLY.length);
      assert.deepEqual(all.subarray(both.length), EMPTY_REPLY);
      assert.equal(conn.serverHungUp, false);
      await conn.end();
    });

    it("decodes a request that arrives one byte per write", async () => {
      const conn = await RawConnection.open(sim.port);
      for (const byte of requestBytes(SEED_UID)) await conn.write(Buffer.from([byte]));
      assert.deepEqual(await conn.untilLength(SEED_STUDY_REPLY.length), SEED_STUDY_REPLY);
      await conn.end();
    });

    it("with keepAlive false, hangs up after one reply and leaves a second request unanswered", async () => {
      const conn = await RawConnection.open(oneShot.port);
      await conn.write(Buffer.concat([requestBytes(SEED_UID), requestBytes(SEED_PATIENT_ID)]));
      assert.deepEqual(await conn.untilClosed(), SEED_STUDY_REPLY);
    });

    it("drops a connection that sends something other than a 0x10 frame, and logs it", async () => {
      logged.length = 0;
      const conn = await RawConnection.open(sim.port);
      await conn.write(Buffer.from("\x0bMSH|^~\\&|\x1c\x0d", "latin1")); // an MLLP message sent to the wrong port
      assert.deepEqual(await conn.untilClosed(), Buffer.alloc(0));
      assert.equal(logged.length, 1);
      assert.match(logged[0], /malformed request, connection closed: .*0x0b/);
    });

    it("drops a connection whose request is larger than maxRequestBytes", async () => {
      const conn = await RawConnection.open(sim.port);
      await conn.write(requestBytes("9".repeat(300)));
      assert.deepEqual(await conn.untilClosed(), Buffer.alloc(0));
    });

    it("logs one line per request with peer, request and outcome, never a whole token", async () => {
      logged.length = 0;
      const conn = await RawConnection.open(sim.port);
      await conn.write(Buffer.concat([requestBytes(SEED_UID), requestBytes(SEED_PATIENT_ID), requestBytes("NOPE")]));
      await conn.untilLength(SEED_STUDY_REPLY.length + SEED_PATIENT_REPLY.length + EMPTY_REPLY.length);
      const peer = `127.0.0.1:${conn.socket.localPort}`;
      await conn.end();
      assert.equal(logged.length, 3);
      assert.match(
        logged[0],
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z ${peer} "${SEED_UID}" -> study found, token JH89…$`),
      );
      assert.match(logged[1], new RegExp(`${peer} "${SEED_PATIENT_ID}" -> patient, 3 studies$`));
      assert.match(logged[2], new RegExp(`${peer} "NOPE" -> unknown \\(empty reply\\)$`));
      const allTokens = [SEED_TOKEN, ...SEED_PATIENT_STUDIES.map(([, token]) => token)];
      for (const line of logged) for (const token of allTokens) assert.ok(!line.includes(token), line);
    });

    it("counts requests, open connections and the peak number open at once", async () => {
      const before = sim.requests;
      sim.resetPeak();
      assert.equal(sim.peakConnections, 0);
      const conns = await Promise.all([1, 2, 3].map(() => RawConnection.open(sim.port)));
      // A reply on each proves the server has accepted all three.
      await Promise.all(
        conns.map(async (c) => {
          await c.write(requestBytes(SEED_UID));
          await c.untilLength(SEED_STUDY_REPLY.length);
        }),
      );
      assert.equal(sim.openConnections, 3);
      assert.equal(sim.peakConnections, 3);
      assert.equal(sim.requests, before + 3);
      await Promise.all(conns.map((c) => c.end()));
      while (sim.openConnections > 0) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(sim.peakConnections, 3, "the peak outlives the connections");
      sim.resetPeak();
      assert.equal(sim.peakConnections, 0);
    });

    it("close() destroys open connections and leaves no server, socket or timer behind", async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const before = resourceCounts();
      const own = await startSimulator({ port: 0 });
      const conns = await Promise.all([1, 2].map(() => RawConnection.open(own.port)));
      await conns[0].write(requestBytes(SEED_UID));
      await conns[0].untilLength(SEED_STUDY_REPLY.length);
      await conns[1].write(Buffer.from([0x10, 0x31])); // half a request: the server is mid-frame
      while (own.openConnections < 2) await new Promise((resolve) => setImmediate(resolve));
      await own.close();
      assert.equal(own.openConnections, 0);
      await Promise.all(conns.map((c) => c.untilClosed()));
      await own.close(); // a second close is harmless
      await assertNoLeaks(before);
      await assert.rejects(RawConnection.open(own.port), /ECONNREFUSED/);
    });

    it("rejects with SANTE_CONNECTION when the port is taken, SANTE_INVALID_INPUT when it cannot exist", async () => {
      await assert.rejects(startSimulator({ port: sim.port }), (err: unknown) => isSanteError(err, "SANTE_CONNECTION"));
      await assert.rejects(startSimulator({ port: 70000 }), (err: unknown) => isSanteError(err, "SANTE_INVALID_INPUT"));
    });
  });

  describe("data files and data arrays", () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), "sante-sim-test-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    const file = (name: string, text: string): string => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };

    async function patientReply(s: RunningSimulator, patientId: string): Promise<Array<[string, string]>> {
      const conn = await RawConnection.open(s.port);
      await conn.write(requestBytes(patientId));
      const reply = await conn.until(patientReplyDone);
      await conn.end();
      return pairs(reply);
    }

    it("serves a JSON file beside the vendor examples, with given and derived tokens", async () => {
      const path = file(
        "site.json",
        JSON.stringify({
          patients: [
            {
              patientId: "P-100",
              studies: [{ studyInstanceUid: "1.2.3.100.1", token: "MyOwnToken1" }, { studyInstanceUid: "1.2.3.100.2" }],
            },
            { patientId: "P-200", studies: [] },
          ],
        }),
      );
      const s = await startSimulator({ port: 0, data: path });
      try {
        const studies = await patientReply(s, "P-100");
        assert.deepEqual(
          studies.map(([uid]) => uid),
          ["1.2.3.100.1", "1.2.3.100.2"],
        );
        assert.equal(studies[0][1], "MyOwnToken1");
        assert.match(studies[1][1], DERIVED);
        assert.deepEqual(await patientReply(s, "P-200"), []);
        assert.deepEqual(await patientReply(s, SEED_PATIENT_ID), SEED_PATIENT_STUDIES);
        const conn = await RawConnection.open(s.port);
        await conn.write(requestBytes("1.2.3.100.2"));
        assert.equal((await conn.untilLength(66)).toString(), `\x10${studies[1][1]}\r`);
        await conn.end();
      } finally {
        await s.close();
      }
    });

    it("serves a CSV file: token column optional, a patient's rows in file order even when interleaved", async () => {
      const path = file(
        "site.csv",
        "patientId,studyInstanceUid,token\n" +
          "P-1,1.2.3.1.1,TokA\n" +
          "P-2,1.2.3.2.1,\n" +
          "P-1,1.2.3.1.2\n" +
          "\n" +
          '"P-3, quoted",1.2.3.3.1,TokC\n',
      );
      assert.deepEqual(loadSimulatorData(path), [
        {
          patientId: "P-1",
          studies: [{ studyInstanceUid: "1.2.3.1.1", token: "TokA" }, { studyInstanceUid: "1.2.3.1.2" }],
        },
        { patientId: "P-2", studies: [{ studyInstanceUid: "1.2.3.2.1" }] },
        { patientId: "P-3, quoted", studies: [{ studyInstanceUid: "1.2.3.3.1", token: "TokC" }] },
      ]);
      const s = await startSimulator({ port: 0, data: path });
      try {
        const p1 = await patientReply(s, "P-1");
        assert.deepEqual(
          p1.map(([uid]) => uid),
          ["1.2.3.1.1", "1.2.3.1.2"],
        );
        assert.equal(p1[0][1], "TokA");
        assert.match(p1[1][1], DERIVED);
        assert.deepEqual(await patientReply(s, "P-3, quoted"), [["1.2.3.3.1", "TokC"]]);
      } finally {
        await s.close();
      }
    });

    it("derives the same token for a UID in every run and from every source", async () => {
      const csv = file("one.csv", "patientId,studyInstanceUid\nX,1.2.3.4.5\n");
      const json = file("one.json", JSON.stringify([{ patientId: "Y", studies: [{ studyInstanceUid: "1.2.3.4.5" }] }]));
      const tokens: string[] = [];
      for (const data of [csv, json, [{ patientId: "Z", studies: [{ studyInstanceUid: "1.2.3.4.5" }] }]]) {
        const s = await startSimulator({ port: 0, data });
        try {
          const conn = await RawConnection.open(s.port);
          await conn.write(requestBytes("1.2.3.4.5"));
          tokens.push((await conn.untilLength(66)).toString().slice(1, -1));
          await conn.end();
        } finally {
          await s.close();
        }
      }
      // Pinned: integrators store tokens, so a change of derivation would break their saved links.
      assert.deepEqual(tokens, Array(3).fill("4OqOEvX7N322r2aTn856BgVV3T28PKePl1ZOWVObEQe66MZzieRza0h3IoIRGsUo"));
    });

    it("names the file and line of a bad CSV row", async () => {
      const path = file("bad.csv", "patientId,studyInstanceUid,token\nP-1,1.2.3,\nP-2,1.2..3,\n");
      const check = (err: unknown): boolean => {
        assert.ok(isSanteError(err, "SANTE_INVALID_INPUT"));
        assert.match((err as Error).message, /bad\.csv line 3: .*1\.2\.\.3/);
        return true;
      };
      assert.throws(() => loadSimulatorData(path), check);
      await assert.rejects(startSimulator({ port: 0, data: path }), check);
    });

    it("names the line of a CSV with a wrong header, a stray field or an open quote", () => {
      const cases: Array<[string, RegExp]> = [
        ["patientId,studyUID\nP,1.2\n", /line 1: unknown column "studyUID"/],
        ["patientId,token\nP,T\n", /line 1: the header has no studyInstanceUid column/],
        ["patientId,studyInstanceUid,token\nP,1.2,T,extra\n", /line 2: .*Invalid Record Length/],
        ['patientId,studyInstanceUid\nP,"1.2\n', /line 2: .*Quote Not Closed/],
        ["patientId,studyInstanceUid,token\n,1.2,\n", /line 2: Patient ID is empty/],
      ];
      for (const [text, message] of cases) {
        assert.throws(() => loadSimulatorData(file("case.csv", text)), message);
      }
    });

    it("names the line in a bad JSON file", () => {
      const text =
        '{\n  "patients": [\n    { "patientId": "P",\n      "studies": [ { "studyInstanceUid": "1.2.x" } ] }\n  ]\n}\n';
      assert.throws(
        () => loadSimulatorData(file("bad.json", text)),
        /bad\.json line 4 \(patients\[0\]\.studies\[0\]\): .*1\.2\.x/,
      );
      assert.throws(
        () => loadSimulatorData(file("broken.json", '{\n  "patients": [\n    { ]\n}')),
        /broken\.json line 3: not valid JSON/,
      );
      assert.throws(
        () =>
          loadSimulatorData(
            file("typo.json", JSON.stringify([{ patientId: "P", studies: [{ studyInstanceUid: "1.2", tokn: "T" }] }])),
          ),
        /unknown field "tokn"/,
      );
    });

    it("refuses data that would change a vendor example or give a study two patients or tokens", async () => {
      const cases: Array<[SimPatient[], RegExp]> = [
        [[{ patientId: "X", studies: [{ studyInstanceUid: SEED_UID, token: "Other" }] }], /already belongs to patient/],
        [
          [{ patientId: "SANTE-DOC-STUDY", studies: [{ studyInstanceUid: SEED_UID, token: "Other" }] }],
          /token cannot be redefined/,
        ],
        [[{ patientId: SEED_PATIENT_ID, studies: [{ studyInstanceUid: "1.2.3.9" }] }], /cannot get more studies/],
        [
          [
            {
              patientId: "A",
              studies: [
                { studyInstanceUid: "1.2.3.9", token: "T1" },
                { studyInstanceUid: "1.2.3.9", token: "T2" },
              ],
            },
          ],
          /data\[0\]\.studies\[1\]: .*different token/,
        ],
        [
          [
            { patientId: "1.2.3.9", studies: [] },
            { patientId: "B", studies: [{ studyInstanceUid: "1.2.3.9" }] },
          ],
          /is also a Study Instance UID/,
        ],
        [[{ patientId: "A\\B", studies: [] }], /data\[0\]: .*backslash/],
      ];
      for (const [data, message] of cases) {
        await assert.rejects(startSimulator({ port: 0, data }), message);
      }
      const csv = file("seed.csv", `patientId,studyInstanceUid,token\nSANTE-DOC-STUDY,${SEED_UID},Changed\n`);
      assert.throws(
        () => loadSimulatorData(csv),
        /seed\.csv line 2: .*vendor document's example; its token cannot be redefined/,
      );
    });

    it("accepts the vendor examples repeated with their own tokens or none", async () => {
      const path = file(
        "repeat.csv",
        `patientId,studyInstanceUid,token\n${SEED_PATIENT_ID},${SEED_PATIENT_STUDIES[1][0]},\nSANTE-DOC-STUDY,${SEED_UID},${SEED_TOKEN}\n`,
      );
      const s = await startSimulator({ port: 0, data: path });
      try {
        assert.deepEqual(await patientReply(s, SEED_PATIENT_ID), SEED_PATIENT_STUDIES);
      } finally {
        await s.close();
      }
    });

    it("refuses a file that is neither .json nor .csv, or missing", () => {
      assert.throws(() => loadSimulatorData(file("data.txt", "")), /must end in \.json or \.csv/);
      assert.throws(() => loadSimulatorData(join(dir, "absent.json")), /cannot read simulator data file .*ENOENT/);
    });
  });

  describe("synthetic patients", () => {
    it("are the same in every call, with valid IDs and 1–5 valid, distinct study UIDs", () => {
      const a = syntheticPatients(300);
      assert.deepEqual(syntheticPatients(300), a);
      assert.deepEqual(syntheticPatients(3), a.slice(0, 3));
      assert.equal(a[0].patientId, "SIM000001");
      assert.equal(a[299].patientId, "SIM000300");
      const uids = new Set<string>();
      const sizes = new Set<number>();
      for (const p of a) {
        assert.equal(validatePatientId(p.patientId), p.patientId);
        assert.ok(p.studies.length >= 1 && p.studies.length <= 5);
        sizes.add(p.studies.length);
        for (const s of p.studies) {
          assert.equal(validateStudyInstanceUid(s.studyInstanceUid), s.studyInstanceUid);
          assert.match(s.studyInstanceUid, /^2\.25\.[1-9]\d*$/);
          uids.add(s.studyInstanceUid);
        }
      }
      assert.equal(sizes.size, 5, "every study count from 1 to 5 occurs");
      assert.equal(
        uids.size,
        a.reduce((n, p) => n + p.studies.length, 0),
      );
    });

    it("are served, next to the vendor examples", async () => {
      const s = await startSimulator({ port: 0, synthetic: 5 });
      try {
        const expected = syntheticPatients(5)[4];
        const conn = await RawConnection.open(s.port);
        await conn.write(requestBytes("SIM000005"));
        const studies = pairs(await conn.until(patientReplyDone));
        assert.deepEqual(
          studies.map(([uid]) => uid),
          expected.studies.map((st) => st.studyInstanceUid),
        );
        for (const [, token] of studies) assert.match(token, DERIVED);
        await conn.write(requestBytes("SIM000006"));
        const all = await conn.untilLength(conn.bytes.length + 2);
        assert.deepEqual(all.subarray(-2), EMPTY_REPLY);
        await conn.end();
      } finally {
        await s.close();
      }
    });

    it("refuses a negative or fractional count", async () => {
      await assert.rejects(startSimulator({ port: 0, synthetic: -1 }), /synthetic patient count/);
      assert.throws(() => syntheticPatients(1.5), /synthetic patient count/);
    });
  });

  describe("the sante-pacs-sim command", () => {
    const cli = join(__dirname, "..", "lib", "simulator", "cli.js");

    interface Run {
      child: ChildProcess;
      stdout: () => string;
      stderr: () => string;
      exit: Promise<number | null>;
    }

    function run(args: string[]): Run {
      const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
      const exit = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
      return { child, stdout: () => out, stderr: () => err, exit };
    }

    async function waitForOutput(r: Run, pattern: RegExp): Promise<RegExpMatchArray> {
      for (;;) {
        const match = pattern.exec(r.stdout());
        if (match) return match;
        if (r.child.exitCode !== null) assert.fail(`the CLI exited: ${r.stdout()} ${r.stderr()}`);
        await new Promise((resolve) => r.child.stdout?.once("data", resolve));
      }
    }

    it("prints its address, answers, logs masked, and exits 0 on SIGTERM", async () => {
      const r = run(["--port", "0", "--synthetic", "10"]);
      try {
        const [, host, port] = await waitForOutput(r, /listening on (127\.0\.0\.1):(\d+)/);
        assert.equal(host, "127.0.0.1");
        await waitForOutput(r, /Serving 12 patients, \d+ studies/);
        const conn = await RawConnection.open(Number(port));
        await conn.write(requestBytes(SEED_UID));
        assert.deepEqual(await conn.untilLength(SEED_STUDY_REPLY.length), SEED_STUDY_REPLY);
        await waitForOutput(
          r,
          /"1\.2\.826\.0\.1\.3748527\.1\.4\.2\.0\.20181120\.185921\.384642" -> study found, token JH89…/,
        );
        assert.ok(!r.stdout().includes(SEED_TOKEN), "the whole token is never logged");
        r.child.kill("SIGTERM");
        assert.equal(await r.exit, 0);
        await conn.untilClosed();
      } finally {
        r.child.kill("SIGKILL");
        await r.exit;
      }
    });

    it("with --quiet --close-after-reply, logs no requests and hangs up after a reply; SIGINT exits 0", async () => {
      const r = run(["--port", "0", "--quiet", "--close-after-reply"]);
      try {
        const [, , port] = await waitForOutput(r, /listening on (127\.0\.0\.1):(\d+)/);
        assert.deepEqual(await askAndWaitForClose(Number(port), SEED_PATIENT_ID), SEED_PATIENT_REPLY);
        r.child.kill("SIGINT");
        assert.equal(await r.exit, 0);
        assert.doesNotMatch(r.stdout(), /ID200631zw609/);
      } finally {
        r.child.kill("SIGKILL");
        await r.exit;
      }
    });

    it("exits 1 naming the line of a bad data file, and 2 on a bad option", async () => {
      const dir = mkdtempSync(join(tmpdir(), "sante-sim-cli-"));
      try {
        const path = join(dir, "bad.csv");
        writeFileSync(path, "patientId,studyInstanceUid\nP,1.2.3\nP,not-a-uid\n");
        const bad = run(["--port", "0", "--data", path]);
        assert.equal(await bad.exit, 1);
        assert.match(bad.stderr(), /bad\.csv line 3: .*not-a-uid/);
        const usage = run(["--port", "70000"]);
        assert.equal(await usage.exit, 2);
        assert.match(usage.stderr(), /--port must be a whole number/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
