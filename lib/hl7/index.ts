/** Reads values out of HL7 v2 messages by field path (syntax: see path.ts): the nodes' `hl7` input type. */
export { readHl7 } from "./read";
export { parseHl7PathList, isValidHl7PathList } from "./path";
export type { Hl7Path, Hl7SegmentSelector, Hl7RepetitionSelector } from "./path";
export { STUDY_INSTANCE_UID_PATHS, PATIENT_ID_PATHS } from "./well-known-paths";
