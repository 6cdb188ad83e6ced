import { SanteError } from "../errors";
import { validatePatientId, validateStudyInstanceUid } from "../sante/validate";
import type { SimStudy } from "./types";

/**
 * One patient–study pair from any data source, with where it came from so
 * that errors can point at the file line or array index. `study` is absent
 * for a patient listed with no studies.
 */
export interface DataEntry {
  patientId: string;
  study?: SimStudy;
  where: string;
}

// Far above any real token; keeps a patient reply well under a client's frame limit.
const MAX_TOKEN_LENGTH = 1024;

export function dataError(where: string, message: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", `${where}: ${message}`);
}

/** Validates raw values (as read from a file or array) into an entry; throws naming `where`. */
export function makeEntry(patientId: unknown, studyInstanceUid: unknown, token: unknown, where: string): DataEntry {
  const id = checked(where, () => validatePatientId(patientId));
  if (isBlank(studyInstanceUid)) {
    if (!isBlank(token)) throw dataError(where, "a token is given without a Study Instance UID");
    return { patientId: id, where };
  }
  const study: SimStudy = { studyInstanceUid: checked(where, () => validateStudyInstanceUid(studyInstanceUid)) };
  if (!isBlank(token)) study.token = checkToken(token, where);
  return { patientId: id, study, where };
}

function checkToken(token: unknown, where: string): string {
  if (typeof token !== "string") throw dataError(where, `token must be a string, got ${typeof token}`);
  const text = token.trim();
  if (/[\x00-\x1f\x7f]/.test(text)) throw dataError(where, "token contains a control character");
  if (/\s/.test(text)) throw dataError(where, "token contains white space");
  if (text.length > MAX_TOKEN_LENGTH) throw dataError(where, `token is longer than ${MAX_TOKEN_LENGTH} characters`);
  return text;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

function checked(where: string, validate: () => string): string {
  try {
    return validate();
  } catch (err) {
    throw dataError(where, (err as Error).message);
  }
}
