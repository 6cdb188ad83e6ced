/**
 * `npm start`: the simulated PACS, the simulated HIS and Node-RED with this package and the example flows, in one
 * process, on loopback only: every listener binds 127.0.0.1 by its own setting (the web server, the simulators, the
 * examples' `hl7 in` nodes). Node-RED is embedded (require("node-red"), RED.init/start/stop) rather than spawned:
 * one process to stop on Ctrl-C, our own HTTP server (which also serves the HIS page), and the runtime log in our
 * hands. What the demo learns while it runs (studies whose images arrived, the HIS's results, orders waiting for
 * images) is kept in its user directory, so a restart, even after a SIGKILL, goes on where it stopped.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startSimulator, type RunningSimulator } from "../lib/simulator";
import { DEMO_FILES, ENV_HELP, EXAMPLE_PORTS, PROJECT_ROOT, readDemoConfig, type DemoConfig } from "./config";
import { encryptedCredentials } from "./credentials";
import { exposedListeners } from "./exposed-listeners";
import { mergeExamples, readExamples, type FlowNode } from "./flows";
import { startHis, type RunningHis } from "./his";
import { HIS_PAGE_PATH } from "./his-page";
import { HisResults } from "./his-results";
import { LearntStudies } from "./learnt-studies";
import { loadNodeRed, type EmbeddedNodeRed, type NodeRedLogMessage } from "./node-red";
import { demoRoutes } from "./routes";
import { DEMO_CREDENTIAL_SECRET, demoSettings } from "./settings";

export interface RunningDemo {
  /** The editor, e.g. http://127.0.0.1:1880/ */
  editorUrl: string;
  /** Example 02's page for the vendor document's patient. */
  patientUrl: string;
  /** The simulated HIS's page. */
  hisUrl: string;
  /** Where flows.json is, and whether this start wrote it. */
  flowFile: string;
  flowsWritten: boolean;
  /** Listeners in the flows that bind more than loopback (kept flows of an older demo, say). */
  exposed: string[];
  simulator: RunningSimulator | undefined;
  his: RunningHis | undefined;
  /** Studies the PACS learnt in earlier runs, loaded at this start. */
  learntBefore: number;
  /** Results the HIS page lists from earlier runs. */
  resultsBefore: number;
  /** false: the flows had not started when the banner was due (see the log). */
  flowsStarted: boolean;
  close(): Promise<void>;
}

export const EXAMPLE_PATIENT_ID = "ID200631zw609";
/** The flows normally start within a second or two; past this the banner says they have not (the log says why). */
const FLOWS_START_LIMIT_MS = 30_000;

