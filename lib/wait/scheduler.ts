/**
 * One scheduler for every wait of one PACS: a heap of due times and a single
 * timer (not one per wait), at most `concurrency` lookups at once, jitter on
 * every interval, and one lookup per study per attempt however many waits
 * share the study.
 *
 * A lookup that finds the token delivers every wait of that study; one that
 * does not (SANTE_NOT_FOUND, or the PACS could not be asked: connection,
 * timeout, busy, protocol) counts as an attempt of each wait that was due and
 * schedules the next one on its plan, the interval counted from this attempt.
 * A wait gives up when its plan is used up or its deadline has passed; the
 * last attempt is made at the deadline.
 *
 * Waits are delivered through the handler of their node (attach()); the
 * waits of a node that is not attached stay in the store, untouched, until it
 * is (in Node-RED: a redeploy, a restart, a disabled flow enabled again).
 */
import { EventEmitter } from "node:events";
import { SanteError, toSanteError } from "../errors";
import { CLIENT_DEFAULTS } from "../sante/client-options";
import { validateStudyInstanceUid } from "../sante/validate";
import { MinHeap } from "../util/min-heap";
import {
  DEFAULT_WAIT_DEADLINE,
  DEFAULT_WAIT_PLAN,
  describePlan,
  formatDuration,
  intervalAfter,
  parseDeadline,
  parsePlan,
  type WaitPlan,
} from "./plan";
import type { WaitRecord, WaitStore } from "./store";

/** Asks the PACS for a study's token; rejects with a SanteError (SANTE_NOT_FOUND: not there yet). */
export type StudyLookupFn = (studyInstanceUid: string) => Promise<string>;

export type GiveUpReason = "deadline" | "plan" | "cancelled";

export interface WaitHandler {
  /** The study's token exists now. */
  found(wait: WaitRecord, msg: Record<string, unknown>, token: string): void;
  /** The wait ended without a token; `error` is a SANTE_GAVE_UP saying why. */
  gaveUp(wait: WaitRecord, msg: Record<string, unknown>, error: SanteError, reason: GiveUpReason): void;
}

/** The scheduler's own clock, so that tests can move time; the default is the real one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WaitSchedulerOptions {
  store: WaitStore;
  lookup: StudyLookupFn;
  /** Most lookups at once (the PACS config's `connections`). Default 4. */
  concurrency?: number;
  /** Each interval is lengthened by a random part of up to this fraction of it, so waits started together spread out. Default 0.1. */
  jitter?: number;
  clock?: Clock;
  random?: () => number;
  /** Failures that end no wait (a store write that failed, a handler that threw). */
  onError?: (err: Error) => void;
}

export interface StartWait {
  nodeId: string;
  studyInstanceUid: string;
  /** The triggering message's identity (e.g. MSH-10): the same message waits once. */
  messageId?: string;
  msg: unknown;
  /** Plan text or a parsed plan. Default DEFAULT_WAIT_PLAN. */
  plan?: string | WaitPlan;
  /** Deadline from `startedAt`, as text ("3d") or ms. Default DEFAULT_WAIT_DEADLINE. */
  deadline?: string | number;
  /** When the lookup that found nothing was made; the plan's first interval counts from it. Default now. */
  startedAt?: number;
}

export interface NodeSummary {
  waiting: number;
  /** The earliest next attempt among the node's waits. */
  nextAttemptAt: number | undefined;
}

export interface WaitSchedulerEvents {
  /** A node's waits changed (added, attempted, delivered, given up): time to update its status. */
  changed: [nodeId: string];
}

type GroupState = "idle" | "queued" | "looking";

/** The waits of one study: they share each lookup. */
interface Group {
  uid: string;
  waits: WaitRecord[];
  state: GroupState;
  /** The key of the group's current heap entry (older entries are stale); NaN when not in the heap. */
  heapAt: number;
}

/** Timers are re-armed at least this often, so a change of the wall clock is noticed. */
const MAX_TIMER_MS = 60_000;
/** A last attempt at the deadline is skipped when it would come this soon after the one before. */
const MIN_LAST_GAP_MS = 1_000;

export class WaitScheduler extends EventEmitter<WaitSchedulerEvents> {
  private readonly store: WaitStore;
  private readonly lookup: StudyLookupFn;
  private readonly concurrency: number;
  private readonly jitter: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly onError: (err: Error) => void;
  private readonly handlers = new Map<string, WaitHandler>();
  private readonly groups = new Map<string, Group>();
  private readonly heap = new MinHeap<Group>();
  private readonly ready: Group[] = [];
  private readyHead = 0;
  private readonly plans = new Map<string, WaitPlan>();
  private readonly work = new Set<Promise<unknown>>();
  private inFlight = 0;
  private peak = 0;
  private lookups = 0;
  private timer: unknown;
  private timerAt = Infinity;
  private closed = false;

