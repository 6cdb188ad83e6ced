import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";

interface SuiteResult {
  n: number;
  ended: number;
  tally: Record<string, number>;
  problems: string[];
  problemCount: number;
  events: string[];
  heapBeforeMb: number;
  heapAfterMb: number;
  rssPeakMb: number;
  leftovers: string[];
  activeTimers: number;
}

/** Runs test/fault-suite/scenario.ts in its own process (see there why) and reads its summary line. */
function runScenario(n: number): Promise<SuiteResult> {
  const script = path.join(__dirname, "fault-suite", "scenario.js");
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", script],
      { env: { ...process.env, FAULT_N: String(n) }, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("FAULT-SUITE "));
        if (!line) {
          const why = err ? err.message : "no error";
          return reject(new Error(`the scenario printed no summary (${why}): ${stderr.slice(-2000)}`));
        }
        resolve(JSON.parse(line.slice("FAULT-SUITE ".length)) as SuiteResult);
      },
    );
  });
}

describe("fault suite: 20,000 lookups through a flow while the PACS misbehaves", function () {
  this.timeout(300_000);
  let result: SuiteResult;

  before(async () => {
    result = await runScenario(20_000);
    console.log(`      fault suite: ${JSON.stringify({ ...result, problems: undefined })}`);
  });

  it("ends every message exactly once: one output or one error, never both, never neither", () => {
    assert.equal(result.ended, result.n);
    assert.deepEqual(result.problems, [], `${result.problemCount} messages ended wrongly`);
  });

  it("went through every kind of trouble it claims to test", () => {
    for (const outcome of ["token", "SANTE_CONNECTION", "SANTE_TIMEOUT", "SANTE_PROTOCOL", "SANTE_CLOSED"]) {
      assert.ok((result.tally[outcome] ?? 0) > 0, `no message ended with ${outcome}: ${JSON.stringify(result.tally)}`);
    }
    assert.equal(result.events.length, 4, "the refusals, restarts and the redeploy all happened");
  });

  it("returns memory near where it started", () => {
    assert.ok(
      result.heapAfterMb - result.heapBeforeMb < 16,
      `heap grew from ${result.heapBeforeMb} MB to ${result.heapAfterMb} MB`,
    );
  });

  it("leaves no socket, server or timer open once the flow is stopped", () => {
    assert.deepEqual(
      result.leftovers.filter((r) => !["PipeWrap", "TTYWrap"].includes(r)),
      [],
    );
    assert.equal(result.activeTimers, 0);
  });
});
