/**
 * What `npm start` runs, from environment variables (so that tests and users
 * with busy ports can move everything) and the command line (`--reset`).
 */
import { dirname, resolve } from "node:path";
import { WAIT_JOURNAL } from "../nodes/glue/wait-store-lease";
import { RESULT_STUDY_UID_PATH, STUDY_INSTANCE_UID_PATHS } from "../lib/hl7";

export const PROJECT_ROOT = resolve(__dirname, "..", "..");

/** The example flows are written for these ports; the demo rewrites them when others are asked for. */
export const EXAMPLE_PORTS = { pacs: 2575, orders: 2576, adt: 2577, his: 2578 } as const;

/** Where example 01's study token node reads the Study Instance UID (OMI^O23, ORM^O01, ORU^R01); images-arrive too. */
export const EXAMPLE_STUDY_UID_PATHS = `${STUDY_INSTANCE_UID_PATHS},${RESULT_STUDY_UID_PATH}`;
/** The Patient ID of an order, for images-arrive: the MR identifier of PID-3, else its first one. */
export const EXAMPLE_PATIENT_ID_PATHS = "PID-3[MR].1,PID-3.1";

/**
 * What the demo keeps in its user directory besides Node-RED's own files, so that a restart (or a SIGKILL) finds
 * it again; `npm start -- --reset` removes them. The waits are the study node's (nodes/glue/wait-store-lease.ts).
 */
export const DEMO_FILES = {
  /** Studies the simulated PACS learnt while the demo ran (npm run images-arrive): loaded at the next start. */
  learntStudies: "pacs-studies.csv",
  /** What the simulated HIS received, one JSON line per result: the HIS page lists them. */
  hisResults: "his-results.jsonl",
  /** Orders waiting for their images: the study node's durable store, a folder. */
  waits: dirname(WAIT_JOURNAL),
} as const;

export interface DemoConfig {
  /** Everything listens here only. */
  host: string;
  /** Editor, admin API and the flows' HTTP endpoints; 0 = any free port. */
  port: number;
  /** The simulated PACS's HL7 port (or a PACS of your own with simulator: false). */
  pacsPort: number;
  /** MLLP port of example 01 (orders). */
  ordersPort: number;
  /** MLLP port of example 03 (ADT). */
  adtPort: number;
  /** Where example 01 sends its results: the simulated HIS, or a HIS of your own with his: false. */
  hisPort: number;
  /** Node-RED's user directory: flows.json, context, installed palette nodes. */
  userDir: string;
  simulator: boolean;
  /** Run the simulated HIS (an MLLP receiver that acknowledges and lists what it got on /sante/his). */
  his: boolean;
  /** Generated patients served by the simulator besides the vendor's examples. */
  synthetic: number;
  /** Start over: the example flows written again, and the waits, learnt studies and HIS results removed. */
  reset: boolean;
  /** Append warnings and errors of Node-RED's log here as JSON lines (for tests). */
  logFile: string | undefined;
  /** A node-red package folder to embed instead of this project's devDependency (the compatibility run's versions). */
  nodeRedDir: string | undefined;
}

export const ENV_HELP = `Environment variables (defaults in brackets):
  SANTE_DEMO_PORT         editor and web pages [1880]
  SANTE_DEMO_PACS_PORT    simulated PACS, HL7 token port [2575]
  SANTE_DEMO_ORDERS_PORT  MLLP port of example 01, orders [2576]
  SANTE_DEMO_ADT_PORT     MLLP port of example 03, ADT [2577]
  SANTE_DEMO_HIS_PORT     simulated HIS, MLLP port that receives example 01's results [2578]
  SANTE_DEMO_USER_DIR     Node-RED user directory [.demo in the project]
  SANTE_DEMO_SIMULATOR    "off" to use a PACS already listening on SANTE_DEMO_PACS_PORT [on]
  SANTE_DEMO_HIS          "off" to send the results to a HIS of your own on SANTE_DEMO_HIS_PORT [on]
  SANTE_DEMO_SYNTHETIC    generated patients besides the vendor's examples [300]
  SANTE_DEMO_LOG_FILE     also write Node-RED warnings and errors to this file, as JSON lines
  SANTE_DEMO_NODE_RED     a node-red package folder to run instead of this project's [node_modules/node-red]
Options:
  --reset                 start over: write the example flows again (replacing flows.json) and remove
                          the waiting orders, the studies the PACS learnt and the HIS's results`;

export function readDemoConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): DemoConfig {
  for (const arg of argv) {
    if (arg !== "--reset") throw new Error(`Unknown option ${arg}\n${ENV_HELP}`);
  }
  return {
    host: "127.0.0.1",
    port: wholeNumber(env, "SANTE_DEMO_PORT", 1880, 0, 65535),
    pacsPort: wholeNumber(env, "SANTE_DEMO_PACS_PORT", EXAMPLE_PORTS.pacs, 1, 65535),
    ordersPort: wholeNumber(env, "SANTE_DEMO_ORDERS_PORT", EXAMPLE_PORTS.orders, 1, 65535),
    adtPort: wholeNumber(env, "SANTE_DEMO_ADT_PORT", EXAMPLE_PORTS.adt, 1, 65535),
    hisPort: wholeNumber(env, "SANTE_DEMO_HIS_PORT", EXAMPLE_PORTS.his, 1, 65535),
    userDir: resolve(PROJECT_ROOT, env.SANTE_DEMO_USER_DIR || ".demo"),
    simulator: onOff(env, "SANTE_DEMO_SIMULATOR"),
    his: onOff(env, "SANTE_DEMO_HIS"),
    synthetic: wholeNumber(env, "SANTE_DEMO_SYNTHETIC", 300, 0, 1_000_000),
    reset: argv.includes("--reset"),
    logFile: env.SANTE_DEMO_LOG_FILE || undefined,
    nodeRedDir: env.SANTE_DEMO_NODE_RED ? resolve(env.SANTE_DEMO_NODE_RED) : undefined,
  };
}

function onOff(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = (env[name] ?? "on").trim().toLowerCase();
  if (value !== "on" && value !== "off")
    throw new Error(`${name} must be "on" or "off", got ${JSON.stringify(env[name])}`);
  return value === "on";
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
