import { PATIENT_SIZES } from "./dataset";
import type { Mode, RowSpec } from "./row";
import { askPatient, askStudy, rawPolicyRow, rawRow } from "./rows-raw";
import { floorRow } from "./rows-floor";
import { coreRow } from "./rows-core";
import { nodePatientRow, nodeStudyRow } from "./rows-nodes";
import { peerRow } from "./rows-peer";
import { hl7ListenerRows } from "./rows-hl7";
import { e2eRows } from "./rows-e2e";

const MODES: Mode[] = ["per-lookup", "kept-open"];
const IN_FLIGHT = [1, 4, 16];
const PATIENT_IN_FLIGHT = 4;

/**
 * The default run. Each row sits next to its baseline so that both see the
 * same moment of a shared machine's load.
 */
export function defaultRows(): RowSpec[] {
  const rows: RowSpec[] = [];
  for (const mode of MODES) {
    for (const inFlight of IN_FLIGHT) {
      rows.push(rawRow("study", mode, inFlight, askStudy));
      if (mode === "per-lookup") rows.push(rawPolicyRow("study", inFlight, askStudy));
      rows.push(coreRow(mode, inFlight), nodeStudyRow(mode, inFlight, false));
      if (mode === "per-lookup") rows.push(nodeStudyRow(mode, inFlight, true));
      else rows.push(floorRow("function", inFlight), floorRow("echo", inFlight));
    }
  }
  for (const size of PATIENT_SIZES) {
    for (const mode of MODES) {
      rows.push({ ...rawRow(`patient${size}`, mode, PATIENT_IN_FLIGHT, (i) => askPatient(size, i)), once: true });
      rows.push({ ...nodePatientRow(size, mode, PATIENT_IN_FLIGHT), once: true });
    }
  }
  // Bursts and the peer say what happens, not how fast: once is enough.
  const once = (spec: RowSpec): RowSpec => ({ ...spec, once: true });
  rows.push(once(nodeStudyRow("per-lookup", "burst", false)), once(nodeStudyRow("kept-open", "burst", false)));
  rows.push(once(peerRow(1)), once(peerRow("burst")));
  rows.push(...hl7ListenerRows(), ...e2eRows());
  return rows;
}
