/**
 * The semver functions the scorecard checks use. semver is the library node-red-dev, npm-check and Node-RED's own
 * loader decide version questions with, so the checks give the answers they give; it ships no type declarations.
 */
export interface Semver {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
  maxSatisfying(versions: string[], range: string): string | null;
  valid(version: string): string | null;
  validRange(range: string): string | null;
  gt(a: string, b: string): boolean;
  lt(a: string, b: string): boolean;
  diff(a: string, b: string): string | null;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- semver ships no type declarations
export const semver = require("semver") as Semver;
