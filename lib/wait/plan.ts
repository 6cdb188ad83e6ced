/**
 * The retry plan of a wait, written as integrators write it in dcm4chee
 * (`5x1m,10x10m`: "retry 5 times one minute apart, then 10 times ten minutes
 * apart"): steps of count × interval, units s, m, h, d. Spaces after the
 * commas are allowed, and an interval may combine units (`1h30m`). The plan
 * ends after its last step; the deadline (a duration from the wait's start)
 * ends it earlier when it comes first.
 */
import { SanteError } from "../errors";

export interface PlanStep {
  /** Attempts in this step, each `intervalMs` after the previous one. */
  count: number;
  intervalMs: number;
}

export interface WaitPlan {
  readonly steps: readonly PlanStep[];
  /** Canonical text, e.g. "10x1m, 10x5m": what formatPlan() gives and what a store keeps. */
  readonly text: string;
  /** Attempts in all steps together. */
  readonly attempts: number;
  /** Time from the start to the last attempt when every attempt is on time. */
  readonly spanMs: number;
}

/**
 * Defaults for a radiology day, where the order reaches the integration engine before the first image reaches the
 * PACS. Every minute for the first 10 minutes (a portable X-ray or an emergency CT is sent within minutes), every
 * 5 minutes until the first hour is over (most CT and MR exams take 15–60 minutes before the images are sent),
 * every 15 minutes for the next three hours (a busy department's queue), then hourly: together 72 hours, the
 * deadline, so that an order placed on Friday still finds its images on Monday. 100 lookups per order in all.
 */
export const DEFAULT_WAIT_PLAN = "10x1m, 10x5m, 12x15m, 68x1h";
export const DEFAULT_WAIT_DEADLINE = "3d";

/** Sanity limits: a plan is typed by hand and a typo must not become 10^9 attempts or a 1 ms poll. */
export const PLAN_LIMITS = {
  maxSteps: 20,
  maxCount: 10_000,
  minIntervalMs: 1_000,
  maxIntervalMs: 30 * 86_400_000,
  minDeadlineMs: 1_000,
  maxDeadlineMs: 366 * 86_400_000,
} as const;

const UNITS = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
] as const;

const STEP = /^(\d+)\s*[xX×]\s*(\S.*)$/;
const DURATION = /^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$/i;

/**
 * The two patterns above as text, for the editor's check of the plan and deadline fields (the build writes them
 * into resources/sante-pacs-defaults.js with PLAN_LIMITS; a test holds the editor's check to parsePlan's verdicts).
 */
export const PLAN_SYNTAX = {
  step: STEP.source,
  duration: DURATION.source,
  durationFlags: DURATION.flags,
} as const;

function invalid(message: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", message);
}

/** "3d", "90m", "1h30m" → milliseconds. Throws SANTE_INVALID_INPUT naming `what`. */
export function parseDuration(text: unknown, what = "duration"): number {
  if (typeof text !== "string") throw invalid(`${what} must be text such as "3d" or "1h30m", got ${typeof text}`);
  const trimmed = text.trim();
  const match = DURATION.exec(trimmed);
  if (trimmed === "" || match === null) {
    throw invalid(
      `${what} "${trimmed.slice(0, 40)}" is not a duration: write a whole number and a unit s, m, h or d (e.g. "30s", "5m", "1h30m", "3d")`,
    );
  }
  let ms = 0;
  UNITS.forEach(([, unitMs], i) => {
    if (match[i + 1] !== undefined) ms += Number(match[i + 1]) * unitMs;
  });
  if (!Number.isSafeInteger(ms)) throw invalid(`${what} "${trimmed.slice(0, 40)}" is too long`);
  return ms;
}

/** Milliseconds (whole seconds) → the shortest text parseDuration() reads back: 5400000 → "1h30m". */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms % 1000 !== 0) {
    throw invalid(`a plan duration is a whole number of seconds, got ${ms} ms`);
  }
  if (ms === 0) return "0s";
  let rest = ms;
  let text = "";
  for (const [unit, unitMs] of UNITS) {
    const n = Math.floor(rest / unitMs);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * unitMs;
  }
  return text;
}

