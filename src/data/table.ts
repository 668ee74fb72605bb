import type { Task } from "../tasks/types.js";
import type { DatasetTable, InputMatrix } from "./dataset.js";
import { cellText, missingTest, parseLabelCell } from "./cells.js";
import { DataError } from "./errors.js";
import { fitInputEncoder, type InputEncoder } from "./encoder.js";
import type { RawRecord, RawTable } from "./readers/types.js";
import {
  parseColumnSpec,
  resolveTasks,
  tableAnnotates,
  taskColumns,
  type ColumnSpec,
  type MultiClassSpec,
  type MultiLabelSpec,
  type ParsedColumnSpec,
} from "./spec.js";
import type { MultiClassTargets, MultiLabelTargets, Source, TaskTargets } from "./types.js";

/** Inputs built by a tabular DatasetTable, with the fitted encoder (save it to predict later). */
export interface TabularInputMatrix extends InputMatrix {
  readonly encoder: InputEncoder;
}

/**
 * Checks the tables against the spec and resolves the tasks: every input column must be in every
 * file ("unknown column"), every label column in at least one file, and every task must be carried
 * by at least one file.
 */
export function checkTables(
  spec: ColumnSpec,
  tables: readonly RawTable[],
  options: { everyTaskAnnotated?: boolean } = {},
): { spec: ParsedColumnSpec; tasks: Task[] } {
  const parsed = parseColumnSpec(spec);
  if (tables.length === 0) throw new Error("expected at least one table");
  for (const table of tables) assertInputColumns(parsed, table);
  if (options.everyTaskAnnotated ?? true) {
    for (const task of parsed.tasks) assertTaskAnnotated(task, tables);
  }
  const carried = { ...parsed, tasks: parsed.tasks.filter((task) => tables.some((t) => tableAnnotates(t, task))) };
  return { spec: carried, tasks: resolveTasks(carried, tables, missingTest(parsed.missing)) };
}

function assertInputColumns(spec: ParsedColumnSpec, table: RawTable): void {
  const extra = [spec.id, spec.group].filter((c): c is string => c !== undefined);
  for (const column of [...spec.inputs.numeric, ...spec.inputs.categorical, ...extra]) {
    if (!table.columns.includes(column)) {
      throw new DataError(
        { file: table.file, line: table.headerLine, column },
        `unknown column: expected it in every file (spec input/id/group), the file has ${JSON.stringify(table.columns)}`,
      );
    }
  }
}

function assertTaskAnnotated(task: MultiClassSpec | MultiLabelSpec, tables: readonly RawTable[]): void {
  const files = tables.map((t) => t.file).join(", ");
  if (!tables.some((t) => tableAnnotates(t, task))) {
    throw new Error(`task "${task.name}" is annotated by no source: none of ${files} has column(s) ${JSON.stringify(taskColumns(task))}`);
  }
  for (const column of taskColumns(task)) {
    if (!tables.some((t) => t.columns.includes(column))) {
      throw new Error(`task "${task.name}": unknown column "${column}", it is in none of ${files}`);
    }
  }
}

/** Per-task targets of the records; a task whose columns a record lacks is missing there. */
export function recordsToTargets(
  records: readonly RawRecord[],
  spec: ParsedColumnSpec,
  tasks: readonly Task[],
): Record<string, TaskTargets> {
  const isMissing = missingTest(spec.missing);
  const targets: Record<string, TaskTargets> = {};
  for (const taskSpec of spec.tasks) {
    const task = tasks.find((t) => t.name === taskSpec.name);
    if (!task || task.kind !== taskSpec.kind) throw new Error(`task "${taskSpec.name}" (${taskSpec.kind}) is not among the given tasks`);
    targets[task.name] =
      taskSpec.kind === "multiclass"
        ? multiClassTargets(records, taskSpec, task.kind === "multiclass" ? task.classes : [], isMissing)
        : multiLabelTargets(records, taskSpec, isMissing);
  }
  return targets;
}

function multiClassTargets(
  records: readonly RawRecord[],
  spec: MultiClassSpec,
  classes: readonly string[],
  isMissing: (v: unknown) => boolean,
): MultiClassTargets {
  const index = new Map(classes.map((c, i) => [c, i]));
  const labels = new Int32Array(records.length).fill(-1);
  records.forEach((record, row) => {
    const value = record.values[spec.column];
    if (value === undefined || isMissing(value)) return;
    const k = index.get(cellText(value));
    if (k === undefined) {
      throw new DataError(
        { file: record.file, line: record.line, column: spec.column },
        `label ${JSON.stringify(value)} is not one of the classes of task "${spec.name}": ${JSON.stringify(classes)}`,
      );
    }
    labels[row] = k;
  });
  return { kind: "multiclass", labels };
}

