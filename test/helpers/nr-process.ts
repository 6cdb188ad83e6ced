/**
 * A real Node-RED process (red.js, as `node-red` starts it; the version of
 * nr-runtime.ts) with our package loaded through `nodesDir`, for what the test
 * helper cannot do: settings.contextStorage, the editor's files, the library.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./fault-server";
import { packageRoot } from "./nr-package";
import { NODE_RED_CLI } from "./nr-runtime";

export interface NodeRedProcess {
  /** "http://127.0.0.1:<port>/", the editor and HTTP In nodes alike. */
  readonly base: string;
  /** Everything Node-RED printed so far. */
  readonly log: string;
  /** SIGINT, as Ctrl-C: Node-RED stops its flows and closes its context stores, then exits. */
  stop(): Promise<void>;
  /** SIGKILL, as `kill -9` or a power cut to the process: nothing is closed, nothing flushed; resolves once it is gone. */
  kill(): Promise<void>;
}

/**
 * Writes `settings` (JSON-able, merged over quiet defaults) to userDir/settings.js
 * and starts Node-RED with it; resolves once the admin API answers.
 */
export async function startNodeRed(userDir: string, settings: Record<string, unknown> = {}): Promise<NodeRedProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  const all = {
    uiPort: port,
    uiHost: "127.0.0.1",
    userDir,
    nodesDir: [packageRoot()],
    flowFile: "flows.json",
    editorTheme: { tours: false },
    telemetry: { enabled: false },
    // "info", so that "Started flows" shows when the flows are up (see ready()).
    logging: { console: { level: "info" } },
    ...settings,
  };
  writeFileSync(join(userDir, "settings.js"), `module.exports = ${JSON.stringify(all)};\n`);
  const child: ChildProcess = spawn(process.execPath, [NODE_RED_CLI, "--settings", join(userDir, "settings.js")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const stop = () => end("SIGINT");

  const started = Date.now();
  // The admin API answers before the flows have started, and with them their http-in routes.
  const ready = async () =>
    log.includes("Started flows") &&
    (await fetch(`${base}settings`).then(
      (r) => r.ok,
      () => false,
    ));
  while (!(await ready())) {
    if (child.exitCode !== null || Date.now() - started > 45000) {
      await stop();
      throw new Error(`Node-RED did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    base,
    get log() {
      return log;
    },
    stop,
    kill: () => end("SIGKILL"),
  };
}
