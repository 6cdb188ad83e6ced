import { SanteError } from "../errors";
import { toParsedHl7, type ParsedHl7 } from "./message";
import { fieldPath, parseHl7PathList, type Hl7Path } from "./path";
import { selectHl7Value } from "./select";

/**
 * The value of the first path in the comma-separated list that yields a non-empty value, in a message given as text
 * (string or Buffer) or already parsed.
 * Throws SANTE_INVALID_INPUT for a bad path list, a message that is not HL7 v2, or when no path yields a
 * value. Error messages never quote the message: it holds patient data. They name at most its type (MSH-9)
 * and control ID (MSH-10).
 */
export function readHl7(message: string | Buffer | ParsedHl7, paths: string): string {
  const list = pathList(paths);
  const msg = toParsedHl7(message);
  for (const path of list) {
    const value = selectHl7Value(msg, path);
    if (value !== "") return value;
  }
  throw new SanteError("SANTE_INVALID_INPUT", `No value at ${listed(list)} in the HL7 message${identity(msg)}`);
}

/**
 * Path lists parsed already: a node or a sender reads the same few paths from every message. Bounded (a flow could
 * build paths from data); a list that does not parse is not kept, so it throws each time.
 */
const parsedPaths = new Map<string, readonly Hl7Path[]>();
const KNOWN_PATHS = 256;

function pathList(paths: string): readonly Hl7Path[] {
  let list = parsedPaths.get(paths);
  if (list === undefined) {
    list = parseHl7PathList(paths);
    if (parsedPaths.size >= KNOWN_PATHS) parsedPaths.clear();
    parsedPaths.set(paths, list);
  }
  return list;
}

function listed(list: readonly Hl7Path[]): string {
  const names = list.map((p) => p.text);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}`;
}

const MSH_9: Hl7Path = fieldPath("MSH", 9);
const MSH_10: Hl7Path = fieldPath("MSH", 10);

/** " (ADT^A01, control ID MSG0001)": enough to find the message in the sender's log, nothing of the patient. */
function identity(msg: ParsedHl7): string {
  const type = [1, 2, 3]
    .map((component) => safe(selectHl7Value(msg, { ...MSH_9, component })))
    .join("^")
    .replace(/\^+$/, "");
  const id = safe(selectHl7Value(msg, MSH_10));
  const parts = [type, id === "" ? "" : `control ID ${id}`].filter((s) => s !== "");
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}

/** These fields are not patient data, but they come from outside: printable ASCII only, and short. */
function safe(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 32 ? `${printable.slice(0, 32)}…` : printable;
}
