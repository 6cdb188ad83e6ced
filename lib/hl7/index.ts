/**
 * HL7 v2 without Node-RED: reading values by field path (the nodes' `hl7` input type), the header of a received
 * message, and writing messages safely: the acknowledgement and the result message that carries a viewer link.
 */
export { readHl7 } from "./read";
export { parseHl7PathList, isValidHl7PathList } from "./path";
export type { Hl7Path, Hl7SegmentSelector, Hl7RepetitionSelector } from "./path";
export { STUDY_INSTANCE_UID_PATHS, PATIENT_ID_PATHS, RESULT_STUDY_UID_PATH } from "./well-known-paths";
export { parseHl7Message } from "./message";
export type { Hl7Delimiters, Hl7Segment, ParsedHl7 } from "./message";
export { readHl7Header, hl7VersionBefore, messageTypeText } from "./header";
export type { Hl7Header, Hl7HierarchicDesignator, Hl7Designator } from "./header";
export { escapeHl7Text, decodeHl7Escapes } from "./escape";
export { writeHl7Message, writeHl7Segment, writeHl7Field, writeDelimiters, STANDARD_DELIMITERS } from "./write";
export type {
  Hl7Field,
  Hl7Fields,
  Hl7Component,
  Hl7Repetition,
  Hl7Repeated,
  Hl7SegmentValues,
  Hl7WriteDelimiters,
} from "./write";
export { copyField, copySegment } from "./copy";
export { createControlIdGenerator, derivedControlId, nextControlId } from "./control-id";
export type { ControlIdGenerator, ControlIdOptions } from "./control-id";
export { hl7Timestamp } from "./timestamp";
export { buildAck, ackRequested, wantsEnhancedAck, ACK_CODES, HL7_ERROR_CODES } from "./ack";
export type { AckCode, AckError, AckOptions } from "./ack";
export { buildResultMessage, DEFAULT_LINK_CODE } from "./result";
export type { ResultMessageOptions, StudyLinkResult, Hl7CodedValue } from "./result";
