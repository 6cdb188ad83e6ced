import type { NodeDef } from "./node-red-types";

/** The msg property a lookup writes its result to unless told otherwise. */
export const OUTPUT_DEFAULT = "payload";

/** The msg property a lookup writes its result to; OUTPUT_DEFAULT when the field is empty. */
export function outputProperty(def: NodeDef): string {
  const raw = typeof def.output === "string" ? def.output.trim() : "";
  return raw.startsWith("msg.") ? raw.slice(4) : raw || OUTPUT_DEFAULT;
}