  constructor(options: WaitSchedulerOptions) {
    super();
    this.store = options.store;
    this.lookup = options.lookup;
    this.concurrency = options.concurrency ?? CLIENT_DEFAULTS.connections;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1) {
      throw new SanteError("SANTE_INVALID_INPUT", `concurrency must be a whole number ≥ 1, got ${this.concurrency}`);
    }
    this.jitter = options.jitter ?? 0.1;
    if (!(this.jitter >= 0 && this.jitter <= 1)) {
      throw new SanteError("SANTE_INVALID_INPUT", `jitter must be from 0 to 1, got ${this.jitter}`);
    }
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Lookups made so far, and the most at once. */
  get stats(): { lookups: number; peakLookups: number; inFlight: number; groups: number } {
    return { lookups: this.lookups, peakLookups: this.peak, inFlight: this.inFlight, groups: this.groups.size };
  }

  /** Starts delivering a node's waits through `handler`, resuming those already stored; returns how many. */
  attach(nodeId: string, handler: WaitHandler): number {
    this.assertOpen();
    if (this.handlers.has(nodeId)) this.detach(nodeId);
    this.handlers.set(nodeId, handler);
    const waits = this.store.byNode(nodeId);
    for (const wait of waits) this.schedule(wait);
    this.arm();
    if (waits.length > 0) this.emit("changed", nodeId);
    return waits.length;
  }

  /** Stops polling a node's waits; they stay stored for the next attach(). */
  detach(nodeId: string): void {
    if (!this.handlers.delete(nodeId)) return;
    for (const wait of this.store.byNode(nodeId)) this.unschedule(wait);
  }

  /**
   * Stores a wait for a study that the PACS does not know yet, and schedules it. Resolves once it is on disk: the
   * moment the message may be acknowledged. Refused with SANTE_INVALID_INPUT (a message part that cannot be
   * stored, a bad plan or deadline, a bad UID) before anything is written. The same messageId for the same study
   * and node gives back the wait already stored, `duplicate: true`.
   */
  async add(start: StartWait): Promise<{ wait: WaitRecord; duplicate: boolean }> {
    this.assertOpen();
    if (!this.handlers.has(start.nodeId)) {
      throw new SanteError("SANTE_INVALID_INPUT", `node ${start.nodeId} has no wait handler (attach() it first)`);
    }
    const plan = typeof start.plan === "object" ? start.plan : this.planOf(start.plan ?? DEFAULT_WAIT_PLAN);
    const deadlineMs =
      typeof start.deadline === "number"
        ? checkedDeadline(start.deadline)
        : parseDeadline(start.deadline ?? DEFAULT_WAIT_DEADLINE);
    const uid = validateStudyInstanceUid(start.studyInstanceUid);
    const startedAt = start.startedAt ?? this.clock.now();
    const deadline = startedAt + deadlineMs;
    const { record, duplicate } = await this.store.add(
      {
        nodeId: start.nodeId,
        studyInstanceUid: uid,
        messageId: start.messageId,
        plan: plan.text,
        deadline,
        nextAttemptAt: this.nextTime(plan, 0, startedAt, deadline) ?? deadline,
        createdAt: startedAt,
      },
      start.msg,
    );
    if (!duplicate && !this.closed && this.handlers.has(record.nodeId)) {
      this.schedule(record);
      this.arm();
      this.emit("changed", record.nodeId);
    }
    return { wait: record, duplicate };
  }

  /** Ends a wait now: its node's handler gets it as given up ("cancelled"). false: no such wait. */
  async cancel(id: string): Promise<boolean> {
    this.assertOpen();
    const wait = this.store.get(id);
    if (!wait) return false;
    this.unschedule(wait);
    await this.track(this.giveUp(wait, "cancelled"));
    return true;
  }

  /** The node's waits, oldest first. */
  list(nodeId: string): WaitRecord[] {
    return this.store.byNode(nodeId);
  }

  summary(nodeId: string): NodeSummary {
    const waits = this.store.byNode(nodeId);
    let next: number | undefined;
    for (const w of waits) if (next === undefined || w.nextAttemptAt < next) next = w.nextAttemptAt;
    return { waiting: waits.length, nextAttemptAt: next };
  }

