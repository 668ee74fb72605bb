import type { DatasetTable } from "./dataset.js";
import { Rng } from "../engine/random.js";

export interface TrainValTestOptions {
  /** Fraction of samples in the validation part, in [0, 1). */
  readonly validation: number;
  /** Fraction of samples in the test part, in [0, 1). */
  readonly test: number;
  readonly seed: number;
  /** Samples with the same group id always land in the same part. */
  readonly groups?: Int32Array | readonly number[];
}

export interface TrainValTestSplit {
  readonly train: number[];
  readonly validation: number[];
  readonly test: number[];
}

/**
 * A random train/validation/test split of 0..n-1 (each part sorted). Without groups the part sizes are
 * exactly round(fraction * n); with groups, whole groups are dealt out in random order, test first, then
 * validation, each part taking groups until it reaches its target, so sizes are close to the fractions.
 */
export function splitTrainValTest(n: number, options: TrainValTestOptions): TrainValTestSplit {
  assertFraction("validation", options.validation);
  assertFraction("test", options.test);
  if (options.validation + options.test >= 1) throw new Error(`validation + test must be below 1, got ${options.validation + options.test}`);
  if (options.groups && options.groups.length !== n) throw new Error(`groups has ${options.groups.length} entries, expected one per sample (${n})`);
  const members = groupMembers(n, options.groups);
  const order = new Rng(options.seed).permutation(members.length);
  const testTarget = Math.round(options.test * n);
  const validationTarget = Math.round(options.validation * n);
  const parts: TrainValTestSplit = { train: [], validation: [], test: [] };
  let dealt = 0;
  for (const g of order) {
    const part = dealt < testTarget ? parts.test : dealt < testTarget + validationTarget ? parts.validation : parts.train;
    part.push(...members[g]);
    dealt += members[g].length;
  }
  for (const part of [parts.train, parts.validation, parts.test]) part.sort((a, b) => a - b);
  return parts;
}

function groupMembers(n: number, groups?: Int32Array | readonly number[]): number[][] {
  if (!groups) return Array.from({ length: n }, (_, i) => [i]);
  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byGroup.get(groups[i]);
    if (list) list.push(i);
    else byGroup.set(groups[i], [i]);
  }
  return [...byGroup.values()];
}

function assertFraction(name: string, value: number): void {
  if (!(value >= 0 && value < 1)) throw new Error(`${name} must be a fraction in [0, 1), got ${value}`);
}

/** A group of training rows and the tasks whose labels they keep (the others are hidden). */
export interface AnnotationPart {
  readonly name: string;
  readonly rows: number[];
  readonly tasks: string[];
}

export interface DisjointTaskSplitOptions {
  /** Fraction of the training rows that keep every task's labels (default 0: no co-annotation). */
  readonly overlap?: number;
  /** Relative sizes of the task-only subsets, one per task (default all equal), e.g. [1, 100]. */
  readonly ratio?: readonly number[];
  readonly seed: number;
}

export interface DisjointTaskSplit {
  /** Per task, the rows that keep only that task's labels. */
  readonly byTask: Readonly<Record<string, number[]>>;
  /** Rows that keep every task's labels. */
  readonly overlap: number[];
  /** The same as a list: one part per task ("only:<task>"), then "overlap" when it is not empty. */
  readonly parts: AnnotationPart[];
}

/**
 * The non-overlapping setting of METHOD.md section 5: the training rows are shuffled, round(overlap * n)
 * of them keep all labels, and the rest are cut into one subset per task with sizes in `ratio`
 * (largest-remainder rounding), each keeping only its task's labels. Disjoint by construction; the
 * subsets together with the overlap cover every training row exactly once. Works for any number of tasks.
 */
export function makeDisjointTaskSplit(trainRows: readonly number[], taskNames: readonly string[], options: DisjointTaskSplitOptions): DisjointTaskSplit {
  if (taskNames.length < 1) throw new Error("makeDisjointTaskSplit: expected at least one task");
  if (new Set(taskNames).size !== taskNames.length) throw new Error(`makeDisjointTaskSplit: duplicate task names in ${JSON.stringify(taskNames)}`);
  const overlapFraction = options.overlap ?? 0;
  if (!(overlapFraction >= 0 && overlapFraction <= 1)) throw new Error(`overlap must be a fraction in [0, 1], got ${overlapFraction}`);
  const ratio = options.ratio ?? taskNames.map(() => 1);
  if (ratio.length !== taskNames.length || ratio.some((r) => !(r >= 0)) || ratio.every((r) => r === 0)) {
    throw new Error(`ratio must give one non-negative size per task (${taskNames.length}), not all zero, got ${JSON.stringify(ratio)}`);
  }
  const shuffled = new Rng(options.seed).shuffle([...trainRows]);
  const overlapCount = Math.round(overlapFraction * shuffled.length);
  const overlap = shuffled.slice(0, overlapCount).sort((a, b) => a - b);
  const counts = apportion(shuffled.length - overlapCount, ratio);
  const byTask: Record<string, number[]> = {};
  let at = overlapCount;
  taskNames.forEach((task, i) => {
    byTask[task] = shuffled.slice(at, at + counts[i]).sort((a, b) => a - b);
    at += counts[i];
  });
  const parts: AnnotationPart[] = taskNames.map((task) => ({ name: `only:${task}`, rows: byTask[task], tasks: [task] }));
  if (overlap.length > 0) parts.push({ name: "overlap", rows: overlap, tasks: [...taskNames] });
  return { byTask, overlap, parts };
}

/** Splits `total` into integer counts proportional to `weights` (largest remainder, ties to the earlier). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    counts[i]++;
  }
  return counts;
}

/**
 * The annotation parts of a table's training rows: when the table has natural domains, each domain's
 * training rows keep only the tasks that domain annotates; otherwise the disjoint task split above.
 */
export function trainingParts(table: DatasetTable, trainRows: readonly number[], options: DisjointTaskSplitOptions & { tasks?: readonly string[] }): AnnotationPart[] {
  const tasks = options.tasks ?? table.tasks.map((t) => t.name);
  if (!table.domains) return makeDisjointTaskSplit(trainRows, tasks, options).parts;
  const { names, domainOf, annotates } = table.domains;
  return names
    .map((name, d) => ({
      name: `domain:${name}`,
      rows: trainRows.filter((r) => domainOf[r] === d),
      tasks: (annotates[name] ?? []).filter((t) => tasks.includes(t)),
    }))
    .filter((part) => part.rows.length > 0 && part.tasks.length > 0);
}
