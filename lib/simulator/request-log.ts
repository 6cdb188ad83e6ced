import { maskToken } from "../errors";
import type { Answer } from "./catalog";

// Requests are at most a few KiB; a log line shows enough to recognise one.
const MAX_SHOWN = 80;

/** One log line: time, peer, the request as sent (quoted, so stray spaces show) and the outcome. Tokens masked. */
export function requestLogLine(peer: string, request: string, answer: Answer): string {
  return `${new Date().toISOString()} ${peer} ${quote(request)} -> ${outcome(answer)}`;
}

export function eventLogLine(peer: string, event: string): string {
  return `${new Date().toISOString()} ${peer} ${event}`;
}

function outcome(answer: Answer): string {
  switch (answer.kind) {
    case "study":
      return `study found, token ${maskToken(answer.token)}`;
    case "patient":
      return answer.studies.length === 1 ? "patient, 1 study" : `patient, ${answer.studies.length} studies`;
    case "unknown":
      return "unknown (empty reply)";
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);
}
