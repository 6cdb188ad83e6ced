/**
 * The studies and patients the benchmark asks about, generated the same way in
 * the simulator's process and in the bench's, so each side knows every token
 * without asking: a reply is correct when it is the token made here.
 */

/** Which set a study belongs to; the leading digit of its UID's last component. */
export type StudySpace = 1 | 2 | 3;

/** Studies for study lookups (one distinct UID per lookup in a row). */
export const POOL_SPACE: StudySpace = 1;
/** Patients with 5 and with 50 studies, for patient lookups. */
export const PATIENT_SIZES = [5, 50] as const;
export type PatientSize = (typeof PATIENT_SIZES)[number];
/** Patients of each size; lookups cycle through them (the client keeps no patient cache by default). */
export const PATIENTS_PER_SIZE = 200;
/** Studies of the pool filed under one patient (only so the simulator's data stays compact). */
const POOL_STUDIES_PER_PATIENT = 100;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function space(size: PatientSize): StudySpace {
  return size === 5 ? 2 : 3;
}

/** "2.25.<space>", made once: each UID then holds its digits and a reference to this, not a prefix of its own. */
const UID_PREFIX = { 1: "2.25.1", 2: "2.25.2", 3: "2.25.3" } as const;

/** A valid Study Instance UID under 2.25 (digits and dots, no leading zero). */
export function studyUid(where: StudySpace, index: number): string {
  return UID_PREFIX[where] + String(index).padStart(9, "0");
}

/** A 64-character [A-Za-z0-9] token like the vendor's, fixed for (space, index). */
export function studyToken(where: StudySpace, index: number): string {
  // xorshift32: cheap and deterministic; quality does not matter, distinctness does.
  let x = (where * 1_000_003 + index * 2_654_435_761 + 1) >>> 0 || 1;
  let token = "";
  for (let k = 0; k < 64; k++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    token += ALPHABET[x % ALPHABET.length];
  }
  return token;
}

export function poolUid(index: number): string {
  return studyUid(POOL_SPACE, index);
}

export function poolToken(index: number): string {
  return studyToken(POOL_SPACE, index);
}

export function patientId(size: PatientSize, index: number): string {
  return `BENCH${size}-${String(index % PATIENTS_PER_SIZE).padStart(4, "0")}`;
}

function makeStudies(size: PatientSize, p: number): { studyInstanceUid: string; token: string }[] {
  const studies = [];
  for (let s = 0; s < size; s++) {
    const i = p * size + s;
    studies.push({ studyInstanceUid: studyUid(space(size), i), token: studyToken(space(size), i) });
  }
  return studies;
}

// Made once: checking a 50-study answer must not cost the bench more than the lookup costs the code measured.
const patients = new Map<PatientSize, { studies: { studyInstanceUid: string; token: string }[]; reply: Buffer }[]>();

function patient(
  size: PatientSize,
  index: number,
): { studies: { studyInstanceUid: string; token: string }[]; reply: Buffer } {
  let all = patients.get(size);
  if (!all) {
    all = Array.from({ length: PATIENTS_PER_SIZE }, (_, p) => {
      const studies = makeStudies(size, p);
      return { studies, reply: patientReply(studies) };
    });
    patients.set(size, all);
  }
  return all[index % PATIENTS_PER_SIZE];
}

/** The studies of patient `index` (mod PATIENTS_PER_SIZE) of that size, in the order the PACS lists them. */
export function patientStudies(
  size: PatientSize,
  index: number,
): readonly { studyInstanceUid: string; token: string }[] {
  return patient(size, index).studies;
}

/** The exact reply bytes for that patient. */
export function patientReplyOf(size: PatientSize, index: number): Buffer {
  return patient(size, index).reply;
}

export interface SimData {
  patientId: string;
  studies: { studyInstanceUid: string; token: string }[];
}

/** Everything the simulator serves: `poolSize` pool studies and the patients of each size. */
export function simulatorData(poolSize: number): SimData[] {
  const data: SimData[] = [];
  for (let first = 0; first < poolSize; first += POOL_STUDIES_PER_PATIENT) {
    const studies = [];
    for (let i = first; i < Math.min(poolSize, first + POOL_STUDIES_PER_PATIENT); i++) {
      studies.push({ studyInstanceUid: poolUid(i), token: poolToken(i) });
    }
    data.push({ patientId: `BENCHPOOL-${first / POOL_STUDIES_PER_PATIENT}`, studies });
  }
  for (const size of PATIENT_SIZES) {
    for (let p = 0; p < PATIENTS_PER_SIZE; p++)
      data.push({ patientId: patientId(size, p), studies: makeStudies(size, p) });
  }
  return data;
}

/** The exact bytes the PACS sends for a study lookup: 0x10 token 0x0D. */
export function studyReply(token: string): Buffer {
  return Buffer.from(`\x10${token}\r`, "latin1");
}

/** The exact bytes for a patient lookup: 0x10, UID 0x0D token 0x0D per study, then 0x0D. */
export function patientReply(studies: readonly { studyInstanceUid: string; token: string }[]): Buffer {
  return Buffer.from(`\x10${studies.map((s) => `${s.studyInstanceUid}\r${s.token}\r`).join("")}\r`, "latin1");
}
