/**
 * The package's `main`: the protocol core, HL7 v2 reading and writing, the MLLP transport for HL7 v2, all usable
 * without Node-RED, and the simulator that stands in for a PACS.
 */
export * from "./sante";
export * from "./hl7";
export * from "./mllp";
// Both lib/hl7 (which writes MSA-1) and lib/mllp export the acknowledgement codes: name the one the API gives.
export { ACK_CODES, type AckCode } from "./hl7";
export { startSimulator } from "./simulator";
export type { SimulatorOptions, RunningSimulator, SimPatient, SimStudy } from "./simulator";
