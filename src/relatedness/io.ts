import { basename, fileStorage, readText, type Storage } from "../io/storage.js";
import { parse as parseCsv } from "csv-parse/browser/esm/sync"; // the build that also runs in a browser
import { z } from "zod";
import type { Task } from "../tasks/types.js";
import { outputNames } from "../tasks/types.js";
import { checkAgainstTasks, checkStructure, memoryPlace, RelatednessError } from "./check.js";
import type { Place } from "./check.js";
import type { Relatedness } from "./types.js";
import { reorderRelatedness } from "./validate.js";

/**
 * The tasks a file is expected to relate. Each given task is checked against the file (names,
 * kinds, row/column names as sets) and the result is reordered to that task's order.
 */
export interface RelatednessExpectation {
  /** Task A, multi-class: its classes are the rows. */
  readonly from?: Task;
  /** Task B: its labels (multi-label) or classes (multi-class) are the columns. */
  readonly to?: Task;
}

const nameList = z.array(z.string()).min(1);
const matrix = z.array(z.array(z.number()));

/**
 * Schema of a relatedness JSON file. Values are checked further (finite, in [0, 1], row sums) by
 * the loader, so that the message can name the row and column.
 */
export const relatednessFileSchema = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  toKind: z.enum(["multilabel", "multiclass"]),
  rows: nameList,
  columns: nameList,
  values: matrix,
  support: matrix.optional(),
  origin: z.string().optional(),
  /** Free text for people reading the file (source of the numbers, caveats). */
  description: z.string().optional(),
});

/**
 * Reads a relatedness matrix from a `.json` or `.csv` file, checks it, and (when tasks are given)
 * checks it against them and returns it in their row/column order. The result's `origin` is
 * `file:<path>`, followed by the file's own origin in parentheses when a JSON file has one.
 *
 * JSON: `{ "from", "to", "toKind": "multilabel" | "multiclass", "rows": [...], "columns": [...],
 * "values": [[...], ...] }`, optional `"support"` (same shape as values), `"origin"`, `"description"`.
 * Unknown fields are errors. Errors name the file and the field path, e.g. `values[2][3]`.
 *
 * CSV: lines starting with `#` are comments; empty lines are skipped; cells may be quoted.
 * ```text
 * expression\au,AU1,AU2,AU4
 * neutral,0,0,0
 * sadness,0.6,0,1
 * ```
 * - Header: the first cell names the tasks as `A\B` (e.g. `expression\au`); add ` (multiclass)`
 *   (`expression\valence (multiclass)`) when B is multi-class. A plain first cell such as `class`
 *   names nothing; task names then come from `expect`, which is then required. The kind of B is
 *   taken from the header, else from `expect.to`, else multi-label. The other header cells are
 *   the column names (B's labels or classes).
 * - One line per class of A: the class name, then one number in [0, 1] per column.
 * - Support counts are not stored in CSV (use JSON to keep them).
 * Errors name the file, the line and the column (1-based, the name column is column 1).
 */
export async function loadRelatedness(path: string, expect: RelatednessExpectation = {}, storage: Storage = fileStorage()): Promise<Relatedness> {
  let text: string;
  try {
    text = await readText(storage, path);
  } catch (e) {
    throw new RelatednessError(path, "", `cannot read the file (${(e as Error).message})`);
  }
  return parseRelatedness(text, path, expect);
}

/** Parses file contents; the format comes from the extension of `path` (.json or .csv). */
export function parseRelatedness(text: string, path: string, expect: RelatednessExpectation = {}): Relatedness {
  return formatOf(path) === "json"
    ? parseRelatednessJson(text, path, expect)
    : parseRelatednessCsv(text, path, expect);
}

/**
 * Writes R as JSON or CSV (by the extension of `path`), atomically: a temporary file in the same
 * folder, then a rename, so readers never see half a file. Parent folders are created. R is
 * checked first (shape, values, names), so a broken matrix is never written.
 */
export async function saveRelatedness(path: string, R: Relatedness, storage: Storage = fileStorage()): Promise<void> {
  const format = formatOf(path);
  checkStructure(R, memoryPlace(path, R));
  const text = format === "json" ? relatednessToJson(R) : relatednessToCsv(R, path);
  await storage.write(path, text);
}

type Format = "json" | "csv";

