import type { NodeAPI, NodeDef, NodeMessage } from "./node-red-types";

/** The msg property a lookup writes its result to unless told otherwise. */
export const OUTPUT_DEFAULT = "payload";

/** The msg property a lookup writes its result to; OUTPUT_DEFAULT when the field is empty. */
export function outputProperty(def: NodeDef): string {
  const raw = typeof def.output === "string" ? def.output.trim() : "";
  return raw.startsWith("msg.") ? raw.slice(4) : raw || OUTPUT_DEFAULT;
}

/** A property that is one plain name (payload, token): setMessageProperty would only do msg[name] = value. */
const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Writes a result to the node's output property. A plain name is set directly,
 * sparing each message the parse of the property expression that
 * RED.util.setMessageProperty does; a path (a.b, a[0]) goes through it.
 */
export function outputWriter(RED: NodeAPI, property: string): (msg: NodeMessage, value: unknown) => void {
  if (PLAIN_NAME.test(property) && property !== "__proto__") {
    return (msg, value) => {
      msg[property] = value;
    };
  }
  return (msg, value) => {
    RED.util.setMessageProperty(msg, property, value, true);
  };
}
