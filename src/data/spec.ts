import { z } from "zod";
import type { Task } from "../tasks/types.js";
import { multiClassTask, multiLabelTask } from "../tasks/types.js";
import type { RawTable } from "./readers/types.js";

/**
 * A label column of a multi-label task. A plain column name reads 0/1/true/false/yes/no.
 * The object form binarises a nominal column: a value in `positive` is 1, in `missing` is missing,
 * in `negative` is 0; without `negative`, every other value is 0, with it, any other value is an error.
 */
export const labelColumnSchema = z.union([
  z.string().min(1),
  z.strictObject({
    column: z.string().min(1),
    label: z.string().min(1).optional(),
    positive: z.array(z.string()).min(1),
    negative: z.array(z.string()).optional(),
    missing: z.array(z.string()).optional(),
  }),
]);
export type LabelColumnSpec = z.infer<typeof labelColumnSchema>;

export const multiClassSpecSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.literal("multiclass"),
  column: z.string().min(1),
  /** Class order; default: the ARFF declaration order, else the sorted distinct values. */
  classes: z.array(z.string()).min(1).optional(),
});

export const multiLabelSpecSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.literal("multilabel"),
  columns: z.array(labelColumnSchema).min(1),
  /** Label names, one per column; default: the object form's `label`, else the column name. */
  labels: z.array(z.string().min(1)).optional(),
});

export const taskSpecSchema = z.discriminatedUnion("kind", [multiClassSpecSchema, multiLabelSpecSchema]);
export type MultiClassSpec = z.infer<typeof multiClassSpecSchema>;
export type MultiLabelSpec = z.infer<typeof multiLabelSpecSchema>;
export type TaskSpec = z.infer<typeof taskSpecSchema>;

/**
 * Which columns of a table are inputs and which are task targets. Cells that are empty, null,
 * "?" or listed in `missing` are missing (a missing label contributes nothing; a missing input is imputed).
 */
export const columnSpecSchema = z.strictObject({
  inputs: z.strictObject({
    numeric: z.array(z.string().min(1)).default([]),
    categorical: z.array(z.string().min(1)).default([]),
  }),
  tasks: z.array(taskSpecSchema).min(1),
  /** Column of sample identifiers (default: "file:line"). */
  id: z.string().min(1).optional(),
  /** Column whose equal values keep samples on the same side of a split. */
  group: z.string().min(1).optional(),
  /** Extra cell values read as missing, besides "", null and "?". */
  missing: z.array(z.string()).optional(),
});
export type ColumnSpec = z.input<typeof columnSpecSchema>;
export type ParsedColumnSpec = z.output<typeof columnSpecSchema>;

/** Validates a column spec (e.g. from a JSON file); errors name `where` and the offending field path. */
export function parseColumnSpec(value: unknown, where = "column spec"): ParsedColumnSpec {
  const result = columnSpecSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${where}: invalid column spec: ${issues.join("; ")}`);
  }
  assertConsistent(result.data, where);
  return result.data;
}

function assertConsistent(spec: ParsedColumnSpec, where: string): void {
  const taskNames = new Set<string>();
  const inputColumns = new Set([...spec.inputs.numeric, ...spec.inputs.categorical]);
  if (inputColumns.size !== spec.inputs.numeric.length + spec.inputs.categorical.length) {
    throw new Error(`${where}: a column is listed twice among the inputs`);
  }
  for (const task of spec.tasks) {
    if (taskNames.has(task.name)) throw new Error(`${where}: duplicate task name "${task.name}"`);
    taskNames.add(task.name);
    for (const column of taskColumns(task)) {
      if (inputColumns.has(column)) {
        throw new Error(`${where}: column "${column}" is both an input and a target of task "${task.name}"`);
      }
    }
    if (task.kind === "multilabel" && task.labels && task.labels.length !== task.columns.length) {
      throw new Error(`${where}: task "${task.name}": expected ${task.columns.length} labels (one per column), found ${task.labels.length}`);
    }
  }
}

/** The column a label reads. */
export function labelColumnName(column: LabelColumnSpec): string {
  return typeof column === "string" ? column : column.column;
}

/** The file columns a task reads. */
export function taskColumns(task: TaskSpec): string[] {
  return task.kind === "multiclass" ? [task.column] : task.columns.map(labelColumnName);
}

/** Label names of a multi-label task spec. */
export function labelNames(task: MultiLabelSpec): string[] {
  return task.labels ?? task.columns.map((c) => (typeof c === "string" ? c : (c.label ?? c.column)));
}

/** Does this table carry (any column of) the task? */
export function tableAnnotates(table: RawTable, task: TaskSpec): boolean {
  return taskColumns(task).some((column) => table.columns.includes(column));
}

/** Tasks of the spec, with classes inferred from the tables when the spec leaves them out. */
export function resolveTasks(spec: ParsedColumnSpec, tables: readonly RawTable[], isMissing: (v: unknown) => boolean): Task[] {
  return spec.tasks.map((task) => {
    if (task.kind === "multilabel") return multiLabelTask(task.name, labelNames(task));
    return multiClassTask(task.name, task.classes ?? inferClasses(task.column, tables, isMissing));
  });
}

function inferClasses(column: string, tables: readonly RawTable[], isMissing: (v: unknown) => boolean): string[] {
  for (const table of tables) {
    const declared = table.attributes?.find((a) => a.name === column)?.values;
    if (declared) return [...declared];
  }
  const seen = new Set<string>();
  for (const table of tables) {
    for (const record of table.records) {
      const value = record.values[column];
      if (value !== undefined && !isMissing(value)) seen.add(String(value).trim());
    }
  }
  return [...seen].sort();
}
