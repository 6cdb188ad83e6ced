/**
 * What `npm start` runs, from environment variables (so that tests and users
 * with busy ports can move everything) and the command line (`--reset`).
 */
import { resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "..", "..");

/** The example flows are written for these ports; the demo rewrites them when others are asked for. */
export const EXAMPLE_PORTS = { pacs: 2575, orders: 2576, adt: 2577 } as const;

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
  /** Node-RED's user directory: flows.json, context, installed palette nodes. */
  userDir: string;
  simulator: boolean;
  /** Generated patients served by the simulator besides the vendor's examples. */
  synthetic: number;
  /** Write the example flows even when userDir already holds a flows.json. */
  resetFlows: boolean;
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
  SANTE_DEMO_USER_DIR     Node-RED user directory [.demo in the project]
  SANTE_DEMO_SIMULATOR    "off" to use a PACS already listening on SANTE_DEMO_PACS_PORT [on]
  SANTE_DEMO_SYNTHETIC    generated patients besides the vendor's examples [300]
  SANTE_DEMO_LOG_FILE     also write Node-RED warnings and errors to this file, as JSON lines
  SANTE_DEMO_NODE_RED     a node-red package folder to run instead of this project's [node_modules/node-red]
Options:
  --reset                 write the example flows again, replacing .demo/flows.json`;

export function readDemoConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = []): DemoConfig {
  for (const arg of argv) {
    if (arg !== "--reset") throw new Error(`Unknown option ${arg}\n${ENV_HELP}`);
  }
  const simulator = (env.SANTE_DEMO_SIMULATOR ?? "on").trim().toLowerCase();
  if (simulator !== "on" && simulator !== "off") {
    throw new Error(`SANTE_DEMO_SIMULATOR must be "on" or "off", got ${JSON.stringify(env.SANTE_DEMO_SIMULATOR)}`);
  }
  return {
    host: "127.0.0.1",
    port: wholeNumber(env, "SANTE_DEMO_PORT", 1880, 0, 65535),
    pacsPort: wholeNumber(env, "SANTE_DEMO_PACS_PORT", EXAMPLE_PORTS.pacs, 1, 65535),
    ordersPort: wholeNumber(env, "SANTE_DEMO_ORDERS_PORT", EXAMPLE_PORTS.orders, 1, 65535),
    adtPort: wholeNumber(env, "SANTE_DEMO_ADT_PORT", EXAMPLE_PORTS.adt, 1, 65535),
    userDir: resolve(PROJECT_ROOT, env.SANTE_DEMO_USER_DIR || ".demo"),
    simulator: simulator === "on",
    synthetic: wholeNumber(env, "SANTE_DEMO_SYNTHETIC", 300, 0, 1_000_000),
    resetFlows: argv.includes("--reset"),
    logFile: env.SANTE_DEMO_LOG_FILE || undefined,
    nodeRedDir: env.SANTE_DEMO_NODE_RED ? resolve(env.SANTE_DEMO_NODE_RED) : undefined,
  };
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
