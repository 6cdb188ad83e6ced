import { createHash } from "node:crypto";
import { SanteError } from "../errors";
import type { SimPatient, SimStudy } from "./types";

/** More would only use memory: the simulator keeps every study in a Map. */
const MAX_SYNTHETIC_PATIENTS = 1_000_000;
// Changing this changes every synthetic UID, which integrators may have put in test flows: don't.
const NAMESPACE = "sante-pacs-simulator/synthetic/v1:";

/**
 * `count` made-up patients, the same in every run: SIM000001, SIM000002, …,
 * each with 1 to 5 studies. Tokens are left out, so they are derived.
 */
export function syntheticPatients(count: number): SimPatient[] {
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_SYNTHETIC_PATIENTS) {
    throw new SanteError(
      "SANTE_INVALID_INPUT",
      `synthetic patient count must be a whole number from 0 to ${MAX_SYNTHETIC_PATIENTS}, got ${String(count)}`,
    );
  }
  const patients: SimPatient[] = [];
  for (let n = 1; n <= count; n++) {
    const patientId = `SIM${String(n).padStart(6, "0")}`;
    const studyCount = 1 + (digest(patientId)[0] % 5);
    const studies: SimStudy[] = [];
    for (let s = 1; s <= studyCount; s++) studies.push({ studyInstanceUid: uuidDerivedUid(`${patientId}/${s}`) });
    patients.push({ patientId, studies });
  }
  return patients;
}

/**
 * A UID under 2.25, the root DICOM PS3.5 §B.2 gives anyone for UIDs made from
 * a UUID, so the simulator needs no registered root. The UUID is name-based
 * (RFC 9562 v8 layout from a SHA-256 of the name): stable, and at most
 * 2.25. + 39 digits = 44 characters, within the 64 allowed.
 */
function uuidDerivedUid(name: string): string {
  const bytes = digest(name).subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC variant
  return `2.25.${BigInt(`0x${bytes.toString("hex")}`).toString(10)}`;
}

function digest(name: string): Buffer {
  return createHash("sha256")
    .update(NAMESPACE + name, "utf8")
    .digest();
}
