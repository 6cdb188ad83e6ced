import * as path from "node:path";
import { LineChild } from "./line-child";

export interface SimStats {
  requests: number;
  /** Most sockets open at once since the last reset. */
  peak: number;
  open: number;
}

/** The parent's handle on bench/sim-process.js. */
export class SimChild {
  private constructor(private readonly child: LineChild<{ port: number }>) {}

  get port(): number {
    return this.child.ready.port;
  }

  /** `cpu`: run the simulator on that CPU only (Linux, taskset). */
  static async start(poolSize: number, cpu?: number): Promise<SimChild> {
    const script = path.join(__dirname, "sim-process.js");
    const command = [process.execPath, script, String(poolSize)];
    if (cpu !== undefined) command.unshift("taskset", "-c", String(cpu));
    return new SimChild(await LineChild.start("simulator", command));
  }

  /** Resets the peak-connections count and returns the figures before the reset. */
  reset(): Promise<SimStats> {
    return this.child.ask("reset");
  }

  stats(): Promise<SimStats> {
    return this.child.ask("stats");
  }

  /** Closing stdin makes the simulator close and its process end. */
  stop(): Promise<void> {
    return this.child.stop();
  }
}