/** Starts everything; rejects (after undoing what started) when a port is taken or Node-RED fails. */
export async function startDemo(config: DemoConfig, onLog?: (entry: NodeRedLogMessage) => void): Promise<RunningDemo> {
  mkdirSync(config.userDir, { recursive: true });
  const file = (name: string) => join(config.userDir, name);
  if (config.reset) resetState(config.userDir);
  const flowFile = file("flows.json");
  const flowsWritten = config.reset || !existsSync(flowFile);
  if (flowsWritten) {
    const flows = mergeExamples(readExamples(join(PROJECT_ROOT, "examples")), config);
    writeFileSync(flowFile, `${JSON.stringify(flows, null, 4)}\n`);
    const credentials = encryptedCredentials(DEMO_CREDENTIAL_SECRET);
    writeFileSync(file("flows_cred.json"), `${JSON.stringify(credentials, null, 4)}\n`);
  }
  const exposed = exposedListeners(readFlows(flowFile));

  const learnt = new LearntStudies(file(DEMO_FILES.learntStudies));
  const results = new HisResults(file(DEMO_FILES.hisResults));
  const log = (line: string) => console.log(line);
  let simulator: RunningSimulator | undefined;
  let his: RunningHis | undefined;
  const RED = loadNodeRed(config.nodeRedDir);
  const routes = demoRoutes({
    results,
    hisInfo: () => ({
      address: `${config.host}:${his?.port ?? config.hisPort}`,
      simulated: his !== undefined,
      count: results.count,
      sendCommand: sendCommand("examples/data/oru-r01.hl7", config.ordersPort, EXAMPLE_PORTS.orders),
    }),
    learn: config.simulator
      ? async (patientId, studyInstanceUid) => {
          if (!simulator) throw new Error("The simulated PACS is not running");
          const added = await learnt.learn(simulator, patientId, studyInstanceUid);
          log(
            `PACS: the images of study ${added.studyInstanceUid} (patient ${added.patientId}) ${added.added ? "arrived" : "were there already"}`,
          );
          return added;
        }
      : undefined,
  });
  const server = createServer((req, res) => {
    if (routes(req, res)) return;
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
  let flowsStarted: boolean;
  try {
    simulator = config.simulator
      ? await startSimulator({
          host: config.host,
          port: config.pacsPort,
          synthetic: config.synthetic,
          data: learnt.dataFile(),
        })
      : undefined;
    his = config.his ? await startHis({ host: config.host, port: config.hisPort, results, log }) : undefined;
    RED.init(server, demoSettings(config, onLog));
    await listen(server, config.port, config.host);
    const started = flowsStart(RED);
    await RED.start();
    flowsStarted = await started;
  } catch (err) {
    // Node-RED cannot be restarted in this process anyway; free the ports and let the caller exit.
    await stopAll(undefined, server, simulator, his);
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const base = `http://${config.host}:${port}`;
  let closing: Promise<void> | undefined;
  const runningSimulator = simulator;
  const runningHis = his;
  return {
    editorUrl: `${base}/`,
    patientUrl: `${base}/sante/patients/${EXAMPLE_PATIENT_ID}`,
    hisUrl: `${base}${HIS_PAGE_PATH}`,
    flowFile,
    flowsWritten,
    exposed,
    simulator,
    his,
    learntBefore: learnt.count(),
    resultsBefore: results.count,
    flowsStarted,
    close: () => (closing ??= stopAll(() => RED.stop(), server, runningSimulator, runningHis)),
  };
}

/** `--reset`: the state of earlier runs goes (the flows are written again by the caller). */
function resetState(userDir: string): void {
  for (const name of [DEMO_FILES.learntStudies, DEMO_FILES.hisResults, DEMO_FILES.waits]) {
    rmSync(join(userDir, name), { recursive: true, force: true });
  }
}

function readFlows(flowFile: string): FlowNode[] {
  try {
    const flows: unknown = JSON.parse(readFileSync(flowFile, "utf8"));
    return Array.isArray(flows) ? (flows as FlowNode[]) : [];
  } catch {
    // Node-RED reports a flows.json it cannot read; nothing listens then.
    return [];
  }
}

/** Resolves true once Node-RED says the flows run (their listeners are opening), false after FLOWS_START_LIMIT_MS. */
function flowsStart(RED: EmbeddedNodeRed): Promise<boolean> {
  return new Promise((resolve) => {
    const started = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      RED.events.removeListener("flows:started", started);
      resolve(false);
    }, FLOWS_START_LIMIT_MS);
    RED.events.once("flows:started", started);
  });
}

async function stopAll(
  stopRed: (() => Promise<void>) | undefined,
  server: Server,
  simulator: RunningSimulator | undefined,
  his: RunningHis | undefined,
): Promise<void> {
  try {
    await stopRed?.();
  } finally {
    // The editor's keep-alive and websocket connections would hold server.close() open.
    const closed = server.listening ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined;
    server.closeAllConnections();
    await closed;
    await his?.close();
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

/** `npm run send-hl7 -- <file>`, with --port when the demo does not use the examples' own port. */
function sendCommand(file: string, port: number, examplePort: number): string {
  return `npm run send-hl7 -- ${file}${port === examplePort ? "" : ` --port ${port}`}`;
}

function printBanner(demo: RunningDemo, config: DemoConfig): void {
  const relative = (path: string) => (path.startsWith(`${PROJECT_ROOT}/`) ? path.slice(PROJECT_ROOT.length + 1) : path);
  const webPort = Number(new URL(demo.editorUrl).port);
  const arrive = (file: string) => `npm run images-arrive -- ${file}${webPort === 1880 ? "" : ` --port ${webPort}`}`;
  const learnt = demo.learntBefore === 0 ? "" : `, ${demo.learntBefore} learnt while the demo ran`;
  const pacs = demo.simulator
    ? `simulated PACS on ${config.host}:${demo.simulator.port} (vendor examples + ${config.synthetic} generated patients${learnt})`
    : `your PACS on ${config.host}:${config.pacsPort} (simulator off)`;
  const his = demo.his
    ? `simulated HIS on ${config.host}:${demo.his.port} (gets example 01's results; its page lists them)`
    : `your HIS on ${config.host}:${config.hisPort} (simulated HIS off)`;
  const kept = demo.flowsWritten ? "written from examples/" : "kept from the last run";
  const later = "examples/data/orm-o01-images-later.hl7";
  const lines = [
    "",
    "Sante PACS demo is running",
    `  Node-RED editor:   ${demo.editorUrl}`,
    `  HIS page:          ${demo.hisUrl}`,
    `  Patient page:      ${demo.patientUrl}`,
    `  HL7 token lookups: ${pacs}`,
    `  HL7 in (MLLP):     orders ${config.host}:${config.ordersPort} (example 01), ADT ${config.host}:${config.adtPort} (example 03)`,
    `  HL7 out (MLLP):    ${his}`,
    `  ${`Saved in ${relative(config.userDir)}/:`.padEnd(19)}flows.json (${kept}), ${DEMO_FILES.waits}/ (orders waiting for images),`,
    `                     ${DEMO_FILES.learntStudies} (studies whose images arrived), ${DEMO_FILES.hisResults} (${demo.resultsBefore} result${demo.resultsBefore === 1 ? "" : "s"} so far)`,
    ...(demo.flowsStarted ? [] : ["", "The flows have not started yet: see Node-RED's log above."]),
    ...(demo.exposed.length === 0
      ? []
      : [
          "",
          `Note: these nodes of ${relative(demo.flowFile)} listen on every network interface, not on 127.0.0.1 only:`,
          `  ${demo.exposed.join(", ")}`,
          "  npm start -- --reset writes the examples again (their hl7 in nodes bind 127.0.0.1).",
        ]),
    "",
    `Try it, in another terminal in this folder${demo.his ? ", with the HIS page open" : ""}:`,
    `  ${sendCommand("examples/data/oru-r01.hl7", config.ordersPort, EXAMPLE_PORTS.orders)}`,
    demo.his
      ? "      a signed report: its viewer link shows on the HIS page"
      : "      a signed report: its result goes to your HIS",
    `  ${sendCommand(later, config.ordersPort, EXAMPLE_PORTS.orders)}`,
    "      an order whose images are not on the PACS yet: acknowledged, it waits (status of example 01's study token)",
    ...(demo.simulator
      ? [
          `  ${arrive(later)}`,
          "      its images arrive: its link follows at the order's next lookup (the study token node's status says when)",
        ]
      : ["      (its images arrive when your PACS receives them: the simulator is off)"]),
    "",
    "Stop with Ctrl+C; npm start again goes on where it stopped. npm start -- --reset starts over.",
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
      code === "EADDRINUSE" || code === "SANTE_CONNECTION"
        ? `\nA port is taken; set other ports:\n${ENV_HELP}`
        : code === "SANTE_INVALID_INPUT"
          ? "\nnpm start -- --reset starts over without the demo's saved state."
          : "";
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
    console.log(`\n${signal}: stopping Node-RED and the simulators…`);
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
