/**
 * The demo (`npm start`, dist/demo/start.js) as a child process on free ports
 * with a throw-away user directory. A child, not in-process: Node-RED's
 * runtime is a per-process singleton, and the node tests in the same mocha
 * process use it through node-red-node-test-helper.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "./fault-server";
import { NODE_RED_DIR } from "./nr-runtime";

export const PROJECT_ROOT = resolve(__dirname, "..", "..", "..");
const START_SCRIPT = join(PROJECT_ROOT, "dist", "demo", "start.js");

export interface DemoLogEntry {
  level: number;
  type?: string;
  id?: string;
  name?: string;
  msg: string;
}

export interface DemoPorts {
  /** The editor and pages. */
  webPort: number;
  pacsPort: number;
  ordersPort: number;
  adtPort: number;
  hisPort: number;
}

export interface DemoProcess extends DemoPorts {
  /** http://127.0.0.1:<port> without a trailing slash. */
  baseUrl: string;
  /** Node-RED's user directory (removed by stop() unless the caller gave it). */
  userDir: string;
  /** Everything the demo printed so far (stdout and stderr). */
  output(): string;
  /** Node-RED log entries at warn level or worse (from SANTE_DEMO_LOG_FILE). */
  warnings(): DemoLogEntry[];
  waitForOutput(pattern: RegExp, what: string, limitMs?: number): Promise<void>;
  /** Waits until the log file holds a warning or error whose text matches. */
  waitForWarning(pattern: RegExp, limitMs?: number): Promise<DemoLogEntry>;
  /** SIGTERM, then waits for the exit; resolves with the exit code (null if it had to be killed). */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash or the OOM killer ends it: nothing of the demo runs after the kill. Resolves at its exit. */
  kill(): Promise<void>;
}

export interface DemoOptions {
  /** false: the demo starts no simulator and its flows use pacsPort (the test runs its own simulator there). */
  simulator: boolean;
  /** false: SANTE_DEMO_HIS=off, the results go to hisPort (the test's own receiver, or nothing). Default true. */
  his?: boolean;
  pacsPort?: number;
  hisPort?: number;
  /** The examples' own MLLP ports (2576, 2577, 2578) instead of free ones, e.g. for screenshots that show them. */
  examplePorts?: boolean;
  /** A restart: the MLLP and simulator ports and the user directory of this demo, which has exited. */
  again?: DemoProcess;
  /** Leave the user directory in place at stop() (for a restart). */
  keepUserDir?: boolean;
  /** More command-line arguments (--reset). */
  args?: string[];
}

export async function spawnDemo(options: DemoOptions): Promise<DemoProcess> {
  if (!existsSync(START_SCRIPT)) throw new Error(`${START_SCRIPT} is missing: build first (npm run build)`);
  const before = options.again;
  const userDir = before?.userDir ?? mkdtempSync(join(tmpdir(), "sante-demo-"));
  const logFile = join(userDir, "warnings.jsonl");
  const example = (port: number) => (options.examplePorts ? port : freePort());
  const ports: DemoPorts = before
    ? {
        webPort: 0,
        pacsPort: before.pacsPort,
        ordersPort: before.ordersPort,
        adtPort: before.adtPort,
        hisPort: before.hisPort,
      }
    : {
        webPort: 0,
        pacsPort: options.pacsPort ?? (await freePort()),
        ordersPort: await example(2576),
        adtPort: await example(2577),
        hisPort: options.hisPort ?? (await example(2578)),
      };
  const child = spawn(process.execPath, [START_SCRIPT, ...(options.args ?? [])], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      SANTE_DEMO_PORT: "0",
      SANTE_DEMO_PACS_PORT: String(ports.pacsPort),
      SANTE_DEMO_ORDERS_PORT: String(ports.ordersPort),
      SANTE_DEMO_ADT_PORT: String(ports.adtPort),
      SANTE_DEMO_HIS_PORT: String(ports.hisPort),
      SANTE_DEMO_USER_DIR: userDir,
      SANTE_DEMO_LOG_FILE: logFile,
      SANTE_DEMO_SIMULATOR: options.simulator ? "on" : "off",
      SANTE_DEMO_HIS: options.his === false ? "off" : "on",
      SANTE_DEMO_SYNTHETIC: "300",
      SANTE_DEMO_NODE_RED: NODE_RED_DIR,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
    for (const listener of listeners) listener();
  });

  const waitForOutput = (pattern: RegExp, what: string, limitMs = 60_000): Promise<void> =>
    new Promise((resolveWait, reject) => {
      const check = () => {
        if (pattern.test(output)) done();
        else if (/\[error\]/.test(output)) done(new Error(`the demo logged an error before ${what}:\n${output}`));
        else if (exitCode !== undefined) done(new Error(`the demo exited (${exitCode}) before ${what}:\n${output}`));
      };
      const timer = setTimeout(() => done(new Error(`no ${what} within ${limitMs} ms:\n${output}`)), limitMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolveWait();
      };
      listeners.add(check);
      check();
    });

  const stop = async (): Promise<number | null> => {
    if (exitCode === undefined) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(killer);
    }
    if (!options.keepUserDir) rmSync(userDir, { recursive: true, force: true });
    return exitCode ?? null;
  };
  const kill = async (): Promise<void> => {
    if (exitCode === undefined) {
      child.kill("SIGKILL");
      await exited;
    }
  };

  try {
    // The banner comes once Node-RED says the flows started; their hl7 in nodes are opening their ports then.
    await waitForOutput(/Node-RED editor: +http:\/\/127\.0\.0\.1:\d+\//, "the editor URL");
    await acceptsConnections(ports.ordersPort, "the orders listener");
    await acceptsConnections(ports.adtPort, "the ADT listener");
  } catch (err) {
    await stop();
    throw err;
  }
  const baseUrl = /Node-RED editor: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1] as string;
  const waitForWarning = async (pattern: RegExp, limitMs = 20_000): Promise<DemoLogEntry> => {
    const start = Date.now();
    for (;;) {
      const found = readWarnings(logFile).find((entry) => pattern.test(entry.msg));
      if (found) return found;
      if (Date.now() - start > limitMs) throw new Error(`no warning matching ${String(pattern)} within ${limitMs} ms`);
      await new Promise((resolveWait) => setTimeout(resolveWait, 20));
    }
  };
  return {
    ...ports,
    webPort: Number(new URL(baseUrl).port),
    baseUrl,
    userDir,
    output: () => output,
    warnings: () => readWarnings(logFile),
    waitForOutput,
    waitForWarning,
    stop,
    kill,
  };
}

/** Resolves once something accepts a TCP connection on the port (which it closes at once). */
async function acceptsConnections(port: number, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const open = await new Promise<boolean>((resolveProbe) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolveProbe(true);
      });
      socket.once("error", () => resolveProbe(false));
    });
    if (open) return;
    if (Date.now() - start > limitMs) throw new Error(`${what} (port ${port}) did not open within ${limitMs} ms`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}

function readWarnings(file: string): DemoLogEntry[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as DemoLogEntry);
}