  /** Stops the timer and all further lookups; waits stay stored. Resolves once deliveries under way have ended. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.handlers.clear();
    this.groups.clear();
    this.heap.clear();
    this.ready.length = 0;
    this.readyHead = 0;
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  private planOf(text: string): WaitPlan {
    let plan = this.plans.get(text);
    if (!plan) {
      plan = parsePlan(text);
      if (this.plans.size < 1000) this.plans.set(text, plan);
    }
    return plan;
  }

  /** When the attempt after `attemptsMade` is due, counted from `from`; undefined when none is left before the deadline. */
  private nextTime(plan: WaitPlan, attemptsMade: number, from: number, deadline: number): number | undefined {
    const interval = intervalAfter(plan, attemptsMade);
    if (interval === undefined) return undefined;
    const at = from + interval + Math.floor(this.random() * this.jitter * interval);
    if (at <= deadline) return at;
    // The plan runs past the deadline: one last look at the deadline itself.
    return deadline - from >= MIN_LAST_GAP_MS ? deadline : undefined;
  }

  private schedule(wait: WaitRecord): void {
    let group = this.groups.get(wait.studyInstanceUid);
    if (!group) {
      // [wait], not [] and push(): an array grown by push() reserves room for 16 more, per study.
      group = { uid: wait.studyInstanceUid, waits: [wait], state: "idle", heapAt: NaN };
      this.groups.set(group.uid, group);
    } else if (!group.waits.includes(wait)) {
      group.waits.push(wait);
    }
    if (group.state === "idle" && !(group.heapAt <= wait.nextAttemptAt)) this.enqueue(group, wait.nextAttemptAt);
  }

  private unschedule(wait: WaitRecord): void {
    const group = this.groups.get(wait.studyInstanceUid);
    if (!group) return;
    const i = group.waits.indexOf(wait);
    if (i >= 0) group.waits.splice(i, 1);
    // An empty group's heap or ready entry is skipped when reached; a lookup under way finds no wait to apply to.
    if (group.waits.length === 0 && group.state !== "looking") this.groups.delete(group.uid);
  }

  private enqueue(group: Group, at: number): void {
    group.heapAt = at;
    this.heap.push(at, group);
  }

