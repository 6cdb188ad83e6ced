/**
 * `node dist/bench/hl7-send.js` (after `npm run build`): the `sante-hl7-send` node in a real embedded Node-RED
 * (bench/node-red-embed.ts: inject into the send node, outputs to a sink, a Catch to another) against a plain
 * Node.js MLLP client (bench/mllp-baseline.ts), both sending to the echo server (bench/mllp-echo-server.ts), with 1
 * and 8 connections each carrying one message at a time: the node's endpoint has `connections` sockets and the flow
 * keeps exactly that many messages outstanding, the baseline runs that many plain sockets.
 * "correct" counts the outputs whose msg.ack is an AA with the MSA-2 of the message that node sent; errors are
 * counted apart. BENCH_SECONDS (default 1) per measurement, BENCH_ROUNDS (default 5) rounds, ours and the baseline
 * alternately; the table gives medians and the median of the per-round ratios. Compare rows of one run only.
 */
import { performance } from "node:perf_hooks";
import * as path from "node:path";
import { benchMessage, median, plainSender } from "./mllp-baseline";
import { startMllpEchoServer } from "./mllp-echo-server";
import { NodeRedBench, TAB, type BenchMessage, type FlowNode } from "./node-red-embed";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Count {
  sent: number;
  correct: number;
  errors: number;
  seconds: number;
}

function sendFlow(port: number, connections: number): FlowNode[] {
  return [
    {
      id: "his",
      type: "sante-hl7-endpoint",
      host: "127.0.0.1",
      port: String(port),
      timeout: "10000",
      connections: String(connections),
    },
    { id: "send", type: "sante-hl7-send", z: TAB, endpoint: "his", wires: [["out"]] },
    { id: "out", type: "bench-sink", z: TAB, channel: "out", wires: [] },
    { id: "catch", type: "catch", z: TAB, scope: ["send"], uncaught: false, wires: [["err"]] },
    { id: "err", type: "bench-sink", z: TAB, channel: "err", wires: [] },
  ];
}

/** Keeps `outstanding` messages in the send node until `seconds` have passed, then waits for the last answers. */
function nodeRedRound(red: NodeRedBench, outstanding: number, first: number): Promise<Count> {
  const send = red.node("send");
  const count: Count = { sent: 0, correct: 0, errors: 0, seconds: 0 };
  const start = performance.now();
  const until = start + SECONDS * 1000;
  let inFlight = 0;
  return new Promise((resolve) => {
    const next = () => {
      const index = first + count.sent++;
      inFlight++;
      send.receive({ payload: benchMessage(index), benchIndex: index });
    };
    red.onSink((channel, msg: BenchMessage) => {
      inFlight--;
      const ack = msg.ack as { code?: string; controlId?: string } | undefined;
      if (channel === "err") count.errors++;
      else if (ack?.code === "AA" && ack.controlId === `B${msg.benchIndex}`) count.correct++;
      if (performance.now() < until) next();
      else if (inFlight === 0) {
        count.seconds = (performance.now() - start) / 1000;
        resolve(count);
      }
    });
    for (let k = 0; k < outstanding; k++) next();
  });
}

async function plainRound(port: number, senders: number, first: number): Promise<Count> {
  const start = performance.now();
  const until = start + SECONDS * 1000;
  const counts = await Promise.all(
    Array.from({ length: senders }, (_, k) => plainSender(port, until, first + k * 10_000_000)),
  );
  return {
    sent: counts.reduce((a, c) => a + c.sent, 0),
    correct: counts.reduce((a, c) => a + c.correct, 0),
    errors: 0,
    seconds: (performance.now() - start) / 1000,
  };
}

async function main(): Promise<void> {
  const echo = await startMllpEchoServer();
  const red = await NodeRedBench.start(path.resolve(__dirname, "..", "nodes"));
  const lines = [
    `Node.js ${process.version}, Node-RED ${red.version}; ${SECONDS} s per round, ${ROUNDS} rounds, alternating`,
    "",
    "| row | connections | msg/s | N | correct | errors | × plain (median of rounds) |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  let first = 0;
  for (const connections of [1, 8]) {
    await red.deploy(sendFlow(echo.port, connections));
    const ours: Count[] = [];
    const plain: Count[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plain.push(await plainRound(echo.port, connections, first));
      first += 100_000_000;
      ours.push(await nodeRedRound(red, connections, first));
      first += 100_000_000;
    }
    // Correct ACKs only: a node failing fast must not look faster.
    const rate = (c: Count) => c.correct / c.seconds;
    const ratio = median(ours.map((o, i) => rate(o) / rate(plain[i])));
    const total = (cs: Count[], k: keyof Count) => cs.reduce((a, c) => a + c[k], 0);
    const row = (name: string, cs: Count[], r: string) =>
      `| ${name} | ${connections} | ${Math.round(median(cs.map(rate)))} | ${total(cs, "sent")} | ` +
      `${total(cs, "correct")}/${total(cs, "sent")} | ${total(cs, "errors")} | ${r} |`;
    lines.push(row("plain Node.js MLLP client", plain, "–"));
    lines.push(row("sante-hl7-send node (Node-RED)", ours, ratio.toFixed(2)));
  }
  await red.stop();
  await echo.close();
  console.log(lines.join("\n"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
