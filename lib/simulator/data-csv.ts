import { parse } from "csv-parse/sync";
import { dataError, DataEntry, makeEntry } from "./data-entry";

const COLUMNS: readonly string[] = ["patientId", "studyInstanceUid", "token"];
const REQUIRED: readonly string[] = ["patientId", "studyInstanceUid"];

interface CsvRow {
  record: Record<string, string | undefined>;
  info: { lines: number };
}

/** See data-file.ts for the format. `name` is the file name used in errors. */
export function parseCsvData(text: string, name: string): DataEntry[] {
  let rows: CsvRow[];
  try {
    rows = parse<CsvRow>(text, {
      bom: true,
      columns: (header: string[]) => checkHeader(header, name),
      info: true,
      relax_column_count_less: true,
      skip_empty_lines: true,
      trim: true,
    });
  } catch (err) {
    if ((err as { code?: string }).code === "SANTE_INVALID_INPUT") throw err;
    const line = (err as { lines?: number }).lines;
    throw dataError(line === undefined ? name : `${name} line ${line}`, (err as Error).message);
  }
  // info.lines is the line a record ends on; a quoted field can span lines, so this names the last of them.
  return rows.map(({ record, info }) =>
    makeEntry(record.patientId, record.studyInstanceUid, record.token, `${name} line ${info.lines}`),
  );
}

/**
 * One line typed or piped to the running simulator: a data row, `patientId,studyInstanceUid[,token]`, quoted as in
 * a data file. Blank lines and the header line give undefined.
 */
export function parseStudyLine(
  line: string,
  where: string,
): { patientId: string; studyInstanceUid: string; token?: string } | undefined {
  let rows: string[][];
  try {
    rows = parse(line, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true });
  } catch (err) {
    throw dataError(where, (err as Error).message);
  }
  if (rows.length === 0) return undefined;
  if (rows.length > 1) throw dataError(where, "one study per line");
  const cells = rows[0];
  if (cells.every((cell, i) => cell.toLowerCase() === COLUMNS[i]?.toLowerCase())) return undefined;
  if (cells.length < 2 || cells.length > 3) {
    throw dataError(
      where,
      `expected patientId,studyInstanceUid or patientId,studyInstanceUid,token; got ${cells.length} field(s)`,
    );
  }
  const [patientId, studyInstanceUid, token] = cells;
  return token === undefined || token === "" ? { patientId, studyInstanceUid } : { patientId, studyInstanceUid, token };
}

/** Maps header cells to canonical column names, matched without regard to case. */
function checkHeader(header: string[], name: string): string[] {
  const columns = header.map((cell) => {
    const column = COLUMNS.find((c) => c.toLowerCase() === cell.trim().toLowerCase());
    if (column === undefined) {
      throw dataError(
        `${name} line 1`,
        `unknown column "${cell}"; the header is ${COLUMNS.join(",")} (token optional)`,
      );
    }
    return column;
  });
  for (const column of REQUIRED) {
    if (!columns.includes(column)) throw dataError(`${name} line 1`, `the header has no ${column} column`);
  }
  if (new Set(columns).size !== columns.length) throw dataError(`${name} line 1`, "a column is named twice");
  return columns;
}
