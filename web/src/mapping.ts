/**
 * The column-mapping screen's model, free of the DOM: reading an uploaded file with the core's
 * parsers, guessing each column's role, building the column spec, counting labels per source, and
 * checking everything with the core (so the messages are the CLI's, and name the file and column).
 */
import { parseArff, parseCsv, parseJsonl, type RawTable } from "../../src/data/readers/index.js";
import { cellText, missingTest } from "../../src/data/cells.js";
import { DataError } from "../../src/data/errors.js";
import type { ColumnSpec, TaskSpec } from "../../src/data/spec.js";
import { tableFromRecords } from "../../src/data/table.js";

export type ColumnRole = "ignore" | "numeric" | "categorical" | "multiclass" | "label";

export interface ColumnMapping {
  readonly column: string;
  readonly role: ColumnRole;
  /** Role "label": the multi-label task this column is a label of. */
  readonly task?: string;
}

/** Reads an uploaded file by its extension, like the CLI's readTable. */
export function parseUploadedTable(name: string, text: string): RawTable {
  const lower = name.toLowerCase();
  if (lower.endsWith(".arff")) return parseArff(text, name);
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return parseJsonl(text, name);
  if (lower.endsWith(".tsv")) return parseCsv(text, name, { delimiter: "\t" });
  if (lower.endsWith(".csv")) return parseCsv(text, name);
  throw new Error(`${name}: unknown table format, expected .csv, .tsv, .jsonl, .ndjson or .arff`);
}

/** Columns of all tables, in first-seen order. */
export function allColumns(tables: readonly RawTable[]): string[] {
  return [...new Set(tables.flatMap((t) => t.columns))];
}

const isMissing = missingTest();

function presentValues(tables: readonly RawTable[], column: string): string[] {
  return tables.flatMap((t) => t.records.map((r) => r.values[column]).filter((v) => v !== undefined && !isMissing(v)).map((v) => cellText(v!)));
}

/**
 * A first guess: a column some source leaves (partly) empty while another fills it, with few values, is
 * a task; a fully numeric column is a numeric input; a column with few distinct values a categorical
 * input; anything else (ids, free text) is ignored.
 */
export function guessMapping(tables: readonly RawTable[]): ColumnMapping[] {
  return allColumns(tables).map((column) => ({ column, role: guessRole(tables, column) }));
}

function guessRole(tables: readonly RawTable[], column: string): ColumnRole {
  const values = presentValues(tables, column);
  if (values.length === 0) return "ignore";
  const distinct = new Set(values).size;
  const declared = tables.some((t) => t.attributes?.find((a) => a.name === column)?.type === "nominal");
  const gaps = tables.some((t) => !t.columns.includes(column) || t.records.every((r) => isMissing(r.values[column])));
  if (gaps && distinct <= 50) return "multiclass";
  if (!declared && values.every((v) => v !== "" && Number.isFinite(Number(v)))) return "numeric";
  return distinct <= Math.max(20, values.length / 10) ? "categorical" : "ignore";
}

/** The column spec of a mapping: multi-class tasks named after their column, label columns grouped by task name. */
export function buildSpec(mapping: readonly ColumnMapping[]): ColumnSpec {
  const of = (role: ColumnRole) => mapping.filter((m) => m.role === role).map((m) => m.column);
  const tasks: TaskSpec[] = of("multiclass").map((column) => ({ name: column, kind: "multiclass", column }));
  const labelTasks = new Map<string, string[]>();
  for (const m of mapping.filter((x) => x.role === "label")) {
    const name = m.task?.trim() || "labels";
    labelTasks.set(name, [...(labelTasks.get(name) ?? []), m.column]);
  }
  for (const [name, columns] of labelTasks) tasks.push({ name, kind: "multilabel", columns });
  return { inputs: { numeric: of("numeric"), categorical: of("categorical") }, tasks };
}

/** Per task, per source: how many rows carry a label, and how often each class (or positive label) occurs. */
export interface LabelCounts {
  readonly task: string;
  readonly source: string;
  readonly labelled: number;
  readonly counts: Readonly<Record<string, number>>;
}

export function labelCounts(spec: ColumnSpec, tables: readonly RawTable[]): LabelCounts[] {
  return spec.tasks.flatMap((task) =>
    tables.map((table) => {
      const counts: Record<string, number> = {};
      let labelled = 0;
      for (const record of table.records) {
        if (task.kind === "multiclass") {
          const value = record.values[task.column];
          if (value === undefined || isMissing(value)) continue;
          labelled++;
          counts[cellText(value)] = (counts[cellText(value)] ?? 0) + 1;
        } else {
          const columns = task.columns.map((c) => (typeof c === "string" ? c : c.column));
          const present = columns.filter((c) => record.values[c] !== undefined && !isMissing(record.values[c]));
          if (present.length > 0) labelled++;
          for (const c of present) if (["1", "true", "yes"].includes(cellText(record.values[c]!).toLowerCase())) counts[c] = (counts[c] ?? 0) + 1;
        }
      }
      return { task: task.name, source: table.file, labelled, counts };
    }),
  );
}

/** Where a problem belongs on the screen: next to a file, next to a column, or on the mapping as a whole. */
export interface Problem {
  readonly message: string;
  readonly file?: string;
  readonly column?: string;
}

export function toProblem(error: unknown): Problem {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof DataError) return { message, file: error.file, ...(error.column ? { column: error.column } : {}) };
  return { message };
}

/**
 * Checks sources (and the test file) against the spec exactly as a study would: the core's table
 * checks, then encoding every input cell. Returns the first problem, or undefined when all is well.
 */
export async function checkMapping(spec: ColumnSpec, tables: readonly RawTable[]): Promise<Problem | undefined> {
  try {
    const table = tableFromRecords(tables, spec);
    await table.inputs(Array.from({ length: table.n }, (_, i) => i));
    return undefined;
  } catch (error) {
    return toProblem(error);
  }
}
