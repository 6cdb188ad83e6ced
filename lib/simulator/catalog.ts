import type { StudyEntry } from "../sante/framing";
import { dataError, DataEntry } from "./data-entry";
import { SEED_PATIENTS } from "./seed-data";
import { deriveToken } from "./tokens";

/** What the simulator answers to one request text. */
export type Answer =
  | { kind: "study"; studyInstanceUid: string; token: string }
  | { kind: "patient"; patientId: string; studies: readonly StudyEntry[] }
  | { kind: "unknown" };

interface StudyRecord {
  uid: string;
  patientId: string;
  /** Absent until first needed: deriving tokens for many synthetic studies up front would slow start-up. */
  token?: string;
  seed: boolean;
  where: string;
}

interface PatientRecord {
  studies: StudyRecord[];
  /** Built on the first request for the patient. */
  reply?: StudyEntry[];
  seed: boolean;
  where: string;
}

/** What adding one entry did. */
export interface Learnt {
  studyInstanceUid: string;
  token: string;
  /** false: the study was known already (same patient, same or no token). */
  added: boolean;
}

/**
 * The patients and studies one simulator serves. Built from the vendor examples and data files, and it can learn
 * studies while the simulator runs (images arriving after the order), under the same rules as the data files.
 */
export class Catalog {
  private readonly studies = new Map<string, StudyRecord>();
  private readonly patients = new Map<string, PatientRecord>();

  get patientCount(): number {
    return this.patients.size;
  }

  get studyCount(): number {
    return this.studies.size;
  }

  /** Study Instance UIDs are looked up first, as the vendor document lists them first. */
  answer(request: string): Answer {
    const study = this.studies.get(request);
    if (study) return { kind: "study", studyInstanceUid: request, token: tokenOf(study) };
    const patient = this.patients.get(request);
    if (patient) {
      patient.reply ??= patient.studies.map((s) => ({ studyInstanceUid: s.uid, token: tokenOf(s) }));
      return { kind: "patient", patientId: request, studies: patient.reply };
    }
    return { kind: "unknown" };
  }

  /**
   * Adds one validated entry (data-entry.ts) while serving: the rules of data files, and a Patient ID may not also be
   * a Study Instance UID here. Nothing changes when it throws (SANTE_INVALID_INPUT naming `entry.where`).
   */
  learn(entry: DataEntry): Learnt | undefined {
    if (this.studies.has(entry.patientId)) {
      throw dataError(entry.where, `Patient ID "${entry.patientId}" is a Study Instance UID here`);
    }
    const uid = entry.study?.studyInstanceUid;
    if (uid !== undefined && this.patients.has(uid)) {
      throw dataError(entry.where, `Study Instance UID ${uid} is a Patient ID here`);
    }
    return this.add(entry, false);
  }

  /** Adds one entry under the rules in data-file.ts; checks everything before changing anything. */
  add({ patientId, study, where }: DataEntry, seed: boolean): Learnt | undefined {
    const patient = this.patients.get(patientId);
    if (!study) {
      if (!patient) this.patients.set(patientId, { studies: [], seed, where });
      return undefined;
    }
    const uid = study.studyInstanceUid;
    const known = this.studies.get(uid);
    if (known) {
      if (known.patientId !== patientId) {
        throw dataError(where, `study ${uid} already belongs to patient "${known.patientId}" (${known.where})`);
      }
      if (study.token !== undefined && study.token !== tokenOf(known)) {
        throw dataError(
          where,
          known.seed
            ? `study ${uid} is the vendor document's example; its token cannot be redefined`
            : `study ${uid} already has a different token (${known.where})`,
        );
      }
      return { studyInstanceUid: uid, token: tokenOf(known), added: false };
    }
    if (patient?.seed && !seed) {
      throw dataError(where, `patient "${patientId}" is the vendor document's example; it cannot get more studies`);
    }
    const record: StudyRecord = { uid, patientId, token: study.token, seed, where };
    this.studies.set(uid, record);
    if (patient) {
      patient.studies.push(record);
      patient.reply = undefined;
    } else {
      this.patients.set(patientId, { studies: [record], seed, where });
    }
    return { studyInstanceUid: uid, token: tokenOf(record), added: true };
  }

  /** The check a finished data set must pass (entries came in any order, so it runs once at the end). */
  checkIdsDisjoint(): void {
    for (const [patientId, patient] of this.patients) {
      if (this.studies.has(patientId)) {
        throw dataError(
          patient.where,
          `Patient ID "${patientId}" is also a Study Instance UID here, so a request for it would only ever get the study's token`,
        );
      }
    }
  }
}

function tokenOf(study: StudyRecord): string {
  return (study.token ??= deriveToken(study.uid));
}

/** Merges the sources in order; the rules are documented in data-file.ts. */
export class CatalogBuilder {
  private readonly catalog = new Catalog();

  addSeed(): this {
    for (const { patientId, studies } of SEED_PATIENTS) {
      for (const study of studies) this.catalog.add({ patientId, study, where: "vendor example" }, true);
    }
    return this;
  }

  addEntries(entries: Iterable<DataEntry>): this {
    for (const entry of entries) this.catalog.add(entry, false);
    return this;
  }

  build(): Catalog {
    this.catalog.checkIdsDisjoint();
    return this.catalog;
  }
}
