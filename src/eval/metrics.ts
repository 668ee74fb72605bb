import type { TaskKind } from "../tasks/types.js";

/**
 * Evaluation metrics (METHOD.md section 5), pure JavaScript on row-major typed arrays.
 * Only annotated entries count: a missing label adds nothing to any count.
 */

export interface MultiClassMetrics {
  /** Share of labelled samples whose arg-max class is the true class (NaN when n = 0). */
  readonly accuracy: number;
  /**
   * Mean F1 over the classes that occur in the truth or in the predictions of the labelled samples;
   * a class absent from both has no defined F1 and is left out (NaN when n = 0).
   */
  readonly macroF1: number;
  /** confusion[true][predicted], K x K counts over labelled samples. */
  readonly confusion: number[][];
  /** Number of labelled samples. */
  readonly n: number;
}

/** probs [N*K] row-major, labels [N] with -1 = missing. The predicted class is the arg-max (first on ties). */
export function multiClassMetrics(probs: Float32Array, labels: Int32Array, K: number): MultiClassMetrics {
  checkSize("multiClassMetrics", "probs", probs.length, labels.length * K, `${labels.length} samples x ${K} classes`);
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let n = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y < 0) continue;
    if (y >= K) throw new Error(`multiClassMetrics: labels[${i}] = ${y}, expected -1 or a class index below ${K}`);
    const predicted = argMax(probs, i * K, K);
    confusion[y][predicted] += 1;
    n += 1;
    if (predicted === y) correct += 1;
  }
  return { accuracy: n > 0 ? correct / n : NaN, macroF1: macroF1(confusion), confusion, n };
}

function argMax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}

function macroF1(confusion: number[][]): number {
  let sum = 0;
  let classes = 0;
  confusion.forEach((row, k) => {
    const tp = row[k];
    const fn = row.reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, r) => a + r[k], 0) - tp;
    if (tp + fn + fp === 0) return;
    sum += f1(tp, fp, fn);
    classes += 1;
  });
  return classes > 0 ? sum / classes : NaN;
}

/** 2TP / (2TP + FP + FN); 0 when there is nothing to find and nothing was found (scikit-learn's default). */
function f1(tp: number, fp: number, fn: number): number {
  const denominator = 2 * tp + fp + fn;
  return denominator > 0 ? (2 * tp) / denominator : 0;
}

export interface MultiLabelMetrics {
  /** F1 per label; null for a label with no annotated entry (excluded from the means). */
  readonly perLabelF1: (number | null)[];
  /** Accuracy per label; null for a label with no annotated entry. */
  readonly perLabelAccuracy: (number | null)[];
  /** Number of annotated entries per label. */
  readonly perLabelN: number[];
  /**
   * Mean over labels with at least one annotated entry (NaN when there is none). A label annotated only
   * with negatives and never predicted positive has F1 0 (scikit-learn's zero_division default).
   */
  readonly meanF1: number;
  readonly meanAccuracy: number;
  /** 0.5 * meanF1 + 0.5 * meanAccuracy (the AU challenge score). */
  readonly score: number;
  /** Number of annotated (sample, label) entries. */
  readonly n: number;
}

/**
 * probs, values, mask: [N*M] row-major; values 0/1, mask 1 = annotated. Label j is predicted present
 * when probs >= thresholds[j] (default 0.5 for every label).
 */
