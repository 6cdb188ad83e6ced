import type { NodeAPI, NodeDef, NodeMessage } from "./node-red-types";

/** The msg property a lookup writes its result to unless told otherwise. */
export const OUTPUT_DEFAULT = "payload";

/** The msg property a lookup writes its result to; OUTPUT_DEFAULT when the field is empty. */
export function outputProperty(def: NodeDef): string {
  return msgProperty(def.output, OUTPUT_DEFAULT);
}

/** A msg property as a node's field holds it, without a "msg." prefix (a flow written by hand); `fallback` when empty. */
export function msgProperty(field: unknown, fallback: string): string {
  const raw = typeof field === "string" ? field.trim() : "";
  return raw.startsWith("msg.") ? raw.slice(4) : raw || fallback;
}

/** A property that is one plain name (payload, token): get/setMessageProperty would only do msg[name]. */
const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Reads a msg property. A plain name is read directly, sparing each message the parse of the property expression
 * that RED.util.getMessageProperty does; a path (a.b, a[0]) goes through it, and throws for a path through
 * something missing (msg.a.b without msg.a).
 */
export function messageReader(RED: NodeAPI, property: string): (msg: NodeMessage) => unknown {
  if (PLAIN_NAME.test(property) && property !== "__proto__") return (msg) => msg[property];
  return (msg) => RED.util.getMessageProperty(msg, property);
}

/** How a message names the type of a value it refuses: "null", "array", or its typeof. */
export function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

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
