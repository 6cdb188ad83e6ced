/**
 * Admin endpoints for the waits of a running `sante-study-token` node, with
 * permissions as Node-RED's own endpoints have them (adminAuth: a user with the
 * "read" scope may list, one with "write" may cancel):
 *
 *   GET  /sante-study-token/:node/waits?offset=0&limit=100   sante-study-token.read
 *   POST /sante-study-token/:node/waits/:wait/cancel          sante-study-token.write
 *
 * A listed wait holds no message content (an HL7 order carries patient data):
 * the study, the message's identity, times, attempts and the last error code.
 */
import { SanteError, toSanteError } from "../../lib/errors";
import type { WaitRecord } from "../../lib/wait/store";
import type { AdminRequest, AdminResponse, NodeAPI } from "./node-red-types";
import type { NodeWaits, StudyNode } from "./study-waits";

const WAITS_PATH = "/sante-study-token/:node/waits";
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

/** One wait as the list shows it; times in ms since the epoch, as Node-RED messages carry them. */
interface ListedWait {
  id: string;
  studyInstanceUid: string;
  messageId: string | null;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  deadline: number;
  plan: string;
  lastError: string | null;
}

export interface WaitList {
  total: number;
  offset: number;
  limit: number;
  waits: ListedWait[];
}

export function registerWaitEndpoints(RED: NodeAPI): void {
  RED.httpAdmin.get(WAITS_PATH, RED.auth.needsPermission("sante-study-token.read"), (req, res, next) => {
    list(RED, req, res).catch(next);
  });
  RED.httpAdmin.post(
    `${WAITS_PATH}/:wait/cancel`,
    RED.auth.needsPermission("sante-study-token.write"),
    (req, res, next) => {
      cancel(RED, req, res).catch(next);
    },
  );
}

async function list(RED: NodeAPI, req: AdminRequest, res: AdminResponse): Promise<void> {
  const waits = nodeWaits(RED, req, res);
  if (!waits) return;
  let offset: number;
  let limit: number;
  try {
    offset = whole(req.query?.offset, 0, Number.MAX_SAFE_INTEGER, 0, "offset");
    limit = whole(req.query?.limit, 1, MAX_PAGE, DEFAULT_PAGE, "limit");
  } catch (err) {
    return refuse(res, 400, toSanteError(err));
  }
  const all = await answerOr(res, () => waits.list());
  if (!all) return;
  const page = all.slice(offset, offset + limit).map(listed);
  res.status(200).json({ total: all.length, offset, limit, waits: page } satisfies WaitList);
}

async function cancel(RED: NodeAPI, req: AdminRequest, res: AdminResponse): Promise<void> {
  const waits = nodeWaits(RED, req, res);
  if (!waits) return;
  const id = req.params?.wait ?? "";
  const cancelled = await answerOr(res, () => waits.cancel(id));
  if (cancelled === undefined) return;
  if (!cancelled)
    return refuse(res, 404, new SanteError("SANTE_INVALID_INPUT", RED._("sante-study-token.admin.no-wait")));
  res.status(200).json({ ok: true, id });
}

/** The waits of the node the path names; answers 404 itself when that node is not a running study node. */
function nodeWaits(RED: NodeAPI, req: AdminRequest, res: AdminResponse): NodeWaits | undefined {
  const node = RED.nodes.getNode(req.params?.node ?? "") as StudyNode | null;
  const waits = node?.type === "sante-study-token" ? node.santeWaits : undefined;
  if (!waits) refuse(res, 404, new SanteError("SANTE_INVALID_INPUT", RED._("sante-study-token.admin.no-node")));
  return waits;
}

/** The result of `work`, or undefined once a failure (store or configuration) has been answered with 503. */
async function answerOr<T>(res: AdminResponse, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (err) {
    refuse(res, 503, toSanteError(err));
    return undefined;
  }
}

function refuse(res: AdminResponse, status: number, error: SanteError): void {
  res.status(status).json({ ok: false, code: error.code, message: error.message });
}

function whole(value: unknown, min: number, max: number, fallback: number, what: string): number {
  if (value === undefined || value === "") return fallback;
  const n = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    throw new SanteError("SANTE_INVALID_INPUT", `${what} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function listed(w: WaitRecord): ListedWait {
  return {
    id: w.id,
    studyInstanceUid: w.studyInstanceUid,
    messageId: w.messageId ?? null,
    createdAt: w.createdAt,
    attempts: w.attempts,
    nextAttemptAt: w.nextAttemptAt,
    deadline: w.deadline,
    plan: w.plan,
    lastError: w.lastError ?? null,
  };
}
