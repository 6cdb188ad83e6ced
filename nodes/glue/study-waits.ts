/**
 * The wait mode of `sante-study-token`: a study the PACS does not know yet
 * (or a PACS that cannot be asked right now) does not end the message with an
 * error; the message is stored (lib/wait) and leaves by the "waiting" output
 * once it is on disk, and comes out of the token output later, when a lookup of
 * the config node's scheduler finds the study, or reaches Catch with
 * SANTE_GAVE_UP when the deadline passes or the plan is used up.
 *
 * The node attaches to its config node's scheduler when it starts and detaches
 * when it closes, whatever Node-RED's `removed` says (a disabled tab says
 * removed too): its waits stay stored and resume when it runs again.
 */
import { existsSync } from "node:fs";
import { SanteError, toSanteError, type SanteErrorCode } from "../../lib/errors";
import { validateStudyInstanceUid, type StudyLookup } from "../../lib/sante";
import { DEFAULT_WAIT_DEADLINE, DEFAULT_WAIT_PLAN, parseDeadline, parsePlan } from "../../lib/wait/plan";
import type { GiveUpReason, WaitHandler, WaitScheduler } from "../../lib/wait/scheduler";
import type { WaitRecord } from "../../lib/wait/store";
import { markFailed } from "./message-node";
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from "./node-red-types";
import type { SantePacsServer } from "./server-node";
import type { LookupStatus } from "./lookup-status";
import type { Translate } from "./translate";
import { waitJournalPath, type WaitRuntime } from "./wait-store-lease";

/**
 * Failures of the first lookup that start a wait. SANTE_NOT_FOUND: the images have not arrived. The PACS could
 * not be asked (SANTE_CONNECTION, SANTE_TIMEOUT, SANTE_BUSY): a PACS down when the order arrives is the same case as
 * a PACS down during a wait, which the plan rides out; ending the order with an error would lose it for a restart of
 * the PACS. SANTE_PROTOCOL is not here: a reply that is not the protocol is a wrong port or a PACS bug, which no
 * amount of waiting mends, so it ends the message at once where someone sees it.
 */
const STARTS_WAIT: ReadonlySet<SanteErrorCode> = new Set<SanteErrorCode>([
  "SANTE_NOT_FOUND",
  "SANTE_CONNECTION",
  "SANTE_TIMEOUT",
  "SANTE_BUSY",
]);

export interface WaitSettings {
  enabled: boolean;
  /** Canonical plan text. */
  plan: string;
  deadline: string;
  /** Why the plan or deadline cannot be used (lib's SANTE_INVALID_INPUT); a message that would wait ends with it. */
  problem?: SanteError;
}

/** The node's wait fields (flows saved before they existed: wait mode off, the defaults). */
export function readWaitSettings(def: NodeDef): WaitSettings {
  const enabled = def.wait === true || def.wait === "true";
  const text = (value: unknown, fallback: string) =>
    typeof value === "string" && value.trim() !== "" ? value.trim() : fallback;
  const plan = text(def.waitPlan, DEFAULT_WAIT_PLAN);
  const deadline = text(def.waitDeadline, DEFAULT_WAIT_DEADLINE);
  if (!enabled) return { enabled, plan, deadline };
  try {
    parseDeadline(deadline);
    return { enabled, plan: parsePlan(plan).text, deadline };
  } catch (err) {
    return { enabled, plan, deadline, problem: toSanteError(err) };
  }
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);

/** MSH-3/MSH-4 as `msg.hl7` holds them (an HD object), written out: "RIS^1.2.3^ISO". */
function designator(value: unknown): string {
  if (typeof value === "string") return value;
  if (!isObject(value)) return "";
  return [value.namespaceId, value.universalId, value.universalIdType]
    .map((p) => (typeof p === "string" ? p : ""))
    .join("^");
}

/**
 * The identity of the message that starts a wait, so that the same message waits once. An HL7 message (msg.hl7,
 * as `sante-hl7-in` sets it from the MSH) is its sender's application and facility with its control ID (MSH-10):
 * a resend after a lost ACK is a new Node-RED message with the same MSH. Anything else is its `_msgid`.
 */
function waitMessageId(msg: NodeMessage): string | undefined {
  const hl7 = msg.hl7;
  if (isObject(hl7) && typeof hl7.controlId === "string" && hl7.controlId !== "") {
    return `hl7:${designator(hl7.sendingApplication)}|${designator(hl7.sendingFacility)}|${hl7.controlId}`;
  }
  return typeof msg._msgid === "string" && msg._msgid !== "" ? `msg:${msg._msgid}` : undefined;
}

/** What the lookup of a message in wait mode gives when it waits: the stored wait. */
export interface Waiting {
  wait: WaitRecord;
  /** The same message was already waiting (a resend): this is its wait, not a second one. */
  duplicate: boolean;
}

export function isWaiting(result: StudyLookup | Waiting): result is Waiting {
  return "wait" in result;
}

/** A node's waits, for the admin endpoints. */
export interface NodeWaits {
  list(): Promise<WaitRecord[]>;
  /** false: the node has no such wait. */
  cancel(waitId: string): Promise<boolean>;
}

/** A study node offers its waits to the admin endpoints under this property. */
export interface StudyNode extends Node {
  santeWaits?: NodeWaits;
}

/** "14:05" for a time within the next 20 hours, else "2026-01-07 14:05" (the server's local time). */
function shortTime(at: number, now = Date.now()): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, "0");
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (at - now < 20 * 3_600_000) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

