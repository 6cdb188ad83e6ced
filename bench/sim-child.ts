import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { createInterface, type Interface } from "node:readline";

export interface SimStats {
  requests: number;
  /** Most sockets open at once since the last reset. */
  peak: number;
  open: number;
}

/** The parent's handle on bench/sim-process.js. */
export class SimChild {
  private waiting: ((line: string) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: Interface,
    readonly port: number,
  ) {
    lines.on("line", (line) => this.waiting.shift()?.(line));
  }

  /** `cpu`: run the simulator on that CPU only (Linux, taskset). */
  static async start(poolSize: number, cpu?: number): Promise<SimChild> {
    const script = path.join(__dirname, "sim-process.js");
    const command = [process.execPath, script, String(poolSize)];
    if (cpu !== undefined) command.unshift("taskset", "-c", String(cpu));
    const child = spawn(command[0], command.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("simulator did not start within 60 s")), 60_000);
      lines.once("line", (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited with code ${code}`));
      });
    });
    return new SimChild(child, lines, (JSON.parse(first) as { port: number }).port);
  }

  /** Resets the peak-connections count and returns the figures before the reset. */
  reset(): Promise<SimStats> {
    return this.ask("reset");
  }

  stats(): Promise<SimStats> {
    return this.ask("stats");
  }

  /** Closing stdin makes the simulator close and its process end. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      const timer = setTimeout(() => this.child.kill(), 5_000);
      this.child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.stdin?.end();
      this.lines.close();
    });
  }

  private ask(command: string): Promise<SimStats> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as SimStats));
      this.child.stdin?.write(`${command}\n`);
    });
  }
}
