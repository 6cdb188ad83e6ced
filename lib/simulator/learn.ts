import { maskToken } from "../errors";
import type { Catalog } from "./catalog";
import { dataError, makeEntry } from "./data-entry";
import { eventLogLine } from "./request-log";
import type { SimAddedStudy } from "./types";

/** One study to learn while serving, as given by the API or a line on the CLI's standard input. */
export interface StudyToLearn {
  patientId: unknown;
  studyInstanceUid: unknown;
  token?: unknown;
}

/** Checks the values as a data file's and adds the study; logs it (token masked). Throws SANTE_INVALID_INPUT naming `where`. */
export function learnStudy(
  catalog: Catalog,
  study: StudyToLearn,
  where: string,
  log: (line: string) => void,
): SimAddedStudy {
  const entry = makeEntry(study.patientId, study.studyInstanceUid, study.token, where);
  if (!entry.study) throw dataError(where, "a Study Instance UID is required");
  const learnt = catalog.learn(entry);
  if (!learnt) throw dataError(where, "a Study Instance UID is required");
  log(
    eventLogLine(
      "learnt",
      `study ${learnt.studyInstanceUid} of patient ${JSON.stringify(entry.patientId)}${learnt.added ? "" : " (known already)"}, token ${maskToken(learnt.token)}`,
    ),
  );
  return { patientId: entry.patientId, ...learnt };
}
