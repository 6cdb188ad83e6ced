import { SanteError } from "../errors";

/** Refuses an option out of range when the server or client is made, not at its first message. */
export function checkWholeNumber(owner: string, name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(owner, `${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

export function invalidOption(owner: string, what: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", `Invalid ${owner} option: ${what}`);
}
