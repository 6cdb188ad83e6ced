/**
 * The package's `main`: the protocol core, HL7 v2 reading and writing, the MLLP transport for HL7 v2 and a listener with its ACK policy, the waits
 * for studies that are not in the PACS yet, all usable without Node-RED, and the simulator that stands in for a PACS.
 */
export * from "./sante";
export * from "./hl7";
export * from "./mllp";
export { startSimulator } from "./simulator";
export type { SimulatorOptions, RunningSimulator, SimAddedStudy, SimPatient, SimStudy } from "./simulator";
export {
  WaitStore,
  WaitScheduler,
  parsePlan,
  formatPlan,
  parseDeadline,
  describePlan,
  DEFAULT_WAIT_PLAN,
  DEFAULT_WAIT_DEADLINE,
} from "./wait";
export type {
  WaitRecord,
  WaitPlan,
  WaitHandler,
  StartWait,
  GiveUpReason,
  StudyLookupFn,
  WaitSchedulerOptions,
  WaitStoreOptions,
} from "./wait";
export * from "./hl7-listener";
