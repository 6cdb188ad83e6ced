import { SanteError } from "../errors";

const MAX_LENGTH = 64;
// DICOM PS3.5 §9.1 forbids leading zeros in a component, but real modalities
// send them and the PACS stores what it got, so they are let through.
const UID = /^[0-9]+(\.[0-9]+)*$/;
// DICOM VR LO: no backslash, no control characters. This also keeps 0x10 and
// 0x0D out, so a Patient ID can never break the request frame.
const FORBIDDEN_IN_ID = /[\x00-\x1f\x7f\\]/;

/** Returns the UID to send, trimmed; throws SANTE_INVALID_INPUT with the reason. */
export function validateStudyInstanceUid(value: unknown): string {
  const uid = asText(value, "Study Instance UID");
  if (uid.length > MAX_LENGTH)
    throw invalid(`Study Instance UID is ${uid.length} characters long; the limit is ${MAX_LENGTH}`);
  if (!UID.test(uid)) {
    throw invalid(
      `Study Instance UID "${preview(uid)}" is not digits separated by single dots (no leading, trailing or double dot)`,
    );
  }
  return uid;
}

/** Returns the Patient ID to send, trimmed; throws SANTE_INVALID_INPUT with the reason. */
export function validatePatientId(value: unknown): string {
  const id = asText(value, "Patient ID");
  if (id.length > MAX_LENGTH) throw invalid(`Patient ID is ${id.length} characters long; the limit is ${MAX_LENGTH}`);
  if (FORBIDDEN_IN_ID.test(id))
    throw invalid(`Patient ID "${preview(id)}" contains a control character or a backslash`);
  return id;
}

function asText(value: unknown, what: string): string {
  let text: string;
  if (typeof value === "string") text = value;
  else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) text = String(value);
  else if (Buffer.isBuffer(value)) text = value.toString("utf8");
  else throw invalid(`${what} must be a string, got ${describe(value)}`);
  text = text.trim();
  if (text === "") throw invalid(`${what} is empty`);
  return text;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

/** Enough of a bad value to recognise it in a log, with control characters made visible. */
function preview(text: string): string {
  const shown = text.length > 70 ? `${text.slice(0, 70)}…` : text;
  return shown.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function invalid(message: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", message);
}
