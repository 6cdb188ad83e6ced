/**
 * `npm run send-hl7 -- <file.hl7> [--host 127.0.0.1] [--port 2576] [--timeout 10000]`:
 * sends an HL7 v2 message file over MLLP and prints the acknowledgement.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { portOption, runCommand } from "./command";
import { sendMllp, toHl7Segments } from "./mllp-client";

const USAGE = `Usage: npm run send-hl7 -- <file.hl7> [options]

Sends one HL7 v2 message over MLLP and prints the reply (the ACK).
Lines of the file are the message's segments.

Options:
  --host <address>   default 127.0.0.1
  --port <n>         default 2576 (example 01, orders; example 03, ADT, listens on 2577)
  --timeout <ms>     default 10000

Examples:
  npm run send-hl7 -- examples/data/orm-o01.hl7
  npm run send-hl7 -- examples/data/omi-o23.hl7
  npm run send-hl7 -- examples/data/adt-a08.hl7 --port 2577`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "2576" },
      timeout: { type: "string", default: "10000" },
      help: { type: "boolean", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const port = portOption(values.port);
  const timeoutMs = Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new Error(`--timeout must be a positive number of ms`);

  const file = positionals[0];
  const message = toHl7Segments(readFileSync(file, "utf8"));
  const type = message.split("\r", 1)[0]?.split("|")[8] ?? "?";
  console.log(`Sending ${type} from ${file} to ${values.host}:${port} (MLLP)…`);
  const reply = await sendMllp(message, { host: values.host, port, timeoutMs });
  console.log("Reply:");
  for (const segment of reply.split(/\r\n|\r|\n/).filter((s) => s !== "")) console.log(`  ${segment}`);
  const msa = reply.split(/\r\n|\r|\n/).find((s) => s.startsWith("MSA"));
  const code = msa?.split(msa[3] ?? "|")[1];
  if (code === "AA" || code === "CA") return 0;
  console.error(msa ? `Not accepted: MSA-1 is ${code}` : "The reply has no MSA segment");
  return 1;
}

runCommand("send-hl7", main);
