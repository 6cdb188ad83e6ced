/**
 * The demo's own state files under its user directory (learnt studies, HIS results) are append-only text, one record
 * per line, each line added with one write() of a few hundred bytes. A SIGKILL cannot stop a write() to a regular
 * file halfway, so a killed demo leaves whole lines behind (a power cut could leave a torn last line: the readers
 * skip a line they cannot read). No fsync: the demo survives a killed process, not a lost disk cache.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { appendFile } from "node:fs/promises";

/** The lines of `file`, blank ones left out; none when it does not exist. */
export function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "");
}

/** Appends `line` (without its newline) in one write. */
export function appendLine(file: string, line: string): Promise<void> {
  return appendFile(file, `${line}\n`, "utf8");
}

/** The same, at once: for a file whose first line must be there before anything reads it (a CSV header). */
export function appendLineNow(file: string, line: string): void {
  appendFileSync(file, `${line}\n`, "utf8");
}
