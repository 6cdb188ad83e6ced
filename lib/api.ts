/**
 * The package's `main`: the protocol core, usable without Node-RED, and the
 * simulator that stands in for a PACS.
 */
export * from "./sante";
export { startSimulator } from "./simulator";
export type { SimulatorOptions, RunningSimulator, SimPatient, SimStudy } from "./simulator";
