/**
 * The copy of a message that a wait keeps on disk until it is delivered,
 * hours or days later, possibly by another process after a restart. Only
 * what JSON can hold comes back the same, so anything else is refused at
 * once, naming the part, rather than coming back changed or missing:
 * functions, class instances (an `http in` node's msg.res and msg.req, a
 * socket, a Date), NaN and ±Infinity, BigInt, symbols, typed arrays, and
 * circular references. A Buffer is kept (HL7 read by a core `tcp in` node
 * arrives as one) and comes back as a Buffer. A property whose value is
 * undefined is left out, as JSON leaves it out.
 */
import { SanteError } from "../errors";

/** Default cap on a stored message as JSON: an order is a few KiB, a message with a PDF in it is not one to wait with. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_DEPTH = 64;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PathPart = string | number;

/** Checks `msg` and returns its stored form (UTF-8 JSON). Throws SANTE_INVALID_INPUT naming the first part that cannot be kept. */
export function encodeMessage(msg: unknown, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Buffer {
  if (!isPlainObject(msg)) throw refuse([], `is ${describe(msg)}, not an object`);
  const buffers: PathPart[][] = [];
  const copy = copyValue(msg, [], new Set(), buffers);
  const text = buffers.length > 0 ? JSON.stringify({ m: copy, b: buffers }) : JSON.stringify({ m: copy });
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length > maxBytes) {
    throw new SanteError(
      "SANTE_INVALID_INPUT",
      `msg is ${mib(bytes.length)} as JSON; a message kept for a wait may be at most ${mib(maxBytes)}`,
    );
  }
  return bytes;
}

/** The message back from its stored form, Buffers restored. */
export function decodeMessage(bytes: Buffer): Record<string, unknown> {
  const stored = JSON.parse(bytes.toString("utf8")) as { m: Record<string, unknown>; b?: PathPart[][] };
  for (const path of stored.b ?? []) restoreBuffer(stored.m, path);
  return stored.m;
}

function copyValue(value: unknown, path: PathPart[], ancestors: Set<object>, buffers: PathPart[][]): Json {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw refuse(path, `is ${value}, which JSON cannot hold`);
      return value;
    case "object":
      break;
    default:
      throw refuse(path, `is ${describe(value)}`);
  }
  if (value === null) return null;
  if (Buffer.isBuffer(value)) {
    buffers.push([...path]);
    return value.toString("base64");
  }
  if (ancestors.has(value)) throw refuse(path, "refers back to an object that contains it (a circular reference)");
  if (path.length >= MAX_DEPTH) throw refuse(path, `is nested more than ${MAX_DEPTH} levels deep`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value as unknown[];
      const out: Json[] = [];
      // A plain loop, not map(): map() skips the holes of a sparse array, which JSON would turn into null.
      for (let i = 0; i < items.length; i++) {
        if (items[i] === undefined) throw refuse([...path, i], "is undefined (JSON would turn it into null)");
        out.push(copyValue(items[i], [...path, i], ancestors, buffers));
      }
      return out;
    }
    if (!isPlainObject(value)) throw refuse(path, `is ${describe(value)}`);
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      // defineProperty: a key named "__proto__" must stay a key, not replace the copy's prototype.
      Object.defineProperty(out, key, {
        value: copyValue(item, [...path, key], ancestors, buffers),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

function restoreBuffer(root: Record<string, unknown>, path: PathPart[]): void {
  if (path.length === 0) return;
  let holder: unknown = root;
  for (const part of path.slice(0, -1)) holder = (holder as Record<PathPart, unknown>)[part];
  const last = path[path.length - 1];
  const base64 = (holder as Record<PathPart, unknown>)[last];
  Object.defineProperty(holder, last, {
    value: Buffer.from(String(base64), "base64"),
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return "a BigInt";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "undefined") return "undefined";
  if (typeof value !== "object") return `a ${typeof value}`;
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date (keep it as text, e.g. toISOString())";
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return "a typed array (only Buffers are kept)";
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name ? `an object of class ${name}` : "an object with a custom prototype";
}

function refuse(path: PathPart[], problem: string): SanteError {
  const where = formatPath(path);
  const top = path[0];
  const hint =
    top === "res" || top === "req"
      ? ": an http in request cannot wait for days; answer it first (e.g. 202 Accepted from an http response node) and delete msg.res and msg.req before this node"
      : "";
  return new SanteError("SANTE_INVALID_INPUT", `cannot keep the message for a wait: ${where} ${problem}${hint}`);
}

function formatPath(path: PathPart[]): string {
  let text = "msg";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) text += `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