export class StudyWaits {
  private scheduler: WaitScheduler | undefined;
  private ready: Promise<WaitScheduler> | undefined;
  private closed = false;
  private status!: LookupStatus;
  private readonly changed = (nodeId: string) => {
    if (nodeId === this.node.id) this.status.keptChanged();
  };

  constructor(
    private readonly RED: NodeAPI & WaitRuntime,
    private readonly node: StudyNode,
    private readonly server: SantePacsServer | undefined,
    private readonly settings: WaitSettings,
    private readonly output: string,
    private readonly t: Translate,
  ) {}

  /** Starts with the node's status (setupMessageNode's): attaches now when there may be waits to resume. */
  start(status: LookupStatus): void {
    const { RED, node, settings, t } = this;
    this.status = status;
    node.santeWaits = {
      list: async () => (await this.attached()).list(node.id),
      cancel: async (waitId) => {
        const scheduler = await this.attached();
        if (scheduler.list(node.id).every((w) => w.id !== waitId)) return false;
        return scheduler.cancel(waitId);
      },
    };
    node.on("close", (_removed, done) => {
      // Only detach: Node-RED says `removed` for a disabled tab too, and a node that comes back resumes its waits.
      this.closed = true;
      this.scheduler?.detach(node.id);
      this.scheduler?.off("changed", this.changed);
      done();
    });
    if (settings.problem) {
      node.error(t("errors.wait-settings", { reason: settings.problem.message }));
      status.problem(settings.problem.code);
    }
    // Waits stored while the mode was on are delivered even when it has since been turned off.
    const journal = waitJournalPath(RED.settings);
    if (settings.enabled || (journal !== undefined && existsSync(journal))) {
      this.attached().catch((err: unknown) => this.report(toSanteError(err)));
    }
  }

  /**
   * Wait mode's lookup (the node calls it only then, with the server setupMessageNode found): the study's token,
   * or a wait when the PACS does not know the study yet (or cannot be asked), resolved once the wait is on disk.
   * The message is copied as it is now, before anything is added to it.
   */
  async lookup(server: SantePacsServer, uid: unknown, msg: NodeMessage): Promise<StudyLookup | Waiting> {
    const startedAt = Date.now();
    try {
      return await server.getClient().lookupStudy(uid);
    } catch (err) {
      const error = toSanteError(err);
      if (!STARTS_WAIT.has(error.code)) throw error;
      if (this.settings.problem) throw this.settings.problem;
      const scheduler = await this.attached();
      return scheduler.add({
        nodeId: this.node.id,
        studyInstanceUid: validateStudyInstanceUid(uid),
        messageId: waitMessageId(msg),
        msg,
        plan: this.settings.plan,
        deadline: this.settings.deadline,
        startedAt,
      });
    }
  }

  /** The "waiting" output's message: msg.sante says which wait holds it and when it is next looked up. */
  waitingMessage(msg: NodeMessage, { wait, duplicate }: Waiting): NodeMessage {
    msg.sante = {
      studyInstanceUid: wait.studyInstanceUid,
      waitId: wait.id,
      nextAttemptAt: wait.nextAttemptAt,
      deadline: wait.deadline,
      duplicate,
    };
    return msg;
  }

  /** The config node's scheduler with this node attached (once). */
  private attached(): Promise<WaitScheduler> {
    if (this.closed) return Promise.reject(new SanteError("SANTE_CLOSED", this.t("errors.closed")));
    if (!this.server) return Promise.reject(new SanteError("SANTE_INVALID_INPUT", this.t("errors.no-server")));
    this.ready ??= this.server.waitScheduler().then((scheduler) => {
      if (this.closed) throw new SanteError("SANTE_CLOSED", this.t("errors.closed"));
      scheduler.on("changed", this.changed);
      scheduler.attach(this.node.id, this.handler());
      this.scheduler = scheduler;
      this.status.keeps(() => this.shown());
      return scheduler;
    });
    // A store that could not be opened is tried again by the next message.
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  private handler(): WaitHandler {
    const { RED, node, output, status, t } = this;
    return {
      found: (wait, msg, token) => {
        RED.util.setMessageProperty(msg, output, token, true);
        if (msg.santeError !== undefined) delete msg.santeError;
        msg.sante = {
          studyInstanceUid: wait.studyInstanceUid,
          token,
          waited: Date.now() - wait.createdAt,
          attempts: wait.attempts + 1,
        };
        status.succeeded(() => t("status.found-waited"));
        status.keptChanged();
        node.send(msg);
      },
      gaveUp: (wait, msg, error, reason: GiveUpReason) => {
        msg.sante = {
          studyInstanceUid: wait.studyInstanceUid,
          waitId: wait.id,
          reason,
          waited: Date.now() - wait.createdAt,
          attempts: wait.attempts,
        };
        markFailed(msg, error);
        status.failed(error.code);
        status.keptChanged();
        node.error(error, msg);
      },
    };
  }

  /** "3 waiting for images, next 14:05": read only when the status is shown. */
  private shown(): NodeStatus | undefined {
    const summary = this.scheduler?.summary(this.node.id);
    if (!summary || summary.waiting === 0 || summary.nextAttemptAt === undefined) return undefined;
    const now = Date.now();
    const text =
      summary.nextAttemptAt <= now
        ? this.t("status.waits-now", { count: summary.waiting })
        : this.t("status.waits", { count: summary.waiting, time: shortTime(summary.nextAttemptAt, now) });
    return { fill: "yellow", shape: "ring", text };
  }

  /** A store that cannot be opened shows at deploy; a configuration problem shows already (message-node). */
  private report(error: SanteError): void {
    if (error.code !== "SANTE_STORAGE") return;
    this.node.error(this.t("errors.storage", { reason: error.message }));
    this.status.problem(error.code);
  }
}