export function multiLabelMetrics(
  probs: Float32Array,
  values: Float32Array,
  mask: Float32Array,
  M: number,
  thresholds?: readonly number[],
): MultiLabelMetrics {
  checkMultiLabel("multiLabelMetrics", probs, values, mask, M);
  if (thresholds && thresholds.length !== M) {
    throw new Error(`multiLabelMetrics: thresholds has ${thresholds.length} entries, expected ${M} (one per label)`);
  }
  const counts = Array.from({ length: M }, (_, j) => labelCounts(probs, values, mask, M, j, thresholds?.[j] ?? 0.5));
  const perLabelF1 = counts.map((c) => (c.n > 0 ? f1(c.tp, c.fp, c.fn) : null));
  const perLabelAccuracy = counts.map((c) => (c.n > 0 ? (c.tp + c.tn) / c.n : null));
  const meanF1 = meanOfPresent(perLabelF1);
  const meanAccuracy = meanOfPresent(perLabelAccuracy);
  return {
    perLabelF1,
    perLabelAccuracy,
    perLabelN: counts.map((c) => c.n),
    meanF1,
    meanAccuracy,
    score: 0.5 * meanF1 + 0.5 * meanAccuracy,
    n: counts.reduce((a, c) => a + c.n, 0),
  };
}

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  n: number;
}

function labelCounts(probs: Float32Array, values: Float32Array, mask: Float32Array, M: number, j: number, threshold: number): Counts {
  const c: Counts = { tp: 0, fp: 0, fn: 0, tn: 0, n: 0 };
  for (let idx = j; idx < probs.length; idx += M) {
    if (mask[idx] <= 0) continue;
    const truth = values[idx] > 0.5;
    const predicted = probs[idx] >= threshold;
    c.n += 1;
    if (truth && predicted) c.tp += 1;
    else if (predicted) c.fp += 1;
    else if (truth) c.fn += 1;
    else c.tn += 1;
  }
  return c;
}

function meanOfPresent(values: readonly (number | null)[]): number {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : NaN;
}

/** 0.05, 0.10, ..., 0.95. */
export const DEFAULT_THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, i) => Math.round((i + 1) * 5) / 100);

/**
 * Per-label decision threshold maximising F1 on (validation) data. Among thresholds with equal F1 the one
 * closest to 0.5 wins, so a label without annotated entries or positives keeps 0.5.
 */
export function tuneThresholds(
  probs: Float32Array,
  values: Float32Array,
  mask: Float32Array,
  M: number,
  grid: readonly number[] = DEFAULT_THRESHOLD_GRID,
): number[] {
  checkMultiLabel("tuneThresholds", probs, values, mask, M);
  if (grid.length === 0) throw new Error(`tuneThresholds: grid must not be empty`);
  const byCloseness = [...grid].sort((a, b) => Math.abs(a - 0.5) - Math.abs(b - 0.5) || a - b);
  return Array.from({ length: M }, (_, j) => bestThreshold(probs, values, mask, M, j, byCloseness));
}

function bestThreshold(probs: Float32Array, values: Float32Array, mask: Float32Array, M: number, j: number, grid: readonly number[]): number {
  const reference = labelCounts(probs, values, mask, M, j, 0.5);
  if (reference.tp + reference.fn === 0) return 0.5; // no annotated positive: F1 cannot choose
  let best = 0.5;
  let bestF1 = -1;
  for (const t of grid) {
    const c = labelCounts(probs, values, mask, M, j, t);
    const score = f1(c.tp, c.fp, c.fn);
    if (score > bestF1) {
      bestF1 = score;
      best = t;
    }
  }
  return best;
}

/** The metric a study compares variants on. */
export function primaryMetric(kind: TaskKind): "accuracy" | "score" {
  return kind === "multiclass" ? "accuracy" : "score";
}

function checkMultiLabel(fn: string, probs: Float32Array, values: Float32Array, mask: Float32Array, M: number): void {
  if (!Number.isInteger(M) || M <= 0) throw new Error(`${fn}: M = ${M}, expected a positive integer (number of labels)`);
  if (probs.length % M !== 0) throw new Error(`${fn}: probs has ${probs.length} entries, expected a multiple of M = ${M}`);
  const what = `${probs.length / M} samples x ${M} labels`;
  checkSize(fn, "values", values.length, probs.length, what);
  checkSize(fn, "mask", mask.length, probs.length, what);
}

function checkSize(fn: string, name: string, actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new Error(`${fn}: ${name} has ${actual} entries, expected ${expected} (${what})`);
}
