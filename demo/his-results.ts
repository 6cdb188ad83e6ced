/**
 * The results the simulated HIS received: kept in <userDir>/his-results.jsonl (one JSON line each), read back at
 * start, and listed on the HIS page newest first.
 */
import { appendLine, readLines } from "./line-file";
import { parseHisResult, readHisResult, type HisResult } from "./his-result";

/** The page lists this many; the file keeps everything. */
export const HIS_PAGE_LIMIT = 500;

export class HisResults {
  private readonly kept: HisResult[] = [];
  /** Results received since the file was created, those before this run included. */
  private total = 0;
  /** Lines of the file that were not results (a torn last line after a power cut, an edit by hand). */
  readonly skipped: number;

  constructor(readonly file: string) {
    let skipped = 0;
    for (const line of readLines(file)) {
      const result = parseHisResult(line);
      if (result) this.keep(result);
      else skipped++;
    }
    this.skipped = skipped;
  }

  get count(): number {
    return this.total;
  }

  /** Newest first, at most HIS_PAGE_LIMIT. */
  list(): HisResult[] {
    return [...this.kept].reverse();
  }

  /** Files a received message; resolves once its line is written. */
  async add(message: string, receivedAt = Date.now()): Promise<HisResult> {
    const result = readHisResult(message, receivedAt);
    await appendLine(this.file, JSON.stringify(result));
    this.keep(result);
    return result;
  }

  private keep(result: HisResult): void {
    this.total++;
    this.kept.push(result);
    if (this.kept.length > HIS_PAGE_LIMIT) this.kept.shift();
  }
}
