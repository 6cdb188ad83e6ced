/**
 * The CLI's way to make the running simulator learn studies from outside the
 * process: lines on its standard input, each a data-file CSV row
 * (`patientId,studyInstanceUid[,token]`). Typed in its terminal, that is the
 * moment "the images arrived"; from a script, `echo … >` a pipe or
 * `tail -f more.csv | sante-pacs-sim` feed it. A bad line is reported and
 * skipped; the simulator keeps serving.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { parseStudyLine } from "./data-csv";
import type { StudyToLearn } from "./learn";

/** Calls `learn` for each study line of `input`; errors (a bad line, a study the rules refuse) go to `report`. */
export function learnFromLines(
  input: Readable,
  learn: (study: StudyToLearn, where: string) => void,
  report: { error(line: string): void },
): { close(): void } {
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  let n = 0;
  lines.on("line", (line) => {
    n++;
    const where = `standard input line ${n}`;
    try {
      const study = parseStudyLine(line, where);
      if (study) learn(study, where);
    } catch (err) {
      report.error(`sante-pacs-sim: ${(err as Error).message}`);
    }
  });
  return {
    close() {
      lines.close();
    },
  };
}