  /** Arms the one timer for the earliest due group. */
  private arm(): void {
    if (this.closed) return;
    const next = this.heap.peekKey();
    if (next === undefined) {
      if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    const at = Math.min(next, this.clock.now() + MAX_TIMER_MS);
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.tick();
      },
      Math.max(0, at - this.clock.now()),
    );
  }

  private tick(): void {
    if (this.closed) return;
    const now = this.clock.now();
    for (let key = this.heap.peekKey(); key !== undefined && key <= now; key = this.heap.peekKey()) {
      const group = this.heap.pop() as Group;
      if (group.heapAt !== key || group.state !== "idle" || this.groups.get(group.uid) !== group) continue;
      group.heapAt = NaN;
      group.state = "queued";
      this.ready.push(group);
    }
    this.pump();
    this.arm();
  }

  /** Starts lookups for queued groups while fewer than `concurrency` are under way. */
  private pump(): void {
    while (this.inFlight < this.concurrency && this.readyHead < this.ready.length && !this.closed) {
      const group = this.ready[this.readyHead];
      this.ready[this.readyHead++] = undefined as unknown as Group;
      if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      if (this.groups.get(group.uid) !== group || group.waits.length === 0) continue;
      this.start(group);
    }
    if (this.readyHead === this.ready.length) {
      this.ready.length = 0;
      this.readyHead = 0;
    }
  }

  private start(group: Group): void {
    group.state = "looking";
    const startedAt = this.clock.now();
    // The waits this lookup counts for: those due, and those due within half their interval (they would ask again
    // for the same study moments later).
    const due = group.waits.filter((w) => {
      const interval = intervalAfter(this.planOf(w.plan), w.attempts) ?? 0;
      return w.nextAttemptAt <= startedAt + interval / 2;
    });
    this.inFlight++;
    this.lookups++;
    this.peak = Math.max(this.peak, this.inFlight);
    let asked: Promise<string>;
    try {
      asked = this.lookup(group.uid);
    } catch (err) {
      asked = Promise.reject(toSanteError(err));
    }
    // close() waits for what a result sets off (deliveries, store writes), not for the lookup itself: the client's
    // own close ends that.
    void asked
      .then(
        (token) => this.track(this.found(group, token)),
        (err: unknown) => this.track(this.notFound(group, due, toSanteError(err))),
      )
      .finally(() => {
        this.inFlight--;
        this.pump();
        this.arm();
      });
  }

  private async found(group: Group, token: string): Promise<void> {
    if (this.closed) return;
    if (this.groups.get(group.uid) === group) this.groups.delete(group.uid);
    const waits = group.waits.splice(0);
    await Promise.all(
      waits.map(async (wait) => {
        const handler = this.handlers.get(wait.nodeId);
        if (!handler) return; // detached meanwhile: it stays stored, and finds the token at once on its next attempt
        try {
          const msg = await this.store.readMessage(wait.id);
          if (this.closed) return;
          handler.found(wait, msg, token);
          await this.store.remove(wait.id, "found");
        } catch (err) {
          this.onError(err as Error);
        }
        this.emit("changed", wait.nodeId);
      }),
    );
  }

  private async notFound(group: Group, due: WaitRecord[], error: SanteError): Promise<void> {
    if (this.closed || error.code === "SANTE_CLOSED") {
      // The client was closed under us (a redeploy): no attempt was made.
      if (!this.closed) this.requeue(group);
      return;
    }
    const now = this.clock.now();
    const lastError = error.code === "SANTE_NOT_FOUND" ? undefined : error.code;
    const endings: Promise<void>[] = [];
    const changed = new Set<string>();
    for (const wait of due) {
      if (!group.waits.includes(wait)) continue; // cancelled or detached meanwhile
      const plan = this.planOf(wait.plan);
      const attempts = wait.attempts + 1;
      const next = now >= wait.deadline ? undefined : this.nextTime(plan, attempts, now, wait.deadline);
      changed.add(wait.nodeId);
      if (next === undefined) {
        this.unschedule(wait);
        endings.push(
          this.store
            .update(wait.id, { attempts, nextAttemptAt: wait.nextAttemptAt, lastError })
            // Plan steps left that would fall after the deadline end the wait at its deadline, not as a used-up plan.
            .then(() => this.giveUp(wait, intervalAfter(plan, attempts) === undefined ? "plan" : "deadline")),
        );
        continue;
      }
      this.store.update(wait.id, { attempts, nextAttemptAt: next, lastError }).catch((err: Error) => this.onError(err));
    }
    this.requeue(group);
    for (const nodeId of changed) this.emit("changed", nodeId);
    await Promise.all(endings.map((e) => e.catch((err: Error) => this.onError(err))));
  }

  /** Back to waiting for the group's earliest next attempt. */
  private requeue(group: Group): void {
    group.state = "idle";
    if (group.waits.length === 0) {
      if (this.groups.get(group.uid) === group) this.groups.delete(group.uid);
      return;
    }
    let at = Infinity;
    for (const w of group.waits) at = Math.min(at, w.nextAttemptAt);
    this.enqueue(group, at);
  }

  private async giveUp(wait: WaitRecord, reason: GiveUpReason): Promise<void> {
    const handler = this.handlers.get(wait.nodeId);
    const msg = handler ? await this.store.readMessage(wait.id) : undefined;
    await this.store.remove(wait.id, reason === "cancelled" ? "cancelled" : "gave-up");
    if (handler && msg && !this.closed) handler.gaveUp(wait, msg, gaveUpError(wait, reason, this.clock.now()), reason);
    this.emit("changed", wait.nodeId);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.work.add(p);
    void p.finally(() => this.work.delete(p)).catch(() => undefined);
    return p;
  }

  private assertOpen(): void {
    if (this.closed) throw new SanteError("SANTE_CLOSED", "the wait scheduler is closed");
  }
}

function checkedDeadline(ms: number): number {
  return parseDeadline(formatDuration(Math.round(ms / 1000) * 1000));
}

function gaveUpError(wait: WaitRecord, reason: GiveUpReason, now: number): SanteError {
  const waited = formatDuration(Math.max(0, Math.round((now - wait.createdAt) / 1000)) * 1000);
  const tried = `${wait.attempts} lookup${wait.attempts === 1 ? "" : "s"} over ${waited}`;
  const last = wait.lastError ? `; the last lookup could not reach the PACS (${wait.lastError})` : "";
  const why =
    reason === "cancelled"
      ? "the wait was cancelled"
      : reason === "deadline"
        ? "its deadline passed"
        : `its plan was used up (${describePlan(parsePlan(wait.plan))})`;
  return new SanteError(
    "SANTE_GAVE_UP",
    `Study ${wait.studyInstanceUid} did not reach the PACS in time: ${why} after ${tried}${last}`,
  );
}
