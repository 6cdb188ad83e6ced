/**
 * `npm start`: the simulated PACS and Node-RED with this package and the
 * example flows, in one process, on loopback only. Node-RED is embedded
 * (require("node-red"), RED.init/start/stop) rather than spawned: one process
 * to stop on Ctrl-C, our own HTTP server bound to 127.0.0.1, and the runtime
 * log in our hands.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { ENV_HELP, PROJECT_ROOT, readDemoConfig, type DemoConfig } from "./config";
import { mergeExamples, readExamples } from "./flows";
import { bindHostlessListenersTo } from "./loopback-only";
import { loadNodeRed, type NodeRedLogMessage } from "./node-red";
import { encryptedCredentials } from "./credentials";
import { DEMO_CREDENTIAL_SECRET, demoSettings } from "./settings";

export interface RunningDemo {
  /** The editor, e.g. http://127.0.0.1:1880/ */
  editorUrl: string;
  /** Example 02's page for the vendor document's patient. */
  patientUrl: string;
  /** Where flows.json is, and whether this start wrote it. */
  flowFile: string;
  flowsWritten: boolean;
  simulator: RunningSimulator | undefined;
  close(): Promise<void>;
}

export const EXAMPLE_PATIENT_ID = "ID200631zw609";

/** Starts everything; rejects (after undoing what started) when a port is taken or Node-RED fails. */
export async function startDemo(config: DemoConfig, onLog?: (entry: NodeRedLogMessage) => void): Promise<RunningDemo> {
  bindHostlessListenersTo(config.host);
  mkdirSync(config.userDir, { recursive: true });
  const flowFile = join(config.userDir, "flows.json");
  const flowsWritten = config.resetFlows || !existsSync(flowFile);
  if (flowsWritten) {
    const flows = mergeExamples(readExamples(join(PROJECT_ROOT, "examples")), config);
    writeFileSync(flowFile, `${JSON.stringify(flows, null, 4)}\n`);
    const credentials = encryptedCredentials(DEMO_CREDENTIAL_SECRET);
    writeFileSync(join(config.userDir, "flows_cred.json"), `${JSON.stringify(credentials, null, 4)}\n`);
  }

  const simulator = config.simulator
    ? await startSimulator({ host: config.host, port: config.pacsPort, synthetic: config.synthetic })
    : undefined;
  const RED = loadNodeRed(config.nodeRedDir);
  const server = createServer((req, res) => {
    RED.httpAdmin(req, res, (adminErr) => {
      if (adminErr) return fail(res, adminErr);
      RED.httpNode(req, res, (nodeErr) => {
        if (nodeErr) return fail(res, nodeErr);
        res.statusCode = 404;
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end("Not found\n");
      });
    });
  });
  try {
    RED.init(server, demoSettings(config, onLog));
    await listen(server, config.port, config.host);
    await RED.start();
  } catch (err) {
    // Node-RED cannot be restarted in this process anyway; free the ports and let the caller exit.
    await stopAll(undefined, server, simulator);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const base = `http://${config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    editorUrl: `${base}/`,
    patientUrl: `${base}/sante/patients/${EXAMPLE_PATIENT_ID}`,
    flowFile,
    flowsWritten,
    simulator,
    close: () => (closing ??= stopAll(() => RED.stop(), server, simulator)),
  };
}

async function stopAll(
  stopRed: (() => Promise<void>) | undefined,
  server: Server,
  simulator: RunningSimulator | undefined,
): Promise<void> {
  try {
    await stopRed?.();
  } finally {
    // The editor's keep-alive and websocket connections would hold server.close() open.
    const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    server.closeAllConnections();
    await closed;
    await simulator?.close();
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function fail(res: ServerResponse, err: unknown): void {
  if (!res.headersSent) {
    res.statusCode = 500;
    res.setHeader("content-type", "text/plain; charset=utf-8");
  }
  res.end(`Internal error: ${err instanceof Error ? err.message : String(err)}\n`);
}

function printBanner(demo: RunningDemo, config: DemoConfig): void {
  const relative = (path: string) => (path.startsWith(`${PROJECT_ROOT}/`) ? path.slice(PROJECT_ROOT.length + 1) : path);
  const sendPort = (port: number, example: number) => (port === example ? "" : ` --port ${port}`);
  const pacs = demo.simulator
    ? `simulated PACS on ${config.host}:${demo.simulator.port} (vendor examples + ${config.synthetic} generated patients)`
    : `your PACS on ${config.host}:${config.pacsPort} (simulator off)`;
  const lines = [
    "",
    "Sante PACS demo is running",
    `  Node-RED editor:   ${demo.editorUrl}`,
    `  Patient page:      ${demo.patientUrl}`,
    `  HL7 token lookups: ${pacs}`,
    `  MLLP listeners:    orders ${config.host}:${config.ordersPort} (example 01), ADT ${config.host}:${config.adtPort} (example 03)`,
    `  Flows:             ${relative(demo.flowFile)} (${demo.flowsWritten ? "written from examples/" : "kept from the last run; npm start -- --reset restores the examples"})`,
    "",
    "Send an order (in another terminal, in this folder), then look at the editor's Debug sidebar:",
    `  npm run send-hl7 -- examples/data/orm-o01.hl7${sendPort(config.ordersPort, 2576)}`,
    "",
    "Stop with Ctrl+C.",
    "",
  ];
  console.log(lines.join("\n"));
}

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    console.log(`Usage: npm start [-- --reset]\n${ENV_HELP}`);
    return;
  }
  let config: DemoConfig;
  try {
    config = readDemoConfig(process.env, process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  let demo: RunningDemo;
  try {
    demo = await startDemo(config);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const hint =
      code === "EADDRINUSE" || code === "SANTE_CONNECTION" ? `\nA port is taken; set other ports:\n${ENV_HELP}` : "";
    console.error(`The demo could not start: ${(err as Error).message}${hint}`);
    process.exit(1);
  }
  printBanner(demo, config);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.log(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping Node-RED and the simulator…`);
    // Node-RED waits up to 15 s for nodes to close; past 20 s something hangs.
    setTimeout(() => {
      console.error("Did not stop within 20 s; exiting");
      process.exit(1);
    }, 20_000).unref();
    demo.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`Error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (require.main === module) void main();
