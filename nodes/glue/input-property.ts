import { SanteError } from "../../lib/sante";
import { parseHl7PathList, readHl7 } from "../../lib/hl7";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./node-red-types";
import { toSanteError } from "../../lib/errors";
import type { Translate } from "./translate";

/** A TypedInput as saved by the editor: `property` and `propertyType`. */
export interface PropertySpec {
  value: string;
  type: string;
}

/** Types the editor offers; `hl7` is ours (resources/sante-pacs-editor.js defines it for the editor). */
const TYPES = new Set(["msg", "flow", "global", "str", "env", "jsonata", "hl7"]);

/** Where a node reads its input unless told otherwise, as in Node-RED's core nodes. */
export const INPUT_DEFAULT: PropertySpec = { value: "payload", type: "msg" };

export function readPropertySpec(def: NodeDef, allowHl7: boolean): PropertySpec {
  const type = typeof def.propertyType === "string" && def.propertyType !== "" ? def.propertyType : INPUT_DEFAULT.type;
  const value = typeof def.property === "string" ? def.property : INPUT_DEFAULT.value;
  if (!TYPES.has(type) || (type === "hl7" && !allowHl7)) {
    throw new SanteError("SANTE_INVALID_INPUT", `property type "${type}" is not supported`);
  }
  // A bad field path is a configuration error: report it at deploy rather than with every message.
  if (type === "hl7") parseHl7PathList(value);
  return { value: type === "msg" && value === "" ? INPUT_DEFAULT.value : value, type };
}

/** How the help and error messages name where a value came from: msg.payload, flow.uid, HL7 PID-3.1, … */
function describeProperty(spec: PropertySpec): string {
  if (spec.type === "msg" || spec.type === "flow" || spec.type === "global") return `${spec.type}.${spec.value}`;
  if (spec.type === "hl7") return `HL7 ${spec.value}`;
  if (spec.type === "jsonata") return "JSONata";
  return spec.type === "env" ? `env ${spec.value}` : spec.type;
}

/**
 * The value a message asks about. `hl7` reads msg.payload as an HL7 v2 message;
 * the other types go through Node-RED's own evaluateNodeProperty (the callback
 * form, which also serves asynchronous context stores). Any failure is a
 * SanteError SANTE_INVALID_INPUT.
 */
export function resolveInput(
  RED: NodeAPI,
  node: Node,
  msg: NodeMessage,
  spec: PropertySpec,
  t: Translate,
): Promise<unknown> {
  if (spec.type === "hl7") {
    const payload = msg.payload;
    if (typeof payload !== "string" && !Buffer.isBuffer(payload)) {
      const got = payload === null ? "null" : Array.isArray(payload) ? "array" : typeof payload;
      return Promise.reject(new SanteError("SANTE_INVALID_INPUT", t("errors.hl7-payload", { type: got })));
    }
    try {
      return Promise.resolve(readHl7(payload, spec.value));
    } catch (err) {
      return Promise.reject(toSanteError(err));
    }
  }
  // JSONata syntax errors and bad context keys throw instead of calling back: the promise rejects with them all the same.
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(spec.value, spec.type, node, msg, (err, value) => {
      if (err) reject(toSanteError(err));
      else if (value === undefined || value === null) {
        reject(new SanteError("SANTE_INVALID_INPUT", t("errors.no-input", { property: describeProperty(spec) })));
      } else resolve(value);
    });
  });
}
