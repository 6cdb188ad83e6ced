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

/** The patients and studies one simulator serves; its answers never change once built. */
export class Catalog {
  constructor(
    private readonly studies: ReadonlyMap<string, StudyRecord>,
    private readonly patients: ReadonlyMap<string, PatientRecord>,
  ) {}

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
}

function tokenOf(study: StudyRecord): string {
  return (study.token ??= deriveToken(study.uid));
}

/** Merges the sources in order; the rules are documented in data-file.ts. */
export class CatalogBuilder {
  private readonly studies = new Map<string, StudyRecord>();
  private readonly patients = new Map<string, PatientRecord>();

  addSeed(): this {
    for (const { patientId, studies } of SEED_PATIENTS) {
      for (const study of studies) this.add({ patientId, study, where: "vendor example" }, true);
    }
    return this;
  }

  addEntries(entries: Iterable<DataEntry>): this {
    for (const entry of entries) this.add(entry, false);
    return this;
  }

  build(): Catalog {
    for (const [patientId, patient] of this.patients) {
      if (this.studies.has(patientId)) {
        throw dataError(
          patient.where,
          `Patient ID "${patientId}" is also a Study Instance UID here, so a request for it would only ever get the study's token`,
        );
      }
    }
    return new Catalog(this.studies, this.patients);
  }

  private add({ patientId, study, where }: DataEntry, seed: boolean): void {
    let patient = this.patients.get(patientId);
    if (!patient) this.patients.set(patientId, (patient = { studies: [], seed, where }));
    if (!study) return;
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
      return;
    }
    if (patient.seed && !seed) {
      throw dataError(where, `patient "${patientId}" is the vendor document's example; it cannot get more studies`);
    }
    const record: StudyRecord = { uid, patientId, token: study.token, seed, where };
    this.studies.set(uid, record);
    patient.studies.push(record);
  }
}
