import { SanteError } from "../errors";
import { readChoice, readText } from "../util/settings";
import type { Hl7Designator } from "./header";
import { DEFAULT_LINK_CODE, type ResultMessageOptions } from "./result";

/**
 * The `sante-hl7-result` node's defaults: RAD-128's ORU^R01, the library's link code, and the order where
 * `sante-hl7-in` puts it (msg.payload is taken by the lookups by the time the result is built).
 */
export const RESULT_NODE_DEFAULTS = {
  shape: "oru",
  linkCode: DEFAULT_LINK_CODE,
  order: "hl7.message",
  controlIdFrom: "new",
} as const;

// The first of each is the default (RESULT_NODE_DEFAULTS).
const SHAPES = [RESULT_NODE_DEFAULTS.shape, "status"] as const;
const CONTROL_ID_SOURCES = [RESULT_NODE_DEFAULTS.controlIdFrom, "order"] as const;

/**
 * buildResultMessage's options from a `sante-hl7-result` node's settings. An empty link code means the default
 * code, text and system together (a site's code with our text would be a code nobody defined); with a code, the
 * text and system are taken as typed, empty or not. An empty application or facility keeps the default, the
 * order's receiver and sender swapped; `NAME^1.2.3^ISO` gives a whole HD. Throws SANTE_INVALID_INPUT.
 */
export function readResultOptions(def: Record<string, unknown>): ResultMessageOptions {
  const shape = readChoice(def.shape, "shape", SHAPES, SHAPES[0]);
  const controlIdFrom = readChoice(def.controlIdFrom, "controlIdFrom", CONTROL_ID_SOURCES, CONTROL_ID_SOURCES[0]);
  const code = readText(def.linkCode, "linkCode");
  const options: { -readonly [K in keyof ResultMessageOptions]: ResultMessageOptions[K] } = {
    shape,
    controlIdFrom,
    linkCode:
      code === ""
        ? DEFAULT_LINK_CODE
        : { code, text: readText(def.linkText, "linkText"), system: readText(def.linkSystem, "linkSystem") },
  };
  for (const name of ["sendingApplication", "sendingFacility", "receivingApplication", "receivingFacility"] as const) {
    const designator = readDesignator(readText(def[name], name));
    if (designator !== undefined) options[name] = designator;
  }
  return options;
}

/** "RIS" is a name (HD.1); "RIS^1.2.3^ISO" the three parts of an HD, as MSH-3 to MSH-6 write them. */
function readDesignator(value: string): Hl7Designator | undefined {
  if (value === "") return undefined;
  if (!value.includes("^")) return value;
  const [namespaceId = "", universalId = "", universalIdType = "", ...rest] = value.split("^");
  if (rest.length > 0) {
    throw new SanteError("SANTE_INVALID_INPUT", `An application or facility has at most 3 parts (NAME^ID^TYPE)`);
  }
  return { namespaceId, universalId, universalIdType };
}
