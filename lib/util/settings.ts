import { SanteError } from "../errors";

/*
 * Reading a node's settings as the editor saves them: numbers as strings ("2575"), `$(ENV)` already replaced by
 * Node-RED, an empty field meaning the default. Every failure is SANTE_INVALID_INPUT naming the field.
 */

/** A number, a string holding one, or empty for `fallback`. */
export function readNumber(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === null || (typeof raw === "string" && raw.trim() === "")) return fallback;
  const value = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(value)) {
    throw new SanteError("SANTE_INVALID_INPUT", `${name} must be a number, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Checkboxes arrive as booleans; flows written by hand or by env vars may hold "true"/"false". */
export function readBoolean(raw: unknown, name: string, fallback: boolean): boolean {
  if (raw === undefined || raw === null || raw === "") return fallback;
  if (typeof raw === "boolean") return raw;
  if (raw === "true" || raw === "false") return raw === "true";
  throw new SanteError("SANTE_INVALID_INPUT", `${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/** Text without surrounding spaces; empty or missing gives `fallback`. */
export function readText(raw: unknown, name: string, fallback = ""): string {
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== "string") throw new SanteError("SANTE_INVALID_INPUT", `${name} must be text`);
  return raw.trim() === "" ? fallback : raw.trim();
}

/** One of `allowed`; empty or missing gives `fallback`. */
export function readChoice<T extends string>(raw: unknown, name: string, allowed: readonly T[], fallback: T): T {
  const value = readText(raw, name, fallback);
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const names = allowed.map((a) => JSON.stringify(a)).join(", ");
  throw new SanteError("SANTE_INVALID_INPUT", `${name} must be one of ${names}, got ${JSON.stringify(raw)}`);
}
