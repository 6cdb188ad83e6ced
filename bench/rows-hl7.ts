/**
 * The HL7 listener rows: `hl7 in` wired straight to `hl7 reply` in the embedded Node-RED (default settings:
 * ACK after handling, resends suppressed), against the plain Node.js MLLP echo server
 * (bench/mllp-echo-server.ts) in the same round, with 1 and 8 senders on kept-open connections, one message in
 * flight each. Correct: AA with MSA-2 = the message's MSH-10.
 */
import * as net from "node:net";
import { closedLoop } from "./measure";
import { startMllpEchoServer } from "./mllp-echo-server";
import { MllpSenderPool, type BenchHl7 } from "./mllp-sender-pool";
import { TAB } from "./node-red-embed";
import type { BenchContext, RowSession, RowSpec } from "./row";

const CONNECTIONS = [1, 8];
/** The target: at 8 connections, at least half the echo server's rate. */
const TARGET = 0.5;

/**
 * Messages sent before the row's own warm-up: a freshly deployed flow is new code to V8, and the row's 0.2 s
 * warm-up (a few hundred messages) leaves much of it unoptimised, which measured the JIT rather than the nodes.
 */
const WARM_UP = 3000;

export const echoId = (connections: number) => `raw hl7 echo kept-open ×${connections}`;

/** `first`: the index of the first warm-up message (rows whose messages name a pool study keep to the pool). */
export async function warmedUp(
  pool: MllpSenderPool,
  connections: number,
  first = 1e9,
  count = WARM_UP,
): Promise<MllpSenderPool> {
  await closedLoop(count, connections, pool.lookup, first);
  return pool;
}

function echoRow(connections: number): RowSpec {
  return {
    id: echoId(connections),
    group: "raw",
    what: "hl7: plain MLLP echo server",
    mode: "kept-open",
    inFlight: connections,
    ours: false,
    open: async (): Promise<RowSession> => {
      const echo = await startMllpEchoServer();
      const pool = await warmedUp(await MllpSenderPool.open(echo.port, connections), connections);
      return {
        lookup: pool.lookup,
        teardown: async () => {
          pool.close();
          await echo.close();
        },
      };
    },
  };
}

function listenerRow(connections: number): RowSpec {
  return {
    id: `nodes hl7 in + reply kept-open ×${connections}`,
    group: "nodes",
    what: "hl7: hl7 in → hl7 reply",
    mode: "kept-open",
    inFlight: connections,
    ours: true,
    baseline: echoId(connections),
    ...(connections === 8 ? { target: { min: TARGET, of: echoId(connections), label: `≥${TARGET}× echo` } } : {}),
    open: async (ctx: BenchContext): Promise<RowSession> => {
      const red = await ctx.nodeRed();
      const port = await freePort();
      await red.deploy([
        { id: "in", type: "sante-hl7-in", z: TAB, port: String(port), host: "127.0.0.1", wires: [["reply"]] },
        { id: "reply", type: "sante-hl7-reply", z: TAB, wires: [] },
      ]);
      const pool = await warmedUp(await openWhenListening(port, connections), connections);
      return {
        lookup: pool.lookup,
        teardown: async () => {
          pool.close();
          await red.deploy([]);
        },
      };
    },
  };
}

export function hl7ListenerRows(): RowSpec[] {
  return CONNECTIONS.flatMap((c) => [echoRow(c), listenerRow(c)]);
}

/** The listener starts listening just after the deploy: senders retry until it does (5 s at most). */
export async function openWhenListening(
  port: number,
  connections: number,
  message?: BenchHl7,
): Promise<MllpSenderPool> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await MllpSenderPool.open(port, connections, message);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** A port free now (the listener binds it a moment later; on a busy machine another process could take it first). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
