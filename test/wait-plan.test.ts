import { strict as assert } from "node:assert";
import fc from "fast-check";
import { isSanteError } from "../lib/errors";
import {
  DEFAULT_WAIT_DEADLINE,
  DEFAULT_WAIT_PLAN,
  describePlan,
  formatDuration,
  formatPlan,
  intervalAfter,
  makePlan,
  nextAttemptAt,
  parseDeadline,
  parseDuration,
  parsePlan,
  PLAN_LIMITS,
} from "../lib/wait/plan";

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function refusal(text: unknown, parse: (t: unknown) => unknown = parsePlan): string {
  try {
    parse(text);
  } catch (err) {
    assert.ok(isSanteError(err, "SANTE_INVALID_INPUT"), `${String(err)} is SANTE_INVALID_INPUT`);
    return err.message;
  }
  assert.fail(`${JSON.stringify(text)} was accepted`);
}

/** Durations the notation can write: whole seconds within an interval's limits. */
const interval = fc.integer({ min: 1, max: PLAN_LIMITS.maxIntervalMs / S }).map((s) => s * S);
const step = fc.record({ count: fc.integer({ min: 1, max: PLAN_LIMITS.maxCount }), intervalMs: interval });
const steps = fc.array(step, { minLength: 1, maxLength: PLAN_LIMITS.maxSteps });

describe("wait plan", () => {
  it("reads dcm4chee's notation, with or without spaces, and combined units", () => {
    assert.deepEqual(parsePlan("5x1m,10x10m").steps, [
      { count: 5, intervalMs: M },
      { count: 10, intervalMs: 10 * M },
    ]);
    const plan = parsePlan(" 6x10s, 12 x 5m,24X1h , 2x1h30m ");
    assert.deepEqual(plan.steps, [
      { count: 6, intervalMs: 10 * S },
      { count: 12, intervalMs: 5 * M },
      { count: 24, intervalMs: H },
      { count: 2, intervalMs: 90 * M },
    ]);
    assert.equal(plan.text, "6x10s, 12x5m, 24x1h, 2x1h30m");
    assert.equal(plan.attempts, 44);
    assert.equal(plan.spanMs, 60 * S + 60 * M + 24 * H + 3 * H);
  });

  it("refuses what is not a plan, saying which step and why", () => {
    assert.match(refusal(""), /empty/);
    assert.match(refusal(undefined), /must be text/);
    assert.match(refusal("6x10s,,2x1m"), /step 2 .*empty/);
    assert.match(refusal("6x10"), /step 1 .*"10" is not a duration/);
    assert.match(refusal("10s"), /step 1 .*count x interval/);
    assert.match(refusal("0x10s"), /count must be from 1/);
    assert.match(refusal("6x500ms"), /not a duration/);
    assert.match(refusal("6x0s"), /interval must be from 1s to 30d/);
    assert.match(refusal("1x31d"), /interval must be from 1s to 30d/);
    assert.match(refusal("6x10s, 12x5w"), /step 2 .*not a duration/);
    assert.match(refusal("1x1m30h"), /not a duration/, "units from the largest down");
    assert.match(refusal(Array(21).fill("1x1s").join(",")), /21 steps; at most 20/);
  });

  it("reads and checks deadlines", () => {
    assert.equal(parseDeadline("3d"), 3 * D);
    assert.equal(parseDeadline("1d12h"), 36 * H);
    assert.match(refusal("0s", parseDeadline), /deadline must be from 1s to 366d/);
    assert.match(refusal("400d", parseDeadline), /deadline must be from 1s to 366d/);
    assert.match(refusal("soon", parseDeadline), /the wait deadline "soon" is not a duration/);
  });

  it("formats a plan so that it reads back the same (property)", () => {
    fc.assert(
      fc.property(steps, (s) => {
        const plan = makePlan(s);
        const again = parsePlan(plan.text);
        assert.deepEqual(again.steps, plan.steps);
        assert.equal(again.text, plan.text);
      }),
    );
  });

  it("formats a duration as the shortest text that reads back the same (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 * 86_400 }), (seconds) => {
        const text = formatDuration(seconds * S);
        assert.equal(parseDuration(text), seconds * S);
        assert.match(text, /^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/);
        for (const [unit, max] of [
          ["h", 23],
          ["m", 59],
          ["s", 59],
        ] as const) {
          const n = new RegExp(`(\\d+)${unit}`).exec(text);
          if (n) assert.ok(Number(n[1]) >= 1 && Number(n[1]) <= max, `${text}: ${unit} in 1..${max}`);
        }
      }),
    );
    assert.equal(formatDuration(0), "0s");
  });

  it("gives each attempt's interval and its time on an on-time schedule", () => {
    const plan = parsePlan("2x10s, 1x5m");
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => intervalAfter(plan, n)),
      [10 * S, 10 * S, 5 * M, undefined],
    );
    const t0 = Date.UTC(2026, 0, 5, 8, 0);
    assert.deepEqual(
      [0, 1, 2, 3].map((n) => nextAttemptAt(plan, t0, n)),
      [t0 + 10 * S, t0 + 20 * S, t0 + 20 * S + 5 * M, undefined],
    );
  });

  it("the last on-time attempt is the plan's span after the start (property)", () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 0, max: 2 ** 40 }), (s, t0) => {
        const plan = makePlan(s);
        assert.equal(nextAttemptAt(plan, t0, plan.attempts - 1), t0 + plan.spanMs);
        assert.equal(nextAttemptAt(plan, t0, plan.attempts), undefined);
      }),
    );
  });

  it("defaults: frequent at first, hourly later, 100 attempts that end at the 3-day deadline", () => {
    const plan = parsePlan(DEFAULT_WAIT_PLAN);
    assert.equal(plan.text, DEFAULT_WAIT_PLAN, "the default is written canonically");
    assert.equal(plan.attempts, 100);
    assert.equal(plan.spanMs, parseDeadline(DEFAULT_WAIT_DEADLINE));
    assert.equal(intervalAfter(plan, 0), M);
    assert.equal(nextAttemptAt(plan, 0, 19), H, "20 attempts in the first hour");
    assert.equal(describePlan(plan), "100 attempts over 3d (10x1m, 10x5m, 12x15m, 68x1h)");
    assert.deepEqual(formatPlan(plan.steps), plan.text);
  });
});
