/**
 * What the HIS page shows of a message the simulated HIS received, read with the package's own HL7 reader
 * (lib/hl7 readHl7), as a HIS would file it: who, which order, which study, and the link. The paths follow the
 * ORU^R01 that `hl7 result` writes (IHE RAD-128 plus the link in an OBX of type RP), whatever code the link's
 * OBX-3 has.
 */
import { readHl7, RESULT_STUDY_UID_PATH } from "../lib/hl7";
import { EXAMPLE_PATIENT_ID_PATHS } from "./config";

export interface HisResult {
  /** When the HIS received it, ms since 1970. */
  receivedAt: number;
  /** MSH-9 and MSH-10 as written. */
  messageType: string;
  controlId: string;
  patientId: string;
  /** PID-5 as "FAMILY, Given". */
  patientName: string;
  /** Placer order number (ORC-2, else OBR-2) and accession number (OBR-18). */
  orderNumber: string;
  accessionNumber: string;
  /** OBX-5 of the OBX coded 113014 (DICOM Study). */
  studyInstanceUid: string;
  /** RP.1 of the first OBX of type RP, escape sequences decoded (`\T\` is `&` again). */
  link: string;
  /** The message as received, segments ended by CR. */
  message: string;
}

export const HIS_RESULT_PATHS = {
  messageType: "MSH-9",
  controlId: "MSH-10",
  patientId: EXAMPLE_PATIENT_ID_PATHS,
  familyName: "PID-5.1",
  givenName: "PID-5.2",
  orderNumber: "ORC-2.1,OBR-2.1",
  accessionNumber: "OBR-18.1",
  studyInstanceUid: RESULT_STUDY_UID_PATH,
  link: "OBX[2=RP]-5.1",
} as const;

/** The summary of one received message; a field the message lacks is "". */
export function readHisResult(message: string, receivedAt: number): HisResult {
  const read = (paths: string): string => {
    try {
      return readHl7(message, paths);
    } catch {
      // Not there (or not HL7 at all): the page shows a dash.
      return "";
    }
  };
  const name = [read(HIS_RESULT_PATHS.familyName), read(HIS_RESULT_PATHS.givenName)].filter((s) => s !== "");
  return {
    receivedAt,
    messageType: read(HIS_RESULT_PATHS.messageType),
    controlId: read(HIS_RESULT_PATHS.controlId),
    patientId: read(HIS_RESULT_PATHS.patientId),
    patientName: name.join(", "),
    orderNumber: read(HIS_RESULT_PATHS.orderNumber),
    accessionNumber: read(HIS_RESULT_PATHS.accessionNumber),
    studyInstanceUid: read(HIS_RESULT_PATHS.studyInstanceUid),
    link: read(HIS_RESULT_PATHS.link),
    message,
  };
}

/**
 * A line of the results file read back: the summary is read again from the message it keeps (the other fields are
 * there for people reading the file). Undefined for a line that is not a result.
 */
export function parseHisResult(line: string): HisResult | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { receivedAt, message } = value as Record<string, unknown>;
  if (typeof receivedAt !== "number" || typeof message !== "string") return undefined;
  return readHisResult(message, receivedAt);
}
