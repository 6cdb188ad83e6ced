/** Node-RED settings of the demo: loopback only, no first-run tour or telemetry prompt, our package loaded from the project. */
import { appendFileSync } from "node:fs";
import { PROJECT_ROOT, type DemoConfig } from "./config";
import type { NodeRedLogMessage } from "./node-red";

/** Fixed: no prompt and no warning. It protects nothing; do not reuse it, or this user directory, for anything real. */
export const DEMO_CREDENTIAL_SECRET = "sante-pacs-demo";

export const LOG_LEVEL = { fatal: 10, error: 20, warn: 30, info: 40 } as const;

export function demoSettings(config: DemoConfig, onLog?: (entry: NodeRedLogMessage) => void): object {
  const logFile = config.logFile;
  return {
    uiHost: config.host,
    uiPort: config.port,
    httpAdminRoot: "/",
    httpNodeRoot: "/",
    userDir: config.userDir,
    flowFile: "flows.json",
    flowFilePretty: true,
    // The project root is itself a Node-RED module (package.json "node-red"), loaded from dist/nodes.
    nodesDir: [PROJECT_ROOT],
    // The example flows hold no credentials; see DEMO_CREDENTIAL_SECRET.
    credentialSecret: DEMO_CREDENTIAL_SECRET,
    functionExternalModules: false,
    editorTheme: {
      tours: false,
      // Projects stay off. An explicit `enabled: false` would log a warning at every start.
      projects: {},
      page: { title: "Node-RED · Sante PACS demo" },
      header: { title: "Node-RED · Sante PACS demo" },
    },
    // Node-RED 4.1 asks on first start whether it may check for updates; the demo does not phone home.
    telemetry: { enabled: false },
    logging: {
      console: { level: "info", metrics: false, audit: false },
      // Warnings and errors also to onLog and the log file: the browser test reads them.
      sante: {
        level: "warn",
        metrics: false,
        audit: false,
        handler: () => (entry: NodeRedLogMessage) => {
          if (entry.level > LOG_LEVEL.warn) return;
          onLog?.(entry);
          if (logFile) appendFileSync(logFile, `${JSON.stringify(describeLog(entry))}\n`);
        },
      },
    },
  };
}

function describeLog(entry: NodeRedLogMessage): object {
  const text = entry.msg instanceof Error ? (entry.msg.stack ?? entry.msg.message) : entry.msg;
  return {
    level: entry.level,
    type: entry.type,
    id: entry.id,
    name: entry.name,
    msg: typeof text === "string" ? text : asText(text),
  };
}

function asText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
