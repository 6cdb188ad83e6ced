import { isSanteError, SanteError, type SanteErrorCode } from "../core";

/**
 * The nodes promise that every failure reaching a Catch node is a SanteError
 * with a code; anything else (a JSONata error, a bad output property) becomes
 * one here, keeping the original as `cause`.
 */
export function toSanteError(err: unknown, code: SanteErrorCode = "SANTE_INVALID_INPUT"): SanteError {
  if (isSanteError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SanteError(code, message, { cause: err });
}
