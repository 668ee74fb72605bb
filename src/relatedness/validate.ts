import type { Task } from "../tasks/types.js";
import { outputNames } from "../tasks/types.js";
import { checkAgainstTasks, checkStructure, memoryPlace } from "./check.js";
import type { Relatedness } from "./types.js";

/**
 * Checks R against the tasks it relates and throws a {@link RelatednessError} naming `where`
 * (a file path or label) and the row/column at fault when:
 * - task A (`from`) is not multi-class, or task names / `toKind` differ from the tasks;
 * - the row names are not exactly A's classes, or the column names not exactly B's labels
 *   (multi-label B) or classes (multi-class B): the message lists the missing and extra names;
 * - the matrix is not K x M, or a value is not a finite number in [0, 1];
 * - B is multi-class and a row does not sum to 1 within {@link ROW_SUM_TOLERANCE} (1e-6).
 *
 * Rows and columns may come in any order: validation compares names as sets. Code that indexes R
 * by position must use {@link alignRelatedness} first.
 */
export function validateRelatedness(R: Relatedness, from: Task, to: Task, where = "relatedness"): void {
  const place = memoryPlace(where, R);
  checkAgainstTasks(R, from, to, place);
  checkStructure(R, place);
}

/**
 * Validates R (see {@link validateRelatedness}) and returns it with rows in A's class order and
 * columns in B's label/class order (support reordered alike), ready to be indexed by position.
 */
export function alignRelatedness(R: Relatedness, from: Task, to: Task, where = "relatedness"): Relatedness {
  validateRelatedness(R, from, to, where);
  return reorderRelatedness(R, outputNames(from), outputNames(to));
}

/** R with rows and columns put in the given orders (each a permutation of R's names). */
export function reorderRelatedness(
  R: Relatedness,
  rowOrder: readonly string[] = R.rows,
  columnOrder: readonly string[] = R.columns,
): Relatedness {
  const rowIndex = indexOf(R.rows, rowOrder);
  const columnIndex = indexOf(R.columns, columnOrder);
  const pick = (m: readonly (readonly number[])[]): number[][] =>
    rowIndex.map((r) => columnIndex.map((c) => m[r][c]));
  return {
    ...R,
    rows: [...rowOrder],
    columns: [...columnOrder],
    values: pick(R.values),
    ...(R.support ? { support: pick(R.support) } : {}),
  };
}

function indexOf(names: readonly string[], order: readonly string[]): number[] {
  if (order.length !== names.length) {
    throw new Error(`reorderRelatedness: expected an order of ${names.length} names, got ${order.length}`);
  }
  const position = new Map(names.map((n, i) => [n, i] as const));
  return order.map((n) => {
    const i = position.get(n);
    if (i === undefined) throw new Error(`reorderRelatedness: name ${JSON.stringify(n)} is not in the matrix`);
    return i;
  });
}
