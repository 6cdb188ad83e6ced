import { strict as assert } from "node:assert";
import type { NodeMessage } from "../../nodes/glue/node-red-types";
import { node, type TestNode } from "./nr-helper";
import { COPIES_ERROR_CODE } from "./nr-runtime";

export const TAB = "tab";

/** A `sante-pacs-server` config node as the editor saves it: numbers as strings. */
export function serverDef(port: number | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "pacs",
    type: "sante-pacs-server",
    name: "",
    host: "127.0.0.1",
    port: String(port),
    timeout: "3000",
    connections: "4",
    keepAlive: false,
    webHost: "",
    webPort: "3000",
    ssl: false,
    ...extra,
  };
}

/**
 * A tab with the server, one node under test (`id` "n1") wired to a helper
 * node "out", and a Catch node for the whole tab wired to "caught".
 */
export function flowWith(
  n1: Record<string, unknown>,
  server: Record<string, unknown> | null,
  ...extra: object[]
): object[] {
  // x/y mark them as flow nodes: the runtime treats nodes without a position as config nodes.
  const at = { z: TAB, x: 100, y: 100 };
  return [
    { id: TAB, type: "tab", label: "test" },
    ...(server ? [server] : []),
    { id: "n1", ...at, server: "pacs", property: "payload", propertyType: "msg", wires: [["out"]], ...n1 },
    { id: "out", type: "helper", ...at },
    { id: "catcher", type: "catch", ...at, scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", type: "helper", ...at },
    ...extra,
  ];
}

/** Polls `check` until it holds; fails after `limitMs` (a guard against hanging, not a timing assertion). */
export async function until(check: () => boolean, what: string, limitMs = 8000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Everything that left node n1: messages at "out", errors at "caught", status calls on n1. */
export class Outcomes {
  readonly outputs: NodeMessage[] = [];
  readonly errors: NodeMessage[] = [];
  readonly statuses: Array<{ fill?: string; shape?: string; text?: string }> = [];

  constructor(readonly n1: TestNode = node("n1")) {
    node("out").on("input", (msg) => this.outputs.push(msg));
    node("caught").on("input", (msg) => this.errors.push(msg));
    n1.on("call:status", (call) => this.statuses.push(call.args[0] as { fill?: string; text?: string }));
  }

  /** Sends `msg` into n1 and waits until `ends` more messages have come out (outputs and errors together). */
  async send(msg: NodeMessage, ends = 1): Promise<void> {
    const target = this.outputs.length + this.errors.length + ends;
    this.n1.receive(msg);
    await until(() => this.outputs.length + this.errors.length >= target, "the node's answer");
  }

  /** The error code a Catch node saw, for the last error (see caughtCode). */
  lastCode(): unknown {
    return caughtCode(this.errors.at(-1));
  }
}

/**
 * The error code a Catch node's message carries: msg.santeError.code, which every Node-RED version keeps. Also
 * asserts msg.error.code as the runtime sets it: the same code from Node-RED 4.1 on, none before.
 */
export function caughtCode(msg: NodeMessage | undefined): unknown {
  const code = (msg?.santeError as { code?: unknown } | undefined)?.code;
  const copied = (msg?.error as { code?: unknown } | undefined)?.code;
  assert.equal(copied, COPIES_ERROR_CODE ? code : undefined, "msg.error.code as this Node-RED version sets it");
  return code;
}
