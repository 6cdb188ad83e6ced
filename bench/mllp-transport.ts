/**
 * `node dist/bench/mllp-transport.js`: the MLLP transport alone (lib/mllp, no Node-RED), messages per
 * second with 1 and 8 connections, each carrying one message at a time as HL7 senders do, next to the
 * plain echo server (bench/mllp-echo-server.ts) in the same run:
 *   listener:  a plain kept-open client → MllpServer answering on receipt   vs → the echo server
 *   sender:    MllpClient (ACK matched on MSA-2) → the echo server            vs a plain client → the echo server
 * BENCH_SECONDS (default 1) per measurement, BENCH_ROUNDS (default 5) measurements of each row, taken
 * alternately with its baseline; the table gives medians and the median of the per-round ratios.
 * Figures from a busy machine are noise; compare rows of one run.
 */
import { performance } from "node:perf_hooks";
import { MllpClient, MllpServer } from "../lib/mllp";
import { startMllpEchoServer } from "./mllp-echo-server";
import { benchMessage as message, median, plainSender as countedPlainSender } from "./mllp-baseline";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const plainSender = async (port: number, until: number, base: number) =>
  (await countedPlainSender(port, until, base)).sent;

async function rate(senders: number, one: (until: number, base: number) => Promise<number>): Promise<number> {
  const start = performance.now();
  const until = start + SECONDS * 1000;
  const counts = await Promise.all(Array.from({ length: senders }, (_, k) => one(until, k * 10_000_000)));
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const echo = await startMllpEchoServer();
  const listener = new MllpServer({ port: 0, host: "127.0.0.1", maxConnections: 64 });
  listener.on("message", (m) => {
    const id = m.text.split("|", 10)[9];
    m.reply(`MSH|^~\\&|PACS|RAD|||||ACK|${id}|P|2.5\rMSA|AA|${id}\r`);
  });
  const { port } = await listener.listen();
  const rows: [string, number, number[], number[]][] = [];
  for (const senders of [1, 8]) {
    const client = new MllpClient({ port: echo.port, connections: senders });
    const viaClient = (until: number, base: number) => clientSender(client, until, base);
    const plain = (until: number, base: number) => plainSender(echo.port, until, base);
    const listenerRow: [string, number, number[], number[]] = ["listener: MllpServer vs echo server", senders, [], []];
    const senderRow: [string, number, number[], number[]] = ["sender: MllpClient vs plain client", senders, [], []];
    for (let round = 0; round < ROUNDS; round++) {
      listenerRow[3].push(await rate(senders, plain));
      listenerRow[2].push(await rate(senders, (until, base) => plainSender(port, until, base)));
      senderRow[3].push(await rate(senders, plain));
      senderRow[2].push(await rate(senders, viaClient));
    }
    await client.close();
    rows.push(listenerRow, senderRow);
  }
  await listener.close();
  await echo.close();
  console.log(`| row | connections | ours msg/s | baseline msg/s | ratio (median of ${ROUNDS}) |`);
  console.log("| --- | --- | ---: | ---: | ---: |");
  for (const [what, c, ours, base] of rows) {
    const ratio = median(ours.map((o, i) => o / base[i]));
    console.log(`| ${what} | ${c} | ${Math.round(median(ours))} | ${Math.round(median(base))} | ${ratio.toFixed(2)} |`);
  }
}

async function clientSender(client: MllpClient, until: number, base: number): Promise<number> {
  let n = 0;
  while (performance.now() < until) await client.send(message(base + n++));
  return n;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
