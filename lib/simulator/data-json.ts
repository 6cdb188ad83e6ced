import { dataError, DataEntry, makeEntry } from "./data-entry";

const PATIENT_KEYS = ["patientId", "studies"];
const STUDY_KEYS = ["studyInstanceUid", "token"];

/** See data-file.ts for the format. `name` is the file name used in errors. */
export function parseJsonData(text: string, name: string): DataEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw dataError(withPosition(name, text, err as Error), `not valid JSON: ${(err as Error).message}`);
  }
  const patients = isObject(doc) && !Array.isArray(doc) ? doc.patients : doc;
  if (!Array.isArray(patients)) {
    throw dataError(name, 'expected { "patients": [ … ] } or an array of patients');
  }
  return patientsToEntries(patients, (path, value) => locate(name, text, path, value), "patients");
}

/** The same checks for patients given as an array in the API; errors name `data[i]…`. */
export function arrayToEntries(patients: unknown): DataEntry[] {
  if (!Array.isArray(patients)) throw dataError("data", "expected an array of patients or a file path");
  return patientsToEntries(patients, (path) => path, "data");
}

type Locate = (path: string, value?: unknown) => string;

function patientsToEntries(patients: unknown[], where: Locate, root: string): DataEntry[] {
  const entries: DataEntry[] = [];
  patients.forEach((patient, p) => {
    const path = `${root}[${p}]`;
    if (!isObject(patient) || Array.isArray(patient)) throw dataError(where(path), "a patient must be an object");
    checkKeys(patient, PATIENT_KEYS, where(path));
    const studies = patient.studies ?? [];
    if (!Array.isArray(studies)) throw dataError(where(`${path}.studies`), "studies must be an array");
    if (studies.length === 0)
      entries.push(makeEntry(patient.patientId, undefined, undefined, where(path, patient.patientId)));
    studies.forEach((study, s) => {
      const studyPath = `${path}.studies[${s}]`;
      if (!isObject(study) || Array.isArray(study)) throw dataError(where(studyPath), "a study must be an object");
      checkKeys(study, STUDY_KEYS, where(studyPath));
      if (study.studyInstanceUid === undefined) throw dataError(where(studyPath), "studyInstanceUid is missing");
      entries.push(
        makeEntry(patient.patientId, study.studyInstanceUid, study.token, where(studyPath, study.studyInstanceUid)),
      );
    });
  });
  return entries;
}

// A misspelt "token" would otherwise be ignored silently and a derived token served instead.
function checkKeys(object: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw dataError(where, `unknown field "${key}" (expected ${allowed.join(", ")})`);
  }
}

/**
 * JSON.parse keeps no positions, so the line is found by searching the text
 * for the value; it is given only when the value occurs exactly once there.
 */
function locate(name: string, text: string, path: string, value?: unknown): string {
  if (typeof value === "string" && value !== "") {
    const needle = JSON.stringify(value);
    const first = text.indexOf(needle);
    if (first !== -1 && text.indexOf(needle, first + 1) === -1) return `${name} line ${lineOf(text, first)} (${path})`;
  }
  return `${name} (${path})`;
}

function withPosition(name: string, text: string, err: Error): string {
  const match = /at position (\d+)/.exec(err.message);
  return match ? `${name} line ${lineOf(text, Number(match[1]))}` : name;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
