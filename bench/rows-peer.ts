/**
 * The peer: Node-RED's core `tcp request` node set up as an integrator would
 * for this protocol: the 0x10 UID 0x0D frame as the payload, "wait for
 * character" \r, return a Buffer. A reply is correct when it is the token of
 * the UID of the message it comes out with.
 */
import { poolUid, poolToken, studyReply } from "./dataset";
import { openFlow } from "./rows-nodes";
import { TAB, type FlowNode } from "./node-red-embed";
import type { RowSession, RowSpec } from "./row";
import { rawRowId } from "./rows-raw";

/** The core node has no per-request timeout: an input it drops is given up once nothing has come back for this long. */
const STALL_MS = 2_000;

function peerFlow(port: number): FlowNode[] {
  return [
    {
      id: "lookup",
      type: "tcp request",
      z: TAB,
      name: "",
      server: "127.0.0.1",
      port: String(port),
      out: "char",
      ret: "buffer",
      splitc: "\\r",
      newline: "",
      trim: false,
      tls: "",
      wires: [["out"]],
    },
    { id: "out", type: "bench-sink", z: TAB, channel: "out", wires: [] },
    { id: "catch", type: "catch", z: TAB, scope: ["lookup"], uncaught: false, wires: [["err"]] },
    { id: "err", type: "bench-sink", z: TAB, channel: "err", wires: [] },
  ];
}

export function peerRow(inFlight: 1 | "burst", n?: number): RowSpec {
  return {
    id: `peer study per-lookup ×${inFlight}`,
    group: "peer",
    what: inFlight === 1 ? "tcp request, one at a time" : "tcp request, burst",
    mode: "per-lookup",
    inFlight,
    warmupInFlight: 1,
    n,
    ours: false,
    baseline: rawRowId("study", "per-lookup", 1),
    open: (ctx): Promise<RowSession> =>
      openFlow(
        ctx,
        peerFlow(ctx.sim.port),
        (i) => Buffer.from(`\x10${poolUid(i)}\r`, "latin1"),
        (msg) => Buffer.isBuffer(msg.payload) && msg.payload.equals(studyReply(poolToken(msg.benchIndex as number))),
        STALL_MS,
        true,
      ),
  };
}
