import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { SanteClient, SanteError } from "../lib/sante";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { assertNoLeaks, resourceCounts } from "./helpers/handles";

const SEED_UID = "1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642";
const SEED_TOKEN = "JH89ZQBkySrgt9f38OYic5wyC8YVO41pLPNesa5shYnmsl1DOXVF9eNK5SVwlg6";
const PREFIX = "1.2.840.113619.2.55.3.2831173124.78.1375418120.";
const SEED_PATIENT = [
  { studyInstanceUid: `${PREFIX}812`, token: "H4sTZJQ7OqxsxO9M633kSm9ES8wUexIW5auoZqJuuot88Cu1QLklYe38fR4R42IR4" },
  { studyInstanceUid: `${PREFIX}813`, token: "H0QHLkW2RpypVCTSrmP4xni2U0lgcEfogLK5bKaEV6Gg655ru1Kr76X770eIRhhL" },
  { studyInstanceUid: `${PREFIX}814`, token: "HKx1erewwPpyBhAygMTmKHBFlwCuqkT78r3fjiVUcM4gbB9XhsojgOA15Qj9MWM" },
];

describe("SanteClient against the simulator", () => {
  let sim: RunningSimulator;
  let baseline: Map<string, number>;

  before(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    baseline = resourceCounts();
    sim = await startSimulator({ port: 0, synthetic: 200 });
  });

  after(async () => {
    await sim.close();
    await assertNoLeaks(baseline);
  });

  for (const keepAlive of [false, true]) {
    describe(keepAlive ? "keep-alive" : "one connection per lookup", () => {
      let client: SanteClient;
      beforeEach(() => {
        client = new SanteClient({ port: sim.port, keepAlive, connections: 4 });
        sim.resetPeak();
      });
      afterEach(() => client.close());

      it("returns the vendor document's token for its study", async () => {
        assert.equal(await client.studyToken(SEED_UID), SEED_TOKEN);
      });

      it("returns the vendor document's three studies for its patient, in order", async () => {
        assert.deepEqual(await client.patientStudies("ID200631zw609"), SEED_PATIENT);
      });

      it("gives [] for an unknown patient and SANTE_NOT_FOUND for an unknown study", async () => {
        assert.deepEqual(await client.patientStudies("NOBODY-42"), []);
        await assert.rejects(client.studyToken("1.2.3.4.5.6.7"), (err: SanteError) => err.code === "SANTE_NOT_FOUND");
      });

      it("resolves 2,000 lookups started at once, each with its own token, within the connection limit", async () => {
        const patients = await Promise.all(
          Array.from({ length: 200 }, (_, i) => client.patientStudies(`SIM${String(i + 1).padStart(6, "0")}`)),
        );
        const studies = patients.flat();
        assert.ok(studies.length >= 200, `the simulator's synthetic patients have studies (${studies.length})`);
        const asked = Array.from({ length: 2000 }, (_, i) => studies[(i * 7919) % studies.length]);
        // Without a cache every lookup goes to the PACS; identical ones at the same moment share one request.
        // (The first client's kept-alive sockets would count at the PACS too: it goes first.)
        await client.close();
        while (sim.openConnections > 0) await new Promise((resolve) => setTimeout(resolve, 5));
        const uncached = new SanteClient({ port: sim.port, keepAlive, connections: 4, cacheSize: 0 });
        try {
          sim.resetPeak();
          const before = sim.requests;
          const tokens = await Promise.all(asked.map((s) => uncached.studyToken(s.studyInstanceUid)));
          assert.deepEqual(
            tokens,
            asked.map((s) => s.token),
          );
          const distinct = new Set(asked.map((s) => s.studyInstanceUid)).size;
          assert.ok(distinct >= 500, `${distinct} distinct studies`);
          assert.equal(sim.requests - before, distinct, "one request per distinct study");
          assert.ok(sim.peakConnections <= 4, `the PACS saw ${sim.peakConnections} connections at once`);
          assert.ok(sim.peakConnections >= (keepAlive ? 1 : 4), `${sim.peakConnections} connections at once`);
          assert.equal(uncached.pending, 0);
        } finally {
          await uncached.close();
        }
      });
    });
  }

  it("answers a backlog of 3,000 lookups of distinct studies, each with its own token", async () => {
    const studies = Array.from({ length: 3000 }, (_, i) => ({ studyInstanceUid: `1.2.999.${i}`, token: `TOK${i}` }));
    const backlog = await startSimulator({ port: 0, data: [{ patientId: "BACKLOG", studies }] });
    const client = new SanteClient({ port: backlog.port, keepAlive: true, connections: 4, cacheSize: 0 });
    try {
      const tokens = await Promise.all(studies.map((s) => client.studyToken(s.studyInstanceUid)));
      assert.deepEqual(
        tokens,
        studies.map((s) => s.token),
      );
      assert.equal(backlog.requests, 3000);
    } finally {
      await client.close();
      await backlog.close();
    }
  });

  it("with keep-alive, carries on when the PACS closes the connection after each reply", async () => {
    const closing = await startSimulator({ port: 0, keepAlive: false });
    // Without a cache every lookup reaches the PACS, so each one finds the socket the last reply left closed.
    const client = new SanteClient({ port: closing.port, keepAlive: true, connections: 2, cacheSize: 0 });
    try {
      for (let i = 0; i < 20; i++) assert.equal(await client.studyToken(SEED_UID), SEED_TOKEN);
      // Patient lookups are not shared between callers: 50 requests over 2 connections.
      const many = await Promise.all(Array.from({ length: 50 }, () => client.patientStudies("ID200631zw609")));
      assert.ok(many.every((studies) => JSON.stringify(studies) === JSON.stringify(SEED_PATIENT)));
      assert.equal(closing.requests, 70);
    } finally {
      await client.close();
      await closing.close();
    }
  });

  it("with keep-alive, lets a script that never calls close() end once its lookup is done", async () => {
    // The simulator keeps the connection open; the client's idle socket must not hold the script for its 30 s.
    const script = `
      const { SanteClient } = require(${JSON.stringify(join(__dirname, "..", "lib", "sante"))});
      new SanteClient({ port: ${sim.port}, keepAlive: true }).studyToken("${SEED_UID}").then(console.log);`;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { timeout: 10_000 });
    assert.equal(stdout.trim(), SEED_TOKEN);
  });
});
