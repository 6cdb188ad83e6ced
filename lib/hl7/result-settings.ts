import { SanteError } from "../errors";
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
  const shape = choice(def, "shape", SHAPES);
  const controlIdFrom = choice(def, "controlIdFrom", CONTROL_ID_SOURCES);
  const code = text(def.linkCode, "linkCode");
  const options: { -readonly [K in keyof ResultMessageOptions]: ResultMessageOptions[K] } = {
    shape,
    controlIdFrom,
    linkCode:
      code === ""
        ? DEFAULT_LINK_CODE
        : { code, text: text(def.linkText, "linkText"), system: text(def.linkSystem, "linkSystem") },
  };
  for (const name of ["sendingApplication", "sendingFacility", "receivingApplication", "receivingFacility"] as const) {
    const designator = readDesignator(text(def[name], name));
    if (designator !== undefined) options[name] = designator;
  }
  return options;
}

/** One of `allowed`, the first being the default (for a field saved empty or not at all). */
function choice<T extends string>(def: Record<string, unknown>, name: string, allowed: readonly [T, ...T[]]): T {
  const value = text(def[name], name) || allowed[0];
  if (!(allowed as readonly string[]).includes(value)) {
    const names = allowed.map((a) => JSON.stringify(a)).join(" or ");
    throw new SanteError("SANTE_INVALID_INPUT", `${name} must be ${names}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function text(raw: unknown, name: string): string {
  if (raw === undefined || raw === null) return "";
  if (typeof raw !== "string") throw new SanteError("SANTE_INVALID_INPUT", `${name} must be text`);
  return raw.trim();
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
