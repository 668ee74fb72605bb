import { basename, readFileText } from "../../io/storage.js";
import { parse } from "csv-parse/browser/esm/sync"; // the build that also runs in a browser
import { DataError } from "../errors.js";
import type { RawRecord, RawTable } from "./types.js";

export interface CsvOptions {
  /** Field delimiter (default ","; use "\t" for TSV). */
  readonly delimiter?: string;
  /** Lines starting with this are skipped (default: none). */
  readonly comment?: string;
}

interface ParsedRow {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/** Reads a CSV file with a header row; every cell stays a string ("" = empty). */
export async function readCsv(path: string, options: CsvOptions = {}): Promise<RawTable> {
  return parseCsv(await readFileText(path), basename(path), options);
}

/** Parses CSV text with a header row. `file` names the source in errors. */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): RawTable {
  const rows = parseRows(text, file, options);
  if (rows.length === 0) throw new DataError({ file, line: 1 }, "expected a header row, found an empty file");
  const header = rows[0];
  const columns = header.record.map((name) => name.trim());
  assertUniqueColumns(columns, file, header.info.lines);
  const records: RawRecord[] = rows.slice(1).map((row) => ({
    file,
    line: row.info.lines,
    values: Object.fromEntries(columns.map((name, i) => [name, row.record[i].trim()])),
  }));
  return { file, columns, records, headerLine: header.info.lines };
}

function parseRows(text: string, file: string, options: CsvOptions): ParsedRow[] {
  try {
    return parse(text, {
      bom: true,
      info: true,
      skip_empty_lines: true,
      delimiter: options.delimiter ?? ",",
      ...(options.comment ? { comment: options.comment } : {}),
    }) as unknown as ParsedRow[];
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new DataError({ file, line: e.lines }, `malformed CSV: ${e.message}`);
  }
}

function assertUniqueColumns(columns: readonly string[], file: string, line: number): void {
  const seen = new Set<string>();
  for (const name of columns) {
    if (name === "") throw new DataError({ file, line }, "expected a name for every header column, found an empty one");
    if (seen.has(name)) throw new DataError({ file, line, column: name }, "duplicate column name in the header");
    seen.add(name);
  }
}
