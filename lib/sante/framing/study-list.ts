import { assertLineText } from "./single-line";
import { LineFrameDecoder } from "./line-frame-decoder";

export interface StudyEntry {
  studyInstanceUid: string;
  token: string;
}

/**
 * A patient reply: 0x10, then for each study its UID line and its token line,
 * then an empty line. An empty list is 0x10 0x0D.
 */
export class StudyListDecoder extends LineFrameDecoder<StudyEntry[]> {
  private studies: StudyEntry[] = [];
  private uid = "";

  protected onFrameStart(): void {
    this.studies = [];
  }

  protected onLine(line: string, index: number): StudyEntry[] | undefined {
    if (index % 2 === 0) {
      if (line === "") return this.studies;
      this.uid = line;
      return undefined;
    }
    if (line === "") throw this.fail(`study ${this.uid} has an empty token`);
    this.studies.push({ studyInstanceUid: this.uid, token: line });
    return undefined;
  }
}

export function encodeStudyList(studies: readonly StudyEntry[]): Buffer {
  const body = studies.map((s) => `${assertLineText(s.studyInstanceUid)}\r${assertLineText(s.token)}\r`).join("");
  return Buffer.from(`\x10${body}\r`, "utf8");
}
