/**
 * The demo's flows: every example in examples/ on a tab of its own, the
 * shared config nodes once, and the ports moved when the demo was asked to.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { EXAMPLE_PORTS } from "./config";

export interface FlowNode {
  id: string;
  type: string;
  z?: string;
  [key: string]: unknown;
}

export interface DemoPorts {
  pacsPort: number;
  ordersPort: number;
  adtPort: number;
  hisPort: number;
}

export interface Example {
  file: string;
  /** The file name without its number and extension: the tab's label. */
  label: string;
  nodes: FlowNode[];
}

/** examples/*.json in menu order, each checked to be a flow export (a JSON array of nodes with ids). */
export function readExamples(examplesDir: string): Example[] {
  return readdirSync(examplesDir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => {
      const file = join(examplesDir, name);
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (!Array.isArray(parsed) || !parsed.every(isFlowNode)) {
        throw new Error(`${file} is not a JSON array of nodes with an id and a type`);
      }
      const label = basename(name, ".json").replace(/^\d+\s*-\s*/, "");
      return { file, label, nodes: parsed };
    });
}

/**
 * One flows.json for all examples. Each example's nodes keep their tab id
 * (`z`), which becomes a tab; config nodes (no `z`) that several examples
 * share by id must be identical and appear once.
 */
export function mergeExamples(examples: readonly Example[], ports: DemoPorts): FlowNode[] {
  const tabs: FlowNode[] = [];
  const nodes: FlowNode[] = [];
  const configs = new Map<string, FlowNode>();
  const seen = new Set<string>();
  for (const example of examples) {
    const zs = new Set(example.nodes.filter((n) => n.z !== undefined).map((n) => n.z));
    if (zs.size !== 1) throw new Error(`${example.file}: its nodes must all be on one tab, found ${zs.size}`);
    const [z] = zs as Set<string>;
    tabs.push({ id: z, type: "tab", label: example.label, disabled: false, info: "" });
    for (const node of example.nodes) {
      if (node.z === undefined) {
        const earlier = configs.get(node.id);
        if (earlier && !isDeepStrictEqual(earlier, node)) {
          throw new Error(`${example.file}: config node ${node.id} differs from the one in an earlier example`);
        }
        configs.set(node.id, node);
        continue;
      }
      if (seen.has(node.id) || configs.has(node.id))
        throw new Error(`${example.file}: node id ${node.id} is used twice`);
      seen.add(node.id);
      nodes.push(node);
    }
  }
  return [...tabs, ...nodes, ...configs.values()].map((node) => movePorts(node, ports));
}

/** The examples' fixed ports (2575 PACS, 2576 orders, 2577 ADT, 2578 HIS) replaced by the demo's. */
function movePorts(node: FlowNode, ports: DemoPorts): FlowNode {
  const port = Number(node.port);
  if (node.type === "sante-pacs-server" && port === EXAMPLE_PORTS.pacs) return withPort(node, ports.pacsPort);
  if (node.type === "sante-hl7-in" && port === EXAMPLE_PORTS.orders) return withPort(node, ports.ordersPort);
  if (node.type === "sante-hl7-in" && port === EXAMPLE_PORTS.adt) return withPort(node, ports.adtPort);
  if (node.type === "sante-hl7-endpoint" && port === EXAMPLE_PORTS.his) return withPort(node, ports.hisPort);
  return node;
}

function withPort(node: FlowNode, port: number): FlowNode {
  // Names such as "HL7 orders (MLLP) :2576" show the port; keep them true.
  const name = typeof node.name === "string" ? node.name.replace(`:${String(node.port)}`, `:${port}`) : node.name;
  return { ...node, name, port: String(port) };
}

function isFlowNode(value: unknown): value is FlowNode {
  if (typeof value !== "object" || value === null) return false;
  const node = value as Record<string, unknown>;
  return typeof node.id === "string" && node.id !== "" && typeof node.type === "string";
}
