/**
 * The simulated HIS of the end-to-end rows, in a process of its own (so that it does not share an event loop with
 * Node-RED or the simulator): our MllpServer and buildAck, as a HIS that files results. Each result is checked
 * against the order it answers (bench/e2e-order.ts): its viewer link must be the one for that order's study, its
 * OBX 113014 that study's UID. Right: AA. Wrong: AE, which the flow's Catch turns into an AE to the order's
 * sender, so a wrong link shows at the sender as a wrong answer.
 *
 * Prints {"port":n} once listening; then answers lines on stdin: "stats" → the counts since the last reset (and
 * the CPU this process used for them); "reset" → the same, then zeroes them. Exits when stdin closes.
 */
import { createInterface } from "node:readline";
import { buildAck } from "../lib/hl7";
import { MllpServer } from "../lib/mllp";
import { checkResult } from "./e2e-order";
import type { HisCounts } from "./rows-e2e";

async function main(): Promise<void> {
  const server = new MllpServer({ port: 0, host: "127.0.0.1", maxConnections: 1000 });
  // cpuUs is taken when the counts are asked for (since the last reset).
  let counts: Omit<HisCounts, "cpuUs"> = { results: 0, right: 0, wrong: 0 };
  let cpu = process.cpuUsage();
  server.on("message", (m) => {
    counts.results++;
    const problem = checkResult(m.text);
    if (problem === undefined) counts.right++;
    else counts.wrong++;
    m.reply(
      problem === undefined
        ? buildAck(m.text, "AA")
        : buildAck(m.text, "AE", { error: { code: "BENCH_WRONG_LINK", message: problem } }),
    );
  });
  server.on("error", (err) => process.stderr.write(`bench HIS: ${err.message}\n`));
  const { port } = await server.listen();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const used = process.cpuUsage(cpu);
    process.stdout.write(`${JSON.stringify({ ...counts, cpuUs: used.user + used.system } satisfies HisCounts)}\n`);
    if (line === "reset") {
      counts = { results: 0, right: 0, wrong: 0 };
      cpu = process.cpuUsage();
    }
  });
  lines.on("close", () => void server.close());
}

main().catch((err: Error) => {
  process.stderr.write(`bench HIS: ${err.message}\n`);
  process.exitCode = 1;
});
