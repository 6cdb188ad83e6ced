/**
 * The HL7 corpus (296 real messages written by others, python-hl7's reading of each, and compare.js) lives outside
 * the repository, in the team's shared folder beside the checkout: `../shared/hl7-corpus` from the package root.
 * CI clones the repository into a folder with a copy of shared/ beside it, so the same relative path holds there.
 * `SANTE_HL7_CORPUS` points elsewhere. The corpus is not copied into the repository: its messages come from seven
 * projects under four licences, and compare.js checks every file against the SHA-256 in its manifest.
 *
 * `node dist/scripts/hl7-corpus.js` (npm run test:corpus, and .ci/run) runs compare.js on this checkout: our HL7
 * reader against python-hl7, path by path. Without the corpus it says so loudly and exits 0: the corpus is the
 * team's, not the package's, and a checkout without it must still build and test.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface Hl7CorpusEntry {
  readonly id: string;
  /** Relative to the corpus folder. */
  readonly file: string;
  readonly repository: string;
  readonly license: string;
}

/** The package root: the folder of the package.json above this file (dist/scripts/ → ../..). */
export const PACKAGE_ROOT = resolve(__dirname, "..", "..");

/** Where the corpus should be: SANTE_HL7_CORPUS, else the shared folder beside the checkout. */
function corpusDir(): string {
  return process.env.SANTE_HL7_CORPUS || resolve(PACKAGE_ROOT, "..", "shared", "hl7-corpus");
}

/** The corpus folder, or undefined when it is not there. */
export function locateHl7Corpus(): string | undefined {
  const dir = corpusDir();
  return existsSync(join(dir, "manifest.json")) ? dir : undefined;
}

/** What to say when the corpus is missing. */
export function missingCorpusMessage(): string {
  return (
    `the HL7 corpus is not at ${corpusDir()} (by default the team's shared folder beside the checkout, ` +
    "../shared/hl7-corpus); set SANTE_HL7_CORPUS to its folder"
  );
}

export function readHl7CorpusManifest(dir: string): Hl7CorpusEntry[] {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Hl7CorpusEntry[];
}

function main(): number {
  const dir = locateHl7Corpus();
  if (dir === undefined) {
    const bar = "!".repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING THE HL7 CORPUS COMPARISON: ${missingCorpusMessage()}\n${bar}\n`);
    return 0;
  }
  const run = spawnSync(process.execPath, [join(dir, "compare.js"), PACKAGE_ROOT], { stdio: "inherit" });
  return run.status ?? 1;
}

if (require.main === module) process.exitCode = main();
