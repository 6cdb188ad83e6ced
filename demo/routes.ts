/**
 * The demo's own HTTP routes, answered before Node-RED's (the flows' pages, the editor):
 *
 *   GET  /sante/his                 the HIS page (his-page.ts)
 *   GET  /sante/his/results.json    the same results as JSON; ?count gives only their number (the page polls it)
 *   POST /sante/pacs/studies        {"patientId", "studyInstanceUid"}: the demo's PACS gets the study's images
 *                                   (npm run images-arrive); 200 { patientId, studyInstanceUid, added }
 *
 * The POST takes JSON only: a web page elsewhere can post a form or text to 127.0.0.1 without asking, but not JSON
 * (the browser asks first, and gets no CORS answer).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimAddedStudy } from "../lib/simulator";
import { HIS_PAGE_PATH, HIS_RESULTS_PATH, renderHisPage, type HisPageInfo } from "./his-page";
import type { HisResults } from "./his-results";

export const LEARN_STUDY_PATH = "/sante/pacs/studies";
const MAX_BODY_BYTES = 16 * 1024;

export interface RouteDeps {
  results: HisResults;
  hisInfo: () => HisPageInfo;
  /** Undefined when the demo runs no simulator (SANTE_DEMO_SIMULATOR=off). */
  learn: ((patientId: string, studyInstanceUid: string) => Promise<SimAddedStudy>) | undefined;
}

/** Answers the request if it is one of the demo's routes (true), else leaves it to Node-RED (false). */
export function demoRoutes(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://demo");
    if (url.pathname === HIS_PAGE_PATH && req.method === "GET") {
      const info = deps.hisInfo();
      send(res, 200, "text/html; charset=utf-8", renderHisPage(deps.results.list(), info));
      return true;
    }
    if (url.pathname === HIS_RESULTS_PATH && req.method === "GET") {
      const body = url.searchParams.has("count")
        ? { count: deps.results.count }
        : { count: deps.results.count, results: deps.results.list() };
      sendJson(res, 200, body);
      return true;
    }
    if (url.pathname === LEARN_STUDY_PATH && req.method === "POST") {
      learnStudy(deps, req, res).catch((err: unknown) => sendJson(res, 500, { message: (err as Error).message }));
      return true;
    }
    return false;
  };
}

async function learnStudy(deps: RouteDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) {
    return sendJson(res, 415, { message: "Send the study as application/json" });
  }
  const body = await readBody(req);
  if (body === undefined) return sendJson(res, 413, { message: `The body is longer than ${MAX_BODY_BYTES} bytes` });
  let study: unknown;
  try {
    study = JSON.parse(body);
  } catch {
    return sendJson(res, 400, { message: "The body is not JSON" });
  }
  const { patientId, studyInstanceUid } = (typeof study === "object" && study !== null ? study : {}) as Record<
    string,
    unknown
  >;
  if (typeof patientId !== "string" || typeof studyInstanceUid !== "string") {
    return sendJson(res, 400, { message: 'Send {"patientId": "…", "studyInstanceUid": "…"}' });
  }
  if (!deps.learn) {
    return sendJson(res, 409, {
      message:
        "The demo runs no simulated PACS (SANTE_DEMO_SIMULATOR=off): your PACS knows a study once its images arrive",
    });
  }
  try {
    const added = await deps.learn(patientId, studyInstanceUid);
    sendJson(res, 200, { patientId: added.patientId, studyInstanceUid: added.studyInstanceUid, added: added.added });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    sendJson(res, code === "SANTE_INVALID_INPUT" ? 400 : 500, { code, message: (err as Error).message });
  }
}

/** The body as text, or undefined when it is longer than MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body));
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader("content-type", type);
  // The HIS page and its JSON hold study links, which hold tokens.
  res.setHeader("cache-control", "no-store");
  res.end(body);
}
