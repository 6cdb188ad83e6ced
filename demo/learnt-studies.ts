/**
 * The studies the demo's PACS learnt while it ran (npm run images-arrive: "the images arrived"), kept in
 * <userDir>/pacs-studies.csv, a simulator data file (lib/simulator/data-file.ts: patientId,studyInstanceUid), which
 * the next start loads. The simulator checks each study before it is written (RunningSimulator.addStudy), so the
 * file holds only rows it accepts.
 */
import { existsSync } from "node:fs";
import type { RunningSimulator, SimAddedStudy } from "../lib/simulator";
import { appendLine, appendLineNow, readLines } from "./line-file";

const HEADER = "patientId,studyInstanceUid";

export class LearntStudies {
  constructor(readonly file: string) {}

  /** The data file for startSimulator(), when there is one. */
  dataFile(): string | undefined {
    return existsSync(this.file) ? this.file : undefined;
  }

  /** Studies in the file (its rows but the header). */
  count(): number {
    return Math.max(0, readLines(this.file).length - 1);
  }

  /** The simulator learns the study, then the file keeps it (a study it knew already is not written again). */
  async learn(simulator: RunningSimulator, patientId: string, studyInstanceUid: string): Promise<SimAddedStudy> {
    const added = simulator.addStudy(patientId, studyInstanceUid);
    if (added.added) {
      if (!existsSync(this.file)) appendLineNow(this.file, HEADER);
      await appendLine(this.file, [added.patientId, added.studyInstanceUid].map(csvField).join(","));
    }
    return added;
  }
}

/** A CSV field as csv-parse reads it back: quoted when it holds a comma, a quote, a line end or outer spaces. */
function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
