/**
 * Issue 12's reliability acceptance, in a real Node-RED process: orders come in over MLLP to example 01's chain, set
 * up as the example ships it (hl7 in → study token → viewer link → hl7 result → hl7 send → hl7 reply, a Catch to the
 * reply), and the results go to a HIS in this process. Node-RED is killed with SIGKILL while orders are in flight and started again on the same
 * user directory and MLLP port; the sending client resends, unchanged, every order it has no AA for, until all are
 * acknowledged. Then: every order acknowledged AA, every order's result at the HIS with its own study's link, and
 * results that came twice only for orders that were in flight at the kill, and then under the same MSH-10 (the result
 * node derives it from the order's), so that a HIS that drops duplicates by MSH-10 takes each order's result once.
 *
 * The kill is timed by the HIS: it fires when the HIS takes result number KILL_AT, which it then leaves unanswered
 * (as the crash would have lost its ACK). So one order at least is in the window the issue asks to count, its
 * result at the HIS and its ACK not yet at the sender, and its resend gives the HIS that result a second time.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readExamples, type FlowNode } from "../demo/flows";
import { readHisResult } from "../demo/his-result";
import { isSanteError } from "../lib/errors";
import { MllpClient } from "../lib/mllp";
import { viewerUrl } from "../lib/sante";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { freePort } from "./helpers/fault-server";
import { startFakeHis, type FakeHis } from "./helpers/hl7-his";
import { packageRoot } from "./helpers/nr-package";
import { startNodeRed, type NodeRedProcess } from "./helpers/nr-process";

const ORDERS = 300;
/** Sender connections, each with one order in flight, as HL7 senders work. */
const CONNECTIONS = 4;
/** The HIS's result that sets off the kill: a third of the way through. */
const KILL_AT = 100;
const PATIENT = "MRN-HL7-SIGKILL";
const uid = (n: number) => `1.2.826.0.1.3680043.8.498.1212.${n}`;
const orderNumber = (n: number) => `ORD${n}`;

/** An ORM^O01 for study n, its UID in ZDS-1 as examples/data/orm-o01.hl7 has it; its own MSH-10. */
function order(n: number): string {
  return (
    `MSH|^~\\&|RIS|GENERAL_HOSPITAL|SANTE_PACS|RADIOLOGY|20240115103000||ORM^O01^ORM_O01|SK${String(n).padStart(6, "0")}|P|2.5.1\r` +
    `PID|1||${PATIENT}^^^GENERAL_HOSPITAL^MR||DOE^JANE||19700101|F\r` +
    "PV1|1|O\r" +
    `ORC|NW|${orderNumber(n)}|ACC${n}||SC\r` +
    `OBR|1|${orderNumber(n)}|ACC${n}|CTCHEST^CT chest^L|||20240115103000\r` +
    `ZDS|${uid(n)}^RIS^Application^DICOM\r`
  );
}

/**
 * Example 01 as it ships, cut down to the chain: its nodes and settings but for the ports, without wait mode (every
 * study is known: the study node's first output only), its debug nodes and its "acknowledged already?" switch (the
 * Catch goes straight to the reply, as nothing is acknowledged before its result), and with the result's MSH-10
 * derived from the order's. Also returns the PACS config node, which says what the links look like.
 */
function flows(ordersPort: number, pacsPort: number, hisPort: number): { nodes: FlowNode[]; pacs: FlowNode } {
  const example = readExamples(join(packageRoot(), "examples")).find((e) => e.label.startsWith("Study link from"));
  const byId = new Map(example?.nodes.map((n) => [n.id, n]));
  const take = (id: string, changes: Record<string, unknown> = {}): FlowNode => {
    const node = byId.get(id);
    assert.ok(node, `example 01 has no node ${id}`);
    return { ...node, ...changes };
  };
  const pacs = take("sante-demo-pacs", { port: String(pacsPort) });
  const nodes = [
    { id: "sante-ex1-tab", type: "tab", label: "orders to the HIS" },
    pacs,
    take("sante-demo-his", { port: String(hisPort) }),
    take("sante-ex1-in", { port: String(ordersPort) }),
    take("sante-ex1-study", { wait: false, outputs: 1, wires: [["sante-ex1-link"]] }),
    take("sante-ex1-link"),
    // Not example 01's default: a resent order's result keeps its MSH-10, so a HIS can drop it by MSH-10.
    take("sante-ex1-result", { controlIdFrom: "order" }),
    take("sante-ex1-send", { wires: [["sante-ex1-reply"]] }),
    take("sante-ex1-reply"),
    take("sante-ex1-catch", { wires: [["sante-ex1-reply"]] }),
  ];
  return { nodes, pacs };
}

/** What the sending client saw. */
interface Sent {
  /** send() calls per order (a resend is a second or later call). */
  readonly sends: number[];
  readonly acked: boolean[];
  /** Orders answered with anything but AA (AE, AR, an ACK for another message): never expected. */
  readonly refused: string[];
  /** send() calls not settled yet. */
  readonly open: Set<number>;
}

/**
 * The sender: CONNECTIONS orders in flight at a time; an order that fails for want of an answer (connection lost
 * or refused, no ACK in time) goes back to the front of the line and is sent again, the same bytes, once a
 * connection can be made. No retries in the client itself, so that each resend is counted here.
 */
