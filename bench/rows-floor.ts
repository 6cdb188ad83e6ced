/**
 * The floor: what Node-RED itself costs a message on our flow's path (inject →
 * node → sink, with a Catch node on the node), with a node that answers at
 * once instead of a lookup. A function node `return msg;` is what an
 * integrator would write; `bench-echo` (send, done) is routing alone, without
 * the function node's sandbox. No lookup node can beat its floor.
 */
import { poolUid } from "./dataset";
import { TAB, type FlowNode } from "./node-red-embed";
import type { RowSpec } from "./row";
import { rawRowId } from "./rows-raw";
import { openFlow } from "./rows-nodes";

export type FloorNode = "function" | "echo";

function floorFlow(kind: FloorNode): FlowNode[] {
  const node: FlowNode =
    kind === "function"
      ? {
          id: "lookup",
          type: "function",
          z: TAB,
          func: "return msg;",
          outputs: 1,
          initialize: "",
          finalize: "",
          libs: [],
        }
      : { id: "lookup", type: "bench-echo", z: TAB };
  return [
    { ...node, name: "", wires: [["out"]] },
    { id: "out", type: "bench-sink", z: TAB, channel: "out", wires: [] },
    { id: "catch", type: "catch", z: TAB, scope: ["lookup"], uncaught: false, wires: [["err"]] },
    { id: "err", type: "bench-sink", z: TAB, channel: "err", wires: [] },
  ];
}

export function floorRow(kind: FloorNode, inFlight: number): RowSpec {
  return {
    id: `floor ${kind} ×${inFlight}`,
    group: "floor",
    what: kind === "function" ? "function node, return msg" : "node that sends at once",
    mode: "no PACS",
    inFlight,
    ours: false,
    // The fastest lookups there are at this concurrency: what a node that does nothing leaves of them.
    baseline: rawRowId("study", "kept-open", inFlight),
    open: (ctx) =>
      openFlow(
        ctx,
        floorFlow(kind),
        (i) => poolUid(i),
        (msg) => msg.payload === poolUid(msg.benchIndex as number),
        15_000,
      ),
  };
}
