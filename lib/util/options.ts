import { SanteError } from "../errors";

/** The whole numbers each option of a component accepts, [min, max]: the runtime checks them, the editor reads them. */
export type Limits = Readonly<Record<string, readonly [number, number]>>;

/** Refuses an option out of range when the component is made, not at its first message. */
function checkWholeNumber(owner: string, name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(owner, `${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

/** Checks every option `limits` names against its range. */
export function checkLimits<L extends Limits>(
  owner: string,
  options: { readonly [K in keyof L]: unknown },
  limits: L,
): void {
  for (const name of Object.keys(limits) as (keyof L & string)[]) {
    const [min, max] = limits[name];
    checkWholeNumber(owner, name, options[name], min, max);
  }
}

export function invalidOption(owner: string, what: string): SanteError {
  return new SanteError("SANTE_INVALID_INPUT", `Invalid ${owner} option: ${what}`);
}