async function sendAll(client: MllpClient, sent: Sent): Promise<void> {
  const line = Array.from({ length: ORDERS }, (_, n) => n);
  const texts = line.map(order);
  const settled = () => sent.acked.filter(Boolean).length + sent.refused.length;
  const worker = async () => {
    while (settled() < ORDERS) {
      const n = line.shift();
      if (n === undefined) {
        // The rest are in flight on other connections; one of them may fail and come back.
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      sent.sends[n]++;
      sent.open.add(n);
      try {
        const ack = await client.send(texts[n]);
        if (ack.code === "AA") sent.acked[n] = true;
        else sent.refused.push(`order ${n}: ${ack.code}`);
      } catch (err) {
        if (isSanteError(err, "SANTE_CONNECTION") || isSanteError(err, "SANTE_TIMEOUT")) {
          line.unshift(n);
          // Node-RED is down: connections are refused at once, so do not spin.
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          sent.refused.push(`order ${n}: ${err instanceof Error ? err.message : String(err)}`);
        }
      } finally {
        sent.open.delete(n);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

describe("HL7 orders through a real Node-RED process killed with SIGKILL: every result reaches the HIS", function () {
  this.timeout(120000);
  let userDir: string;
  let sim: RunningSimulator;
  let his: FakeHis | undefined;
  let red: NodeRedProcess | undefined;
  let client: MllpClient | undefined;

  before(async () => {
    userDir = mkdtempSync(join(tmpdir(), "sante-hl7-sigkill-"));
    sim = await startSimulator({ port: 0 });
  });
  after(async () => {
    await client?.close();
    await red?.kill();
    await his?.close();
    await sim.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it("each order acked AA, its result at the HIS with its link, twice (same MSH-10) only for orders in flight at the kill", async () => {
    const tokens = Array.from({ length: ORDERS }, (_, n) => sim.addStudy(PATIENT, uid(n)).token);
    const sent: Sent = {
      sends: new Array<number>(ORDERS).fill(0),
      acked: new Array<boolean>(ORDERS).fill(false),
      refused: [],
      open: new Set(),
    };
    let atKill: { acked: number; inFlight: number; open: Set<number> } | undefined;
    let killed: Promise<void> | undefined;
    his = await startFakeHis((_message, nth) => {
      if (nth !== KILL_AT) return "AA";
      // Synchronously, before this result's ACK could leave: what the sender has settled and what it has not.
      atKill = { acked: sent.acked.filter(Boolean).length, inFlight: sent.open.size, open: new Set(sent.open) };
      killed = red?.kill();
      return undefined;
    });
    const ordersPort = await freePort();
    const { nodes, pacs } = flows(ordersPort, sim.port, his.port);
    writeFileSync(join(userDir, "flows.json"), JSON.stringify(nodes));
    const viewer = { host: String(pacs.webHost), port: Number(pacs.webPort), ssl: pacs.ssl === true };
    red = await startNodeRed(userDir);

    client = new MllpClient({
      host: "127.0.0.1",
      port: ordersPort,
      connections: CONNECTIONS,
      retries: 0,
      breakerThreshold: 0,
      timeout: 20000,
    });
    const sending = sendAll(client, sent);

    const started = Date.now();
    while (killed === undefined) {
      assert.ok(
        Date.now() - started < 30000,
        `the HIS got ${his.received.length} of ${KILL_AT} results before the kill`,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await killed;
    red = await startNodeRed(userDir);
    await sending;
    // Time for a result that should not come (a second one after its order's AA) to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const results = his.received.map((text) => readHisResult(text, 0));
    const perOrder = new Map<string, string[]>();
    for (const r of results) perOrder.set(r.orderNumber, [...(perOrder.get(r.orderNumber) ?? []), r.controlId]);
    const wrong = results.flatMap((r) => {
      const n = Number(/^ORD(\d+)$/.exec(r.orderNumber)?.[1] ?? NaN);
      if (!(n >= 0 && n < ORDERS)) return [`a result for no order (${r.orderNumber})`];
      const link = viewerUrl({ ...viewer, token: tokens[n] });
      return r.studyInstanceUid === uid(n) && r.link === link ? [] : [`${r.orderNumber}: wrong study or link`];
    });
    const counts = Array.from({ length: ORDERS }, (_, n) => perOrder.get(orderNumber(n))?.length ?? 0);
    const twice = counts.filter((c) => c > 1).length;
    // Orders whose results a HIS dropping duplicates by MSH-10 would take more than once.
    const twiceByControlId = [...perOrder.values()].filter((ids) => new Set(ids).size > 1).length;
    const kill = atKill as { acked: number; inFlight: number; open: Set<number> };
    const tally = {
      orders: ORDERS,
      ackedBeforeKill: kill.acked,
      inFlightAtKill: kill.inFlight,
      resent: sent.sends.filter((s) => s > 1).length,
      sends: sent.sends.reduce((a, b) => a + b, 0),
      hisResults: results.length,
      hisDuplicates: twice,
      hisDuplicatesByMsh10: twiceByControlId,
    };
    console.log(`SIGKILL tally: ${JSON.stringify(tally)}`);

    assert.deepEqual(
      {
        refused: sent.refused,
        notAcked: sent.acked.filter((a) => !a).length,
        lost: counts.filter((c) => c === 0).length,
        wrong,
      },
      { refused: [], notAcked: 0, lost: 0, wrong: [] },
    );
    assert.equal(twiceByControlId, 0, "a result sent again carries its first MSH-10");
    assert.equal(new Set(results.map((r) => r.controlId)).size, ORDERS, "one MSH-10 per order, none shared");
    const twiceNotInFlight = counts.flatMap((c, n) => (c > 1 && !kill.open.has(n) ? [n] : []));
    assert.deepEqual(twiceNotInFlight, [], "results that came twice for orders not in flight at the kill");
    // The order whose result the HIS took at the kill is one of them: the test did hit the window it counts.
    assert.ok(twice >= 1, "no result came twice: the kill did not fall between a result and its order's ACK");
    assert.ok(kill.acked > 0 && kill.acked < ORDERS, "the kill came while orders were still being sent");
  });
});
