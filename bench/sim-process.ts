/**
 * The simulator in a process of its own, so that its CPU is not the bench's.
 * argv[2]: how many pool studies to serve. Prints {"port":n} once listening;
 * then answers lines on stdin: "stats" → {"requests","peak","open"}; "reset"
 * → the same, then resets the peak. Exits when stdin closes (the bench ended or died).
 */
import { createInterface } from "node:readline";
import { startSimulator } from "../lib/simulator";
import { simulatorData } from "./dataset";

async function main(): Promise<void> {
  const poolSize = Number(process.argv[2] ?? "0");
  const sim = await startSimulator({ host: "127.0.0.1", port: 0, data: simulatorData(poolSize), keepAlive: true });
  process.stdout.write(`${JSON.stringify({ port: sim.port })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const stats = { requests: sim.requests, peak: sim.peakConnections, open: sim.openConnections };
    if (line === "reset") sim.resetPeak();
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
  lines.on("close", () => void sim.close());
}

main().catch((err: Error) => {
  process.stderr.write(`bench simulator: ${err.message}\n`);
  process.exitCode = 1;
});
