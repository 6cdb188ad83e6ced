import { CatalogBuilder } from "../../lib/simulator/catalog";
import type { DataEntry } from "../../lib/simulator/data-entry";
import { readDataFile } from "../../lib/simulator/data-file";
import type { SimPatient } from "../../lib/simulator";

/**
 * A simulator data file's patients (studies in file order), checked as startSimulator() checks them (also against
 * the vendor examples), without listening: the data-file tests read what the simulator would serve.
 */
export function loadSimulatorData(path: string): SimPatient[] {
  const entries = readDataFile(path);
  new CatalogBuilder().addSeed().addEntries(entries);
  return groupByPatient(entries);
}

function groupByPatient(entries: readonly DataEntry[]): SimPatient[] {
  const patients = new Map<string, SimPatient>();
  const seen = new Set<string>();
  for (const { patientId, study } of entries) {
    let patient = patients.get(patientId);
    if (!patient) patients.set(patientId, (patient = { patientId, studies: [] }));
    if (study && !seen.has(study.studyInstanceUid)) {
      seen.add(study.studyInstanceUid);
      patient.studies.push({ ...study });
    }
  }
  return [...patients.values()];
}
