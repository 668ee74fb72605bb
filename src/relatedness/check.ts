import type { Task } from "../tasks/types.js";
import { outputNames } from "../tasks/types.js";
import type { Relatedness } from "./types.js";

/**
 * Largest allowed |sum_j R[k][j] - 1| for a relatedness towards a multi-class task. Files written by
 * {@link saveRelatedness} keep full precision; hand-written files need about 7 significant digits
 * (write 1/3 as 0.3333333, or make the last value of the row take up the remainder).
 */
export const ROW_SUM_TOLERANCE = 1e-6;

/** A relatedness matrix that is wrong: names where (file or label), and where in it (line, field, row). */
export class RelatednessError extends Error {
  constructor(
    /** The file path or caller-chosen label the matrix came from. */
    readonly where: string,
    /** The line, column, field or row inside it, "" when the problem concerns the whole matrix. */
    readonly location: string,
    readonly problem: string,
  ) {
    super(location ? `${where}: ${location}: ${problem}` : `${where}: ${problem}`);
    this.name = "RelatednessError";
  }
}

/** How to name places inside one representation of a matrix (in memory, JSON file, CSV file). */
export interface Place {
  readonly where: string;
  readonly field: (name: "from" | "to" | "toKind") => string;
  readonly rowNames: string;
  readonly columnNames: string;
  readonly row: (r: number) => string;
  readonly cell: (r: number, c: number) => string;
}

/** Places named by row and column names, for matrices that live in memory. */
export function memoryPlace(where: string, R: Pick<Relatedness, "rows" | "columns">): Place {
  return {
    where,
    field: (name) => `field ${name}`,
    rowNames: "rows",
    columnNames: "columns",
    row: (r) => `row ${JSON.stringify(R.rows[r])}`,
    cell: (r, c) => `row ${JSON.stringify(R.rows[r])}, column ${JSON.stringify(R.columns[c])}`,
  };
}

function fail(place: Place, location: string, problem: string): never {
  throw new RelatednessError(place.where, location, problem);
}

/** Checks what needs no task: names present and unique, K x M shape, values finite in [0, 1], row sums. */
export function checkStructure(R: Relatedness, place: Place): void {
  checkNames(R.rows, place.rowNames, "row", place);
  checkNames(R.columns, place.columnNames, "column", place);
  if (R.values.length !== R.rows.length) {
    fail(place, "field values", `expected ${R.rows.length} rows (one per row name), got ${R.values.length}`);
  }
  R.values.forEach((row, r) => checkRow(R, row, r, place));
  if (R.support) checkSupport(R, R.support, place);
}

function checkNames(names: readonly string[], at: string, what: string, place: Place): void {
  if (names.length === 0) fail(place, at, `expected at least one ${what} name`);
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (typeof name !== "string" || name.trim() === "") fail(place, at, `${what} name #${i + 1} is empty`);
    if (seen.has(name)) fail(place, at, `duplicate ${what} name ${JSON.stringify(name)}`);
    seen.add(name);
  });
}

function checkRow(R: Relatedness, row: readonly number[], r: number, place: Place): void {
  if (row.length !== R.columns.length) {
    fail(place, place.row(r), `expected ${R.columns.length} values (one per column), got ${row.length}`);
  }
  row.forEach((v, c) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 1) {
      fail(place, place.cell(r, c), `expected a number in [0, 1], got ${String(v)}`);
    }
  });
  if (R.toKind === "multiclass") {
    const sum = row.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      fail(
        place,
        place.row(r),
        `values must sum to 1 (within ${ROW_SUM_TOLERANCE}) because task ${JSON.stringify(R.to)} is multi-class; ` +
          `they sum to ${sum}`,
      );
    }
  }
}

function checkSupport(R: Relatedness, support: readonly (readonly number[])[], place: Place): void {
  const shapeOk = support.length === R.rows.length && support.every((s) => s.length === R.columns.length);
  if (!shapeOk) fail(place, "field support", `expected ${R.rows.length} x ${R.columns.length} counts like values`);
  support.forEach((row, r) =>
    row.forEach((v, c) => {
      if (!Number.isFinite(v) || v < 0) fail(place, `support of ${place.cell(r, c)}`, `expected a count >= 0, got ${v}`);
    }),
  );
}

/**
 * Checks R against whichever tasks are given: A multi-class, task names, toKind, and the row and
 * column names as sets (any order; reordering is {@link alignRelatedness}'s job).
 */
export function checkAgainstTasks(R: Relatedness, from: Task | undefined, to: Task | undefined, place: Place): void {
  if (from) checkFromTask(R, from, place);
  if (to) checkToTask(R, to, place);
}

function checkFromTask(R: Relatedness, from: Task, place: Place): void {
  if (from.kind !== "multiclass") {
    fail(
      place,
      place.field("from"),
      `task A ${JSON.stringify(from.name)} must be multi-class (the rows are its classes), but it is multi-label`,
    );
  }
  if (R.from !== from.name) {
    fail(place, place.field("from"), `expected task A ${JSON.stringify(from.name)}, got ${JSON.stringify(R.from)}`);
  }
  compareNames(R.rows, from.classes, place.rowNames, `the classes of task ${JSON.stringify(from.name)}`, place);
}

function checkToTask(R: Relatedness, to: Task, place: Place): void {
  if (R.to !== to.name) {
    fail(place, place.field("to"), `expected task B ${JSON.stringify(to.name)}, got ${JSON.stringify(R.to)}`);
  }
  if (R.toKind !== to.kind) {
    fail(place, place.field("toKind"), `task ${JSON.stringify(to.name)} is ${to.kind}, but the matrix says ${R.toKind}`);
  }
  const what = to.kind === "multiclass" ? "classes" : "labels";
  compareNames(R.columns, outputNames(to), place.columnNames, `the ${what} of task ${JSON.stringify(to.name)}`, place);
}

function compareNames(
  got: readonly string[],
  expected: readonly string[],
  at: string,
  what: string,
  place: Place,
): void {
  const gotSet = new Set(got);
  const expectedSet = new Set(expected);
  const missing = expected.filter((n) => !gotSet.has(n));
  const extra = got.filter((n) => !expectedSet.has(n));
  const duplicate = [...new Set(got.filter((n, i) => got.indexOf(n) !== i))];
  if (missing.length === 0 && extra.length === 0 && duplicate.length === 0) return;
  const parts = [`names must be ${what}`];
  if (missing.length > 0) parts.push(`missing ${JSON.stringify(missing)}`);
  if (extra.length > 0) parts.push(`extra ${JSON.stringify(extra)}`);
  if (duplicate.length > 0) parts.push(`duplicate ${JSON.stringify(duplicate)}`);
  fail(place, at, parts.join("; "));
}
