/**
 * A stand-in for Sante PACS Server's HL7 port, so integrators can build and
 * test flows before they have a PACS. It always serves the vendor document's
 * own examples (seed-data.ts) byte for byte.
 */
import { buildCatalog } from "./build-catalog";
import { serveCatalog } from "./server";
import type { RunningSimulator, SimulatorOptions } from "./types";

export type { RunningSimulator, SimAddedStudy, SimPatient, SimStudy, SimulatorOptions } from "./types";

/** Loads the data and listens. Rejects with SANTE_INVALID_INPUT (bad data) or SANTE_CONNECTION (cannot listen). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return serveCatalog(buildCatalog(options), options);
}
