/**
 * The package's `main`: the protocol core, usable without Node-RED, the MLLP transport for HL7 v2, and the
 * simulator that stands in for a PACS.
 */
export * from "./sante";
export * from "./mllp";
export { startSimulator } from "./simulator";
export type { SimulatorOptions, RunningSimulator, SimPatient, SimStudy } from "./simulator";
