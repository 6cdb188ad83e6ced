/**
 * `npm run images-arrive -- <order.hl7> [--port 1880]`, or `-- --patient <id> --study <uid>`: the images of a study
 * arrive at the demo's PACS. The running demo is told over its web port (POST /sante/pacs/studies); its simulated
 * PACS knows the study from then on, also after a restart, and an order waiting for it gets its link at its next
 * lookup. The Study Instance UID is read from the file as example 01 reads it, the Patient ID from PID-3.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readHl7 } from "../lib/hl7";
import { portOption, runCommand } from "./command";
import { EXAMPLE_PATIENT_ID_PATHS, EXAMPLE_STUDY_UID_PATHS } from "./config";
import { LEARN_STUDY_PATH } from "./routes";
import { toHl7Segments } from "./mllp-client";

const USAGE = `Usage: npm run images-arrive -- <order.hl7> [options]
       npm run images-arrive -- --patient <Patient ID> --study <Study Instance UID> [options]

Tells the running demo (npm start) that the images of a study have arrived at its PACS: from now on
the simulated PACS knows the study, and an order waiting for it gets its viewer link at its next lookup.
The study is read from the order as example 01 reads it (${EXAMPLE_STUDY_UID_PATHS}), the patient
from ${EXAMPLE_PATIENT_ID_PATHS}.

Options:
  --port <n>         the demo's web port (default: SANTE_DEMO_PORT, else 1880)
  --host <address>   default 127.0.0.1

Example:
  npm run images-arrive -- examples/data/orm-o01-images-later.hl7`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: process.env.SANTE_DEMO_PORT || "1880" },
      patient: { type: "string" },
      study: { type: "string" },
      help: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const byHand = values.patient !== undefined || values.study !== undefined;
  if (values.help || positionals.length > 1 || (positionals.length === 1) === byHand) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const port = portOption(values.port);

  let patientId: string;
  let studyInstanceUid: string;
  if (byHand) {
    if (values.patient === undefined || values.study === undefined) throw new Error("give both --patient and --study");
    patientId = values.patient;
    studyInstanceUid = values.study;
  } else {
    const message = toHl7Segments(readFileSync(positionals[0], "utf8"));
    patientId = readHl7(message, EXAMPLE_PATIENT_ID_PATHS);
    studyInstanceUid = readHl7(message, EXAMPLE_STUDY_UID_PATHS);
  }

  const url = `http://${values.host}:${port}${LEARN_STUDY_PATH}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ patientId, studyInstanceUid }),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(`no demo answers at ${values.host}:${port} (${cause}): is npm start running? (--port)`, {
      cause: err,
    });
  }
  const body = (await res.json().catch(() => ({}))) as { message?: string; added?: boolean };
  if (!res.ok) {
    console.error(`images-arrive: the demo refused it (HTTP ${res.status}): ${body.message ?? res.statusText}`);
    return 1;
  }
  console.log(
    body.added
      ? `The images of study ${studyInstanceUid} (patient ${patientId}) have arrived at the demo's PACS.`
      : `The demo's PACS had the images of study ${studyInstanceUid} (patient ${patientId}) already.`,
  );
  console.log(`An order waiting for it gets its link at its next lookup: http://${values.host}:${port}/sante/his`);
  return 0;
}

runCommand("images-arrive", main);
