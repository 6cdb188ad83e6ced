#!/usr/bin/env node
/** `sante-pacs-sim`: argument parsing and signals only; the simulator itself is in server.ts. */
import { parseArgs } from "node:util";
import { buildCatalog } from "./build-catalog";
import { SEED_STUDY_PATIENT_ID } from "./seed-data";
import { DEFAULT_HOST, DEFAULT_PORT, serveCatalog } from "./server";
import { learnStudy } from "./learn";
import { learnFromLines } from "./stdin-studies";

const USAGE = `Usage: sante-pacs-sim [options]

Stands in for Sante PACS Server's HL7 port (token look-up by Study Instance UID or Patient ID).
Always serves the vendor document's examples: patient ID200631zw609 (3 studies) and the study
1.2.826.0.1.3748527.1.4.2.0.20181120.185921.384642 (filed under patient ${SEED_STUDY_PATIENT_ID}).

Options:
  --host <address>       address to listen on (default ${DEFAULT_HOST})
  --port <n>             port to listen on (default ${DEFAULT_PORT}; 0 = any free port)
  --data <file>          more patients from a .json or .csv file
  --synthetic <n>        add n generated patients SIM000001… (default 0)
  --close-after-reply    end each connection after one reply
  --quiet                do not log requests
  --help                 show this text

While it runs, each line on standard input makes it know one more study (as when the images
arrive after the order): patientId,studyInstanceUid[,token], a row as in a --data CSV file.
Type it, or pipe it: tail -f more-studies.csv | sante-pacs-sim`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: "string", default: DEFAULT_HOST },
      port: { type: "string", default: String(DEFAULT_PORT) },
      data: { type: "string" },
      synthetic: { type: "string", default: "0" },
      "close-after-reply": { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = wholeNumber(values.port, "--port", 65535);
  const synthetic = wholeNumber(values.synthetic, "--synthetic", Number.MAX_SAFE_INTEGER);

  const catalog = buildCatalog({ data: values.data, synthetic });
  const sim = await serveCatalog(catalog, {
    host: values.host,
    port,
    keepAlive: !values["close-after-reply"],
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  const shown = sim.host.includes(":") ? `[${sim.host}]` : sim.host;
  console.log(`Sante PACS simulator listening on ${shown}:${sim.port}`);
  console.log(`Serving ${catalog.patientCount} patients, ${catalog.studyCount} studies. Stop with Ctrl+C.`);
  console.log("Type patientId,studyInstanceUid[,token] and Enter to add a study while it runs.");
  // Each learnt study is logged like a request (not with --quiet); a bad line is reported on stderr either way.
  const log = values.quiet ? () => undefined : (line: string) => console.log(line);
  const learning = learnFromLines(process.stdin, (study, where) => learnStudy(catalog, study, where, log), console);

  const stop = (signal: NodeJS.Signals): void => {
    console.log(`${signal}: closing`);
    learning.close();
    process.stdin.destroy();
    // Once the server and sockets are gone nothing keeps the event loop alive, so node exits with code 0.
    void sim.close();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function wholeNumber(text: string, option: string, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > max)
    throw new UsageError(`${option} must be a whole number from 0 to ${max}, got "${text}"`);
  return n;
}

class UsageError extends Error {}

main().catch((err: Error) => {
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  console.error(`sante-pacs-sim: ${err.message}`);
  if (usage) console.error("Run sante-pacs-sim --help for the options.");
  process.exitCode = usage ? 2 : 1;
});