function multiLabelTargets(records: readonly RawRecord[], spec: MultiLabelSpec, isMissing: (v: unknown) => boolean): MultiLabelTargets {
  const m = spec.columns.length;
  const values = new Float32Array(records.length * m);
  const mask = new Float32Array(records.length * m);
  records.forEach((record, row) => {
    spec.columns.forEach((column, j) => {
      const name = typeof column === "string" ? column : column.column;
      const bit = parseLabelCell(record.values[name], column, isMissing, { file: record.file, line: record.line, column: name });
      if (bit === null) return;
      values[row * m + j] = bit;
      mask[row * m + j] = 1;
    });
  });
  return { kind: "multilabel", values, mask };
}

export interface RecordsToSourceOptions {
  /** Source name (default: the file name). */
  readonly name?: string;
  /** Resolved tasks, so several sources share one class order (default: resolved from this table). */
  readonly tasks?: readonly Task[];
}

/**
 * One file as one Source: inputs from a fitted encoder, targets for the tasks this file carries
 * (tasks whose columns the file lacks are left out, i.e. not annotated by this source).
 */
export function recordsToSource(table: RawTable, spec: ColumnSpec, encoder: InputEncoder, options: RecordsToSourceOptions = {}): Source {
  // Only the tasks this file carries: the others are simply absent from the source's targets.
  const checked = checkTables(spec, [table], { everyTaskAnnotated: false });
  const encoded = encoder.encode(table.records);
  return {
    name: options.name ?? table.file,
    n: table.records.length,
    inputShape: encoded.inputShape,
    inputs: encoded.inputs,
    targets: recordsToTargets(table.records, checked.spec, options.tasks ?? checked.tasks),
    ids: recordIds(table.records, checked.spec),
  };
}

/**
 * One or several files as a DatasetTable. With several files, each file is a domain that annotates
 * the tasks whose columns it has. `inputs(trainRows)` fits the encoder on those rows only.
 */
export function tableFromRecords(tables: RawTable | readonly RawTable[], spec: ColumnSpec): DatasetTable {
  const list: readonly RawTable[] = Array.isArray(tables) ? tables : [tables as RawTable];
  const checked = checkTables(spec, list);
  const records = list.flatMap((t) => t.records);
  const targets = recordsToTargets(records, checked.spec, checked.tasks);
  assertEveryTaskLabelled(targets, list);
  return {
    tasks: checked.tasks,
    n: records.length,
    targets,
    ids: recordIds(records, checked.spec),
    ...(checked.spec.group ? { groups: groupIds(records, checked.spec.group) } : {}),
    ...(list.length > 1 ? { domains: fileDomains(list, checked.spec) } : {}),
    inputs: async (trainRows: readonly number[]): Promise<TabularInputMatrix> => {
      const encoder = fitInputEncoder(records, checked.spec, trainRows);
      const encoded = encoder.encode(records);
      return { ...encoded, encoder, description: describeInputs(checked.spec, encoder) };
    },
  };
}

function describeInputs(spec: ParsedColumnSpec, encoder: InputEncoder): string {
  const numeric = spec.inputs.numeric.length;
  const categorical = spec.inputs.categorical.length;
  return `${numeric} standardised numeric + one-hot of ${categorical} categorical column(s) = ${encoder.size} features`;
}

function recordIds(records: readonly RawRecord[], spec: ParsedColumnSpec): string[] {
  return records.map((r) => {
    const value = spec.id === undefined ? undefined : r.values[spec.id];
    return value === undefined || value === null ? `${r.file}:${r.line}` : cellText(value);
  });
}

/** Dense group numbers: equal cell text -> equal group; a missing group cell is a group of its own. */
function groupIds(records: readonly RawRecord[], column: string): Int32Array {
  const ids = new Map<string, number>();
  const groups = new Int32Array(records.length);
  records.forEach((r, i) => {
    const value = r.values[column];
    const key = value === null || value === undefined || cellText(value) === "" ? `\u0000row${i}` : cellText(value);
    if (!ids.has(key)) ids.set(key, ids.size);
    groups[i] = ids.get(key)!;
  });
  return groups;
}

function fileDomains(tables: readonly RawTable[], spec: ParsedColumnSpec): NonNullable<DatasetTable["domains"]> {
  const names = tables.map((t, i) => (tables.findIndex((u) => u.file === t.file) === i ? t.file : `${t.file}#${i}`));
  const domainOf = new Int32Array(tables.reduce((n, t) => n + t.records.length, 0));
  let at = 0;
  tables.forEach((t, d) => {
    domainOf.fill(d, at, at + t.records.length);
    at += t.records.length;
  });
  const annotates = Object.fromEntries(names.map((name, d) => [name, spec.tasks.filter((task) => tableAnnotates(tables[d], task)).map((task) => task.name)]));
  return { names, domainOf, annotates };
}

/** A task whose columns exist but hold only missing values is annotated by no source either. */
function assertEveryTaskLabelled(targets: Readonly<Record<string, TaskTargets>>, tables: readonly RawTable[]): void {
  for (const [name, target] of Object.entries(targets)) {
    const labelled = target.kind === "multiclass" ? target.labels.some((k) => k >= 0) : target.mask.some((m) => m > 0);
    if (!labelled) throw new Error(`task "${name}" is annotated by no source: every label cell is missing in ${tables.map((t) => t.file).join(", ")}`);
  }
}
