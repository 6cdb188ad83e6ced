/**
 * The end-to-end rows: an order in over MLLP, its viewer link back in the HIS, its ACK back to the sender, all
 * through our nodes in the embedded Node-RED:
 *
 *   sender ─MLLP→ hl7 in → study token (cache off) → viewer link → hl7 result → hl7 send ─MLLP→ HIS
 *   sender ←ACK── hl7 reply ←──────────────────────────────────────────────────── (HIS's ACK) ┘
 *   catch (study, link, result, send) → hl7 reply (AE)
 *
 * Three processes: the bench (the order sender, bench/mllp-sender-pool.ts, and Node-RED), the PACS simulator
 * (bench/sim-process.ts), and the HIS (bench/his-process.ts: MllpServer + buildAck), which checks every result
 * against its order and answers AE to a wrong one: an order is correct when its sender gets an AA with its MSH-10,
 * which only happens when the HIS found the right link for that order. 1 and 8 sender connections, each with one
 * order in flight, kept open as HL7 senders keep them; the endpoint has as many connections as the sender (1 keeps
 * the HIS's feed in the order the orders came; 8 lets results of different orders overtake each other on the way to
 * the HIS). The PACS config node keeps its defaults but for the cache (off: every order is a lookup) and, in the
 * kept-open rows, keepAlive; the mode column says which: a connection per lookup (the default, as the vendor
 * describes the protocol) or kept open. Measured once, for as long as all rounds together: the target is a rate,
 * not a ratio to a row of the same round.
 */
import * as path from "node:path";
import { E2E_UID_PATH, E2E_VIEWER_HOST, e2eOrder } from "./e2e-order";
import { LineChild } from "./line-child";
import { TAB, type FlowNode } from "./node-red-embed";
import type { BenchContext, Mode, RowSession, RowSpec } from "./row";
import { echoId, freePort, openWhenListening, warmedUp } from "./rows-hl7";

const CONNECTIONS = [1, 8];
const MODES: Mode[] = ["per-lookup", "kept-open"];
/** The target: orders per second at 8 connections. */
const TARGET = 1000;
/** Orders sent before the row's own warm-up (see rows-hl7.ts): fewer than there, each order costs more. */
const WARM_UP = 1500;

/** What bench/his-process.ts counts. */
export interface HisCounts {
  results: number;
  right: number;
  wrong: number;
  /** CPU of the HIS process (user + system) since the last reset, µs. */
  cpuUs: number;
}

export function e2eFlow(
  orderPort: number,
  pacs: { port: number; mode: Mode },
  hisPort: number,
  connections: number,
): FlowNode[] {
  return [
    {
      id: "pacs",
      type: "sante-pacs-server",
      host: "127.0.0.1",
      port: String(pacs.port),
      cacheSize: "0",
      keepAlive: pacs.mode === "kept-open",
      webHost: E2E_VIEWER_HOST,
    },
    {
      id: "his",
      type: "sante-hl7-endpoint",
      host: "127.0.0.1",
      port: String(hisPort),
      connections: String(connections),
    },
    { id: "in", type: "sante-hl7-in", z: TAB, port: String(orderPort), host: "127.0.0.1", wires: [["study"]] },
    {
      id: "study",
      type: "sante-study-token",
      z: TAB,
      server: "pacs",
      property: E2E_UID_PATH,
      propertyType: "hl7",
      output: "payload",
      wires: [["link"]],
    },
    { id: "link", type: "sante-viewer-link", z: TAB, server: "pacs", wires: [["result"]] },
    { id: "result", type: "sante-hl7-result", z: TAB, wires: [["send"]] },
    { id: "send", type: "sante-hl7-send", z: TAB, endpoint: "his", wires: [["reply"]] },
    { id: "reply", type: "sante-hl7-reply", z: TAB, wires: [] },
    {
      id: "catch",
      type: "catch",
      z: TAB,
      scope: ["study", "link", "result", "send"],
      uncaught: false,
      wires: [["reply"]],
    },
  ];
}

export const e2eRowId = (mode: Mode, connections: number) => `nodes hl7 order to HIS and back ${mode} ×${connections}`;

function e2eRow(mode: Mode, connections: number): RowSpec {
  return {
    id: e2eRowId(mode, connections),
    group: "nodes",
    what: "hl7 order → study (cache off) → link → result → send → HIS → reply",
    mode,
    inFlight: connections,
    once: true,
    ours: true,
    baseline: echoId(connections),
    ...(connections === 8 ? { target: { min: TARGET, label: `≥${TARGET} orders/s` } } : {}),
    open: async (ctx: BenchContext): Promise<RowSession> => {
      const his = await LineChild.start<{ port: number }>("HIS", [
        process.execPath,
        path.join(__dirname, "his-process.js"),
      ]);
      try {
        const red = await ctx.nodeRed();
        const port = await freePort();
        await red.deploy(e2eFlow(port, { port: ctx.sim.port, mode }, his.ready.port, connections));
        const sender = await openWhenListening(port, connections, e2eOrder);
        await warmedUp(sender, connections, ctx.warmupBase, WARM_UP);
        return {
          lookup: sender.lookup,
          beforeMeasure: async () => void (await his.ask("reset")),
          // Results the HIS received in the measured run (the closed loop ends with the last ACK, after its result).
          outputs: async () => {
            const seen = await his.ask<HisCounts>("stats");
            process.stderr.write(
              `  HIS: ${seen.results} results, ${seen.right} with the right link, ${seen.wrong} wrong; ` +
                `HIS CPU ${(seen.cpuUs / Math.max(1, seen.results)).toFixed(0)} µs per result\n`,
            );
            return seen.results;
          },
          teardown: async () => {
            sender.close();
            await red.deploy([]);
            await his.stop();
          },
        };
      } catch (err) {
        await his.stop();
        throw err;
      }
    },
  };
}

export function e2eRows(): RowSpec[] {
  return MODES.flatMap((mode) => CONNECTIONS.map((c) => e2eRow(mode, c)));
}
