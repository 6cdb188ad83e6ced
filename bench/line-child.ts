import { spawn, type ChildProcess } from "node:child_process";
import { createInterface, type Interface } from "node:readline";

/**
 * A helper process of the bench (the simulator, the HIS) that runs on its own CPU time: it prints one JSON line
 * once ready, then answers each line the bench writes to its stdin with one JSON line, and ends when stdin
 * closes (so it goes when the bench ends or dies).
 */
export class LineChild<Ready> {
  private waiting: ((line: string) => void)[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: Interface,
    /** What the child said once ready: its port, say. */
    readonly ready: Ready,
  ) {
    lines.on("line", (line) => this.waiting.shift()?.(line));
  }

  /** Runs `command` (e.g. [process.execPath, script, ...args]) and resolves once it has printed its first line. */
  static async start<Ready>(what: string, command: readonly string[]): Promise<LineChild<Ready>> {
    const child = spawn(command[0], command.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const first = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} did not start within 60 s`)), 60_000);
      lines.once("line", (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited with code ${code}`));
      });
    });
    return new LineChild(child, lines, JSON.parse(first) as Ready);
  }

  /** Writes `command` and resolves with the child's answer. */
  ask<Answer>(command: string): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting.push((line) => resolve(JSON.parse(line) as Answer));
      this.child.stdin?.write(`${command}\n`);
    });
  }

  /** Closing stdin makes the child close and end. */
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
}
