/**
 * What the wait benchmarks store: an ORM^O01 of about 1.2 KB as an MLLP listener passes it on, and a wait for its
 * study on the default plan. Shared by bench/wait-store.ts (the store alone) and bench/wait-nodes.ts (the nodes).
 */
import { DEFAULT_WAIT_PLAN } from "../lib/wait/plan";

export const ORDER =
  "MSH|^~\\&|RIS|RADIOLOGY|PACS|HOSPITAL|20260105080000||ORM^O01|ORM000001|P|2.3.1\r" +
  "PID|1||ID200631zw609^^^HOSP^MR||DOE^JANE^Q||19700101|F|||1 MAIN ST^^SPRINGFIELD^^12345||555-0100\r" +
  "PV1|1|O|RAD^CT1^01||||1234^SMITH^JOHN^^^DR|||||||||||V000123|||||||||||||||||||||||||20260105075500\r" +
  "ORC|NW|ORD000001|ACC000001||SC||1^ONCE^^20260105080000^^R||20260105080000|||1234^SMITH^JOHN^^^DR\r" +
  "OBR|1|ORD000001|ACC000001|CTHEAD^CT HEAD WITHOUT CONTRAST^L|||20260105080000|||||||||1234^SMITH^JOHN^^^DR||ACC000001|RP000001|SPS000001||||CT|||1^ONCE^^20260105080000^^R\r" +
  "NTE|1||Patient reports headache for three days; rule out haemorrhage.\r" +
  "ZDS|1.2.826.0.1.3680043.8.498.{n}^^Application^DICOM\r";

/** The Study Instance UID of order `n` (in its ZDS-1). */
export function benchUid(n: number): string {
  return `1.2.826.0.1.3680043.8.498.${n}`;
}

export function benchMessage(n: number): Record<string, unknown> {
  return {
    _msgid: `bench${n.toString(16).padStart(10, "0")}`,
    payload: ORDER.replace("{n}", String(n)),
    topic: "ORM^O01",
    ip: "10.1.2.3",
    port: 2576,
    sante: { studyInstanceUid: benchUid(n) },
  };
}

/** A wait for order `n`, its next attempt a minute or so away (spread over 60 s). */
export function benchWait(n: number, nodeId: string) {
  const now = Date.now();
  return {
    nodeId,
    studyInstanceUid: benchUid(n),
    messageId: `ORM${n}`,
    plan: DEFAULT_WAIT_PLAN,
    deadline: now + 3 * 86_400_000,
    nextAttemptAt: now + 60_000 + (n % 600) * 100,
    createdAt: now,
  };
}
