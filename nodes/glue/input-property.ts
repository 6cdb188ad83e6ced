import { SanteError } from "../../lib/sante";
import { parseHl7PathList, readHl7 } from "../../lib/hl7";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./node-red-types";
import { toSanteError } from "../../lib/errors";
import type { Translate } from "./translate";
import { messageReader, typeName } from "./output-property";

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
export function describeProperty(spec: PropertySpec): string {
  if (spec.type === "msg" || spec.type === "flow" || spec.type === "global") return `${spec.type}.${spec.value}`;
  if (spec.type === "hl7") return `HL7 ${spec.value}`;
  if (spec.type === "jsonata") return "JSONata";
  return spec.type === "env" ? `env ${spec.value}` : spec.type;
}

/**
 * How one node reads each message's input value, chosen once at deploy.
 * `msg` properties and `hl7` fields are read at once (the value, or a thrown
 * SanteError SANTE_INVALID_INPUT), which spares every message a promise;
 * the other types go through Node-RED's evaluateNodeProperty in its callback
 * form, because context stores and JSONata may answer later.
 */
type InputReader =
  | { readonly sync: true; read(msg: NodeMessage): unknown }
  | { readonly sync: false; read(msg: NodeMessage): Promise<unknown> };

export function inputReader(RED: NodeAPI, node: Node, spec: PropertySpec, t: Translate): InputReader {
  if (spec.type === "hl7") return { sync: true, read: (msg) => readHl7Field(msg, spec, t) };
  if (spec.type === "msg") {
    const get = messageReader(RED, spec.value);
    return {
      sync: true,
      read: (msg) => {
        let value: unknown;
        try {
          value = get(msg);
        } catch (err) {
          // A path through something missing (msg.a.b without msg.a) throws, as in evaluateNodeProperty.
          throw toSanteError(err);
        }
        return present(value, spec, t);
      },
    };
  }
  return { sync: false, read: (msg) => resolveInput(RED, node, msg, spec, t) };
}

function present(value: unknown, spec: PropertySpec, t: Translate): unknown {
  if (value === undefined || value === null) throw missing(spec, t);
  return value;
}

function missing(spec: PropertySpec, t: Translate): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", t("errors.no-input", { property: describeProperty(spec) }));
}

/** The fields an `hl7` property names, read from msg.payload as an HL7 v2 message. */
function readHl7Field(msg: NodeMessage, spec: PropertySpec, t: Translate): unknown {
  const payload = msg.payload;
  if (typeof payload !== "string" && !Buffer.isBuffer(payload)) {
    throw new SanteError("SANTE_INVALID_INPUT", t("errors.hl7-payload", { type: typeName(payload) }));
  }
  try {
    return readHl7(payload, spec.value);
  } catch (err) {
    throw toSanteError(err);
  }
}

/**
 * The value a message asks about, through Node-RED's own evaluateNodeProperty
 * (the callback form, which also serves asynchronous context stores). Any
 * failure is a SanteError SANTE_INVALID_INPUT.
 */
function resolveInput(RED: NodeAPI, node: Node, msg: NodeMessage, spec: PropertySpec, t: Translate): Promise<unknown> {
  // JSONata syntax errors and bad context keys throw instead of calling back: the promise rejects with them all the same.
  return new Promise((resolve, reject) => {
    RED.util.evaluateNodeProperty(spec.value, spec.type, node, msg, (err, value) => {
      if (err) reject(toSanteError(err));
      else if (value === undefined || value === null) reject(missing(spec, t));
      else resolve(value);
    });
  });
}
