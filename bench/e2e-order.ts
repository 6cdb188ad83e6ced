/**
 * What the end-to-end rows send and what their HIS expects back. An order is an ORU^R01 (a signed report: the
 * images are in the PACS) of about 0.8 KB for pool study `index`: its number `ORD<index>` in ORC-2 and OBR-2, the
 * study's UID in an OBX 113014 (the study node reads it with `OBX[3.1=113014]-5`). The result the flow builds from
 * it carries the order number (ORC-2) back, so the HIS knows which order it answers and which link is right.
 */
import { parseHl7Message, parseHl7PathList, RESULT_STUDY_UID_PATH, type ParsedHl7 } from "../lib/hl7";
import { selectHl7Value } from "../lib/hl7/select";
import { viewerUrl } from "../lib/sante";
import { poolToken, poolUid } from "./dataset";

/** The viewer host the bench's PACS config node puts into links (webHost). */
export const E2E_VIEWER_HOST = "viewer.bench.example";
/** The Study Instance UID's path in the order, as the study token node is set up. */
export const E2E_UID_PATH = RESULT_STUDY_UID_PATH;

export function e2eOrder(controlId: string, index: number): string {
  const order = `ORD${index}`;
  return (
    `MSH|^~\\&|RIS|GENERAL_HOSPITAL|SANTE_PACS|RADIOLOGY|20240115103000||ORU^R01^ORU_R01|${controlId}|P|2.5.1\r` +
    `PID|1||MRN${index % 100_000}^^^GENERAL_HOSPITAL^MR||DOE^JANE^Q||19700101|F|||1 MAIN ST^^SPRINGFIELD^^12345\r` +
    "PV1|1|O|RAD^CT1^01||||1234^SMITH^JOHN^^^DR\r" +
    `ORC|RE|${order}|ACC${index}||CM\r` +
    `OBR|1|${order}|ACC${index}|CTCHEST^CT chest^L|||20240115100000|||||||||1234^SMITH^JOHN^^^DR||ACC${index}||||20240115103000||CT|F\r` +
    `OBX|1|ST|113014^DICOM Study^DCM||${poolUid(index)}||||||F\r` +
    "OBX|2|TX|REPORT^Report^L||No acute cardiopulmonary findings. Heart size normal. Lungs clear.||||||F\r"
  );
}

const [ORDER_NUMBER, STUDY, LINK] = ["ORC-2", RESULT_STUDY_UID_PATH, "OBX[3.1=SANTE_LINK]-5.1"].map(
  (p) => parseHl7PathList(p)[0],
);

/** The order number of a result (ORC-2, as the result node copies it) as the pool index, or undefined. */
export function orderIndexOf(result: string | ParsedHl7): number | undefined {
  const msg = typeof result === "string" ? parseHl7Message(result) : result;
  const m = /^ORD(\d+)$/.exec(selectHl7Value(msg, ORDER_NUMBER));
  return m ? Number(m[1]) : undefined;
}

/** Why `result` is not the right one for the order it names, or undefined when it is. */
export function checkResult(result: string): string | undefined {
  const msg = parseHl7Message(result);
  const index = orderIndexOf(msg);
  if (index === undefined) return "no order number ORD<n> in ORC-2";
  if (selectHl7Value(msg, STUDY) !== poolUid(index)) return `not the study of ORD${index}`;
  const expected = viewerUrl({ host: E2E_VIEWER_HOST, token: poolToken(index) });
  if (selectHl7Value(msg, LINK) !== expected) return `not the link of ORD${index}`;
  return undefined;
}
