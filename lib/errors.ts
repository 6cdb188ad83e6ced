/**
 * Every failure the package reports is a SanteError whose own `code` property
 * is one of these. Node-RED copies an error's `code` to `msg.error.code`, so
 * Catch nodes can route on it; the codes are part of the public contract.
 */
export const ERROR_CODES = [
  "SANTE_INVALID_INPUT",
  "SANTE_NOT_FOUND",
  "SANTE_TIMEOUT",
  "SANTE_CONNECTION",
  "SANTE_PROTOCOL",
  "SANTE_BUSY",
  "SANTE_CLOSED",
  /** An HL7 receiver answered AE or CE (application error): it took the message and could not process it. */
  "SANTE_HL7_ERROR",
  /** An HL7 receiver answered AR or CR (rejected): it refused the message (type, version, processing ID, …). */
  "SANTE_HL7_REJECTED",
  /** A wait for a study ended without it: deadline passed, plan used up, or cancelled (lib/wait). */
  "SANTE_GAVE_UP",
  /** A wait could not be written to or read from disk (lib/wait). */
  "SANTE_STORAGE",
] as const;

export type SanteErrorCode = (typeof ERROR_CODES)[number];

export class SanteError extends Error {
  /** An own property (not a getter) so that Node-RED and JSON copies keep it. */
  readonly code: SanteErrorCode;

  constructor(code: SanteErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SanteError";
    this.code = code;
  }
}

export function isSanteError(err: unknown, code?: SanteErrorCode): err is SanteError {
  return err instanceof SanteError && (code === undefined || err.code === code);
}

/** Tokens are credentials: where one must be named, show only its first 4 characters. */
export function maskToken(token: string): string {
  return token.length <= 4 ? "…" : `${token.slice(0, 4)}…`;
}

/**
 * Every failure that reaches a Catch node is a SanteError with a code; anything
 * else (a JSONata error, a bad output property) becomes one here, keeping the
 * original as `cause`.
 */
export function toSanteError(err: unknown, code: SanteErrorCode = "SANTE_INVALID_INPUT"): SanteError {
  if (isSanteError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SanteError(code, message, { cause: err });
}
