/**
 * Simulator data files. The format is chosen by the extension (.json or .csv,
 * any case). Whatever a file holds is served in addition to the vendor
 * document's examples (seed-data.ts), which are always there.
 *
 * JSON:
 *   { "patients": [ { "patientId": "P1",
 *                     "studies": [ { "studyInstanceUid": "1.2.3", "token": "optional" } ] } ] }
 *   A bare array of patients is accepted too. No other fields are allowed (a
 *   misspelt "token" would otherwise be ignored silently). A patient may have
 *   "studies": [] (answered like an unknown patient: 0x10 0x0D).
 *
 * CSV (UTF-8, optional BOM, comma-separated, fields may be "quoted"):
 *   patientId,studyInstanceUid,token
 *   P1,1.2.3,
 *   P1,1.2.4,MyOwnToken
 *   The header is required; the token column may be left out or left empty.
 *   One row per study; a patient's studies are answered in file order, even
 *   when its rows are not next to each other. Blank lines are skipped.
 *
 * Both: Patient IDs and Study Instance UIDs must pass validatePatientId /
 * validateStudyInstanceUid (lib/sante/validate.ts); surrounding spaces are
 * trimmed. A study without a token gets one derived from its UID (64
 * characters of [A-Za-z0-9], the same in every run). A token has no control
 * characters or spaces. A study UID may appear again only under the same
 * patient and with the same token or none. A vendor example's study cannot
 * get another token or patient, and a vendor example's patient cannot get
 * more studies (its exchange must stay byte for byte the document's). A bad
 * entry is a SanteError (SANTE_INVALID_INPUT) naming the file and line.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { SanteError } from "../errors";
import { parseCsvData } from "./data-csv";
import type { DataEntry } from "./data-entry";
import { parseJsonData } from "./data-json";

/** Reads a data file into entries; errors name the file and line. */
export function readDataFile(path: string): DataEntry[] {
  const ext = extname(path).toLowerCase();
  if (ext !== ".json" && ext !== ".csv") {
    throw new SanteError("SANTE_INVALID_INPUT", `${path}: simulator data files must end in .json or .csv`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new SanteError("SANTE_INVALID_INPUT", `cannot read simulator data file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return ext === ".json" ? parseJsonData(text, path) : parseCsvData(text, path);
}