/** Parses "10x1m, 10x5m, 12x15m, 68x1h". Throws SANTE_INVALID_INPUT saying which step is wrong and why. */
export function parsePlan(text: unknown): WaitPlan {
  if (typeof text !== "string") throw invalid(`the wait plan must be text such as "${DEFAULT_WAIT_PLAN}"`);
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length === 1 && parts[0] === "") {
    throw invalid(`the wait plan is empty; write steps such as "${DEFAULT_WAIT_PLAN}" (count x interval)`);
  }
  if (parts.length > PLAN_LIMITS.maxSteps) {
    throw invalid(`the wait plan has ${parts.length} steps; at most ${PLAN_LIMITS.maxSteps} are allowed`);
  }
  const steps = parts.map((part, i): PlanStep => {
    const where = `step ${i + 1} of the wait plan ("${part.slice(0, 40)}")`;
    if (part === "") throw invalid(`step ${i + 1} of the wait plan is empty (two commas in a row?)`);
    const match = STEP.exec(part);
    if (match === null) throw invalid(`${where} is not count x interval, e.g. "6x10s" or "24x1h"`);
    const count = Number(match[1]);
    if (!Number.isSafeInteger(count) || count < 1 || count > PLAN_LIMITS.maxCount) {
      throw invalid(`${where}: the count must be from 1 to ${PLAN_LIMITS.maxCount}`);
    }
    const intervalMs = parseDuration(match[2], `${where}: the interval`);
    if (intervalMs < PLAN_LIMITS.minIntervalMs || intervalMs > PLAN_LIMITS.maxIntervalMs) {
      throw invalid(`${where}: the interval must be from 1s to 30d`);
    }
    return { count, intervalMs };
  });
  return makePlan(steps);
}

/** Builds a plan from steps (checked as parsePlan checks text). */
export function makePlan(steps: readonly PlanStep[]): WaitPlan {
  const copy = steps.map(({ count, intervalMs }) => ({ count, intervalMs }));
  return Object.freeze({
    steps: Object.freeze(copy),
    text: formatPlan(copy),
    attempts: copy.reduce((n, s) => n + s.count, 0),
    spanMs: copy.reduce((n, s) => n + s.count * s.intervalMs, 0),
  });
}

/** Steps → "6x10s, 12x5m, 24x1h". */
export function formatPlan(steps: readonly PlanStep[]): string {
  return steps.map((s) => `${s.count}x${formatDuration(s.intervalMs)}`).join(", ");
}

/** Checks a deadline the way parsePlan checks a plan; returns milliseconds. */
export function parseDeadline(text: unknown): number {
  const ms = parseDuration(text, "the wait deadline");
  if (ms < PLAN_LIMITS.minDeadlineMs || ms > PLAN_LIMITS.maxDeadlineMs) {
    throw invalid(`the wait deadline must be from 1s to 366d, got "${String(text).trim()}"`);
  }
  return ms;
}

/** The pause before attempt number `attemptsMade + 1`; undefined once the plan is used up. */
export function intervalAfter(plan: WaitPlan, attemptsMade: number): number | undefined {
  let seen = 0;
  for (const step of plan.steps) {
    seen += step.count;
    if (attemptsMade < seen) return step.intervalMs;
  }
  return undefined;
}

/**
 * When attempt number `attemptsMade + 1` is due if every attempt so far was on time: `startedAt` plus the
 * intervals before it. undefined once the plan is used up. (The scheduler counts each interval from the attempt
 * actually made, so a PACS that was slow or a Node-RED that was stopped shifts the rest of the plan rather than
 * causing a burst of catch-up lookups.)
 */
export function nextAttemptAt(plan: WaitPlan, startedAt: number, attemptsMade: number): number | undefined {
  if (attemptsMade >= plan.attempts) return undefined;
  let at = startedAt;
  let left = attemptsMade + 1;
  for (const step of plan.steps) {
    const n = Math.min(left, step.count);
    at += n * step.intervalMs;
    left -= n;
    if (left === 0) break;
  }
  return at;
}

/** One line for status, help and logs: "100 attempts over 72h (10x1m, …)". */
export function describePlan(plan: WaitPlan): string {
  return `${plan.attempts} attempt${plan.attempts === 1 ? "" : "s"} over ${formatDuration(plan.spanMs)} (${plan.text})`;
}