function formatOf(path: string): Format {
  const name = basename(path);
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot).toLowerCase() : "";
  if (ext === ".json") return "json";
  if (ext === ".csv") return "csv";
  throw new RelatednessError(path, "", `expected a .json or .csv file, got extension ${JSON.stringify(ext)}`);
}

/** Checks against the expected tasks and the structure, then puts rows/columns in the tasks' order. */
function finish(R: Relatedness, place: Place, expect: RelatednessExpectation): Relatedness {
  checkAgainstTasks(R, expect.from, expect.to, place);
  checkStructure(R, place);
  return reorderRelatedness(
    R,
    expect.from ? outputNames(expect.from) : undefined,
    expect.to ? outputNames(expect.to) : undefined,
  );
}

// ---------------------------------------------------------------- JSON

/** Parses a relatedness JSON text; `path` names the file in errors. */
export function parseRelatednessJson(text: string, path: string, expect: RelatednessExpectation = {}): Relatedness {
  const parsed = relatednessFileSchema.safeParse(parseJsonText(text, path));
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})` : "";
    throw new RelatednessError(path, `field ${fieldPath(first.path)}`, `${first.message}${more}`);
  }
  const { description: _description, origin, ...fields } = parsed.data;
  const R: Relatedness = { ...fields, origin: origin ? `file:${path} (${origin})` : `file:${path}` };
  return finish(R, jsonPlace(path, R), expect);
}

function parseJsonText(text: string, path: string): unknown {
  const bad = findNonJsonNumber(text);
  if (bad) {
    throw new RelatednessError(
      path,
      `line ${bad.line}, column ${bad.column}`,
      `${bad.token} is not valid JSON; expected a number in [0, 1]`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    const location = at ? lineColumnText(text, Number(at[1])) : "";
    throw new RelatednessError(path, location, `invalid JSON: ${message}`);
  }
}

/** Finds NaN / Infinity outside strings (Python's json module writes them; JSON.parse' message would not say where). */
function findNonJsonNumber(text: string): { token: string; line: number; column: number } | undefined {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    for (const token of ["NaN", "Infinity"]) {
      if (text.startsWith(token, i)) return { token, ...lineColumn(text, i) };
    }
  }
  return undefined;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function lineColumnText(text: string, offset: number): string {
  const { line, column } = lineColumn(text, offset);
  return `line ${line}, column ${column}`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("");
}

function jsonPlace(path: string, R: Relatedness): Place {
  return {
    where: path,
    field: (name) => `field ${name}`,
    rowNames: "field rows",
    columnNames: "field columns",
    row: (r) => `field values[${r}] (row ${JSON.stringify(R.rows[r])})`,
    cell: (r, c) => `field values[${r}][${c}] (row ${JSON.stringify(R.rows[r])}, column ${JSON.stringify(R.columns[c])})`,
  };
}

/** R as pretty JSON, one matrix row per line. */
export function relatednessToJson(R: Relatedness): string {
  const j = (v: unknown): string => JSON.stringify(v);
  const matrixText = (m: readonly (readonly number[])[]): string =>
    `[\n${m.map((row) => `    ${j(row)}`).join(",\n")}\n  ]`;
  const lines = [
    `  "from": ${j(R.from)}`,
    `  "to": ${j(R.to)}`,
    `  "toKind": ${j(R.toKind)}`,
    ...(R.origin !== undefined ? [`  "origin": ${j(R.origin)}`] : []),
    `  "rows": ${j(R.rows)}`,
    `  "columns": ${j(R.columns)}`,
    `  "values": ${matrixText(R.values)}`,
    ...(R.support ? [`  "support": ${matrixText(R.support)}`] : []),
  ];
  return `{\n${lines.join(",\n")}\n}\n`;
}

// ---------------------------------------------------------------- CSV

interface CsvRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a relatedness CSV text (format: see {@link loadRelatedness}); `path` names the file in errors. */
export function parseRelatednessCsv(text: string, path: string, expect: RelatednessExpectation = {}): Relatedness {
  const records = readCsvRecords(text, path);
  if (records.length < 2) {
    throw new RelatednessError(path, "", "expected a header line and at least one line per class");
  }
  const [header, ...body] = records;
  const headerLine = header.info.lines;
  const columns = header.record.slice(1);
  const meta = resolveHeader(header.record[0], path, headerLine, expect);
  const rows = body.map((b) => b.record[0]);
  const values = body.map((b) => parseCsvRow(b, columns, path));
  const R: Relatedness = { ...meta, rows, columns, values, origin: `file:${path}` };
  return finish(R, csvPlace(path, headerLine, header.record[0], body, R), expect);
}

function readCsvRecords(text: string, path: string): CsvRecord[] {
  try {
    return parseCsv(text, {
      info: true,
      comment: "#",
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as unknown as CsvRecord[];
  } catch (e) {
    throw new RelatednessError(path, "", `invalid CSV: ${(e as Error).message}`);
  }
}

type Meta = Pick<Relatedness, "from" | "to" | "toKind">;

/** Reads `A\B` or `A\B (multiclass)` from the header's first cell, filling gaps from `expect`. */
function resolveHeader(corner: string, path: string, line: number, expect: RelatednessExpectation): Meta {
  const at = `line ${line}, column 1 (header ${JSON.stringify(corner)})`;
  const kindMatch = /^(.*?)\s*\((multilabel|multiclass)\)$/.exec(corner);
  const names = kindMatch ? kindMatch[1] : corner;
  const kind = kindMatch ? (kindMatch[2] as Meta["toKind"]) : undefined;
  const slash = names.indexOf("\\");
  const from = slash >= 0 ? names.slice(0, slash).trim() : expect.from?.name;
  const to = slash >= 0 ? names.slice(slash + 1).trim() : expect.to?.name;
  if (!from || !to) {
    throw new RelatednessError(
      path,
      at,
      'expected the task names as "A\\B" (for example "expression\\au"), or pass the tasks to loadRelatedness',
    );
  }
  return { from, to, toKind: kind ?? expect.to?.kind ?? "multilabel" };
}

function parseCsvRow(b: CsvRecord, columns: readonly string[], path: string): number[] {
  const line = b.info.lines;
  const cells = b.record.slice(1);
  if (cells.length < columns.length) {
    const missing = columns.slice(cells.length);
    throw new RelatednessError(
      path,
      `line ${line}`,
      `expected ${columns.length} values after the row name, got ${cells.length}; ` +
        `no value for column${missing.length > 1 ? "s" : ""} ${missing.map((c) => JSON.stringify(c)).join(", ")}`,
    );
  }
  if (cells.length > columns.length) {
    throw new RelatednessError(
      path,
      `line ${line}`,
      `expected ${columns.length} values after the row name, got ${cells.length} (more cells than header columns)`,
    );
  }
  return cells.map((cell, c) => {
    if (!NUMBER.test(cell)) {
      throw new RelatednessError(
        path,
        `line ${line}, column ${c + 2} (${JSON.stringify(columns[c])})`,
        `expected a number in [0, 1], got ${JSON.stringify(cell)}`,
      );
    }
    return Number(cell);
  });
}

function csvPlace(path: string, headerLine: number, corner: string, body: readonly CsvRecord[], R: Relatedness): Place {
  const line = (r: number): number => body[r].info.lines;
  return {
    where: path,
    field: () => `line ${headerLine}, column 1 (header ${JSON.stringify(corner)})`,
    rowNames: "column 1 (row names)",
    columnNames: `line ${headerLine} (header)`,
    row: (r) => `line ${line(r)} (row ${JSON.stringify(R.rows[r])})`,
    cell: (r, c) => `line ${line(r)}, column ${c + 2} (${JSON.stringify(R.columns[c])})`,
  };
}

/** R as CSV (format: see {@link loadRelatedness}); full number precision, no support counts. */
export function relatednessToCsv(R: Relatedness, where = "relatedness"): string {
  for (const name of [R.from, R.to]) {
    if (name.includes("\\")) {
      throw new RelatednessError(where, "", `task name ${JSON.stringify(name)} contains "\\"; save as .json instead`);
    }
  }
  const corner = `${R.from}\\${R.to}${R.toKind === "multiclass" ? " (multiclass)" : ""}`;
  const lines = [
    [corner, ...R.columns].map(csvCell).join(","),
    ...R.rows.map((name, r) => [csvCell(name), ...R.values[r].map((v) => String(v))].join(",")),
  ];
  return `${lines.join("\n")}\n`;
}

function csvCell(text: string): string {
  const needsQuotes = /[",\r\n]/.test(text) || text !== text.trim() || text.startsWith("#");
  return needsQuotes ? `"${text.replace(/"/g, '""')}"` : text;
}
