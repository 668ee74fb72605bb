import type { MultiClassTargets, MultiLabelTargets, Source, TaskTargets } from "../data/types.js";
import type { MultiClassTask, Task } from "../tasks/types.js";
import { headSize, outputNames } from "../tasks/types.js";
import type { Relatedness } from "./types.js";
import { own } from "../data/names.js";

export interface EstimateOptions {
  /** Laplace smoothing pseudo-count, >= 0 (default 1). */
  readonly alpha?: number;
}

/**
 * Estimates R from samples annotated for both tasks (METHOD.md section 2, item 2). Samples whose A
 * label is missing (-1), and B entries that are not observed, are ignored.
 *
 * - Multi-label B: R[k][j] = (sum of b_j over samples with a = k and b_j observed + alpha)
 *   / (number of those samples + 2 alpha).
 * - Multi-class B (J classes): R[k][j] = (count(a = k, b = j) + alpha) / (count(a = k, b observed) + J alpha),
 *   so every row sums to 1.
 *
 * `support[k][j]` is the denominator's sample count: samples with a = k and b_j observed (multi-label),
 * or samples with a = k and b observed (multi-class, the same for the whole row). A cell with no
 * support and alpha = 0 has no estimate; it gets the uninformed value 0.5 (multi-label) or 1/J
 * (multi-class), which is also what any alpha > 0 gives there.
 */
export function estimateFromAnnotations(
  a: { readonly labels: Int32Array },
  b: MultiLabelTargets | MultiClassTargets,
  fromTask: Task,
  toTask: Task,
  options: EstimateOptions = {},
): Relatedness {
  const from = requireMultiClass(fromTask);
  const alpha = options.alpha ?? 1;
  if (!Number.isFinite(alpha) || alpha < 0) {
    throw new Error(`estimateFromAnnotations: alpha must be a number >= 0, got ${alpha}`);
  }
  if (b.kind !== toTask.kind) {
    throw new Error(
      `estimateFromAnnotations: targets of task "${toTask.name}" are ${b.kind}, but the task is ${toTask.kind}`,
    );
  }
  checkClassIndices(a.labels, from.classes.length, from.name);
  const K = from.classes.length;
  const J = headSize(toTask);
  const counts =
    b.kind === "multilabel"
      ? countMultiLabel(a.labels, b, K, J, toTask.name)
      : countMultiClass(a.labels, b, K, J, toTask.name);
  const pseudo = b.kind === "multilabel" ? 2 * alpha : J * alpha;
  const uninformed = b.kind === "multilabel" ? 0.5 : 1 / J;
  const values = counts.hits.map((row, k) =>
    row.map((hits, j) => {
      const n = counts.support[k][j];
      return n + pseudo > 0 ? (hits + alpha) / (n + pseudo) : uninformed;
    }),
  );
  return relatedness(from, toTask, values, counts.support, "overlap");
}

interface Counts {
  /** hits[k][j]: multi-label: sum of b_j; multi-class: count(a = k, b = j). */
  readonly hits: number[][];
  readonly support: number[][];
}

function zeros(K: number, M: number): number[][] {
  return Array.from({ length: K }, () => new Array<number>(M).fill(0));
}

function countMultiLabel(labels: Int32Array, b: MultiLabelTargets, K: number, M: number, name: string): Counts {
  const N = labels.length;
  if (b.values.length !== N * M || b.mask.length !== N * M) {
    throw new Error(
      `estimate: task "${name}" targets must hold ${N} x ${M} values and mask entries, ` +
        `got ${b.values.length} and ${b.mask.length}`,
    );
  }
  const hits = zeros(K, M);
  const support = zeros(K, M);
  for (let i = 0; i < N; i++) {
    const k = labels[i];
    if (k < 0) continue;
    for (let j = 0; j < M; j++) {
      if (b.mask[i * M + j] === 0) continue;
      hits[k][j] += b.values[i * M + j];
      support[k][j] += 1;
    }
  }
  return { hits, support };
}

function countMultiClass(labels: Int32Array, b: MultiClassTargets, K: number, J: number, name: string): Counts {
  const N = labels.length;
  if (b.labels.length !== N) throw new Error(`estimate: task "${name}" targets must hold ${N} labels, got ${b.labels.length}`);
  checkClassIndices(b.labels, J, name);
  const hits = zeros(K, J);
  const rowCount = new Array<number>(K).fill(0);
  for (let i = 0; i < N; i++) {
    const k = labels[i];
    const j = b.labels[i];
    if (k < 0 || j < 0) continue;
    hits[k][j] += 1;
    rowCount[k] += 1;
  }
  return { hits, support: rowCount.map((n) => new Array<number>(J).fill(n)) };
}

function checkClassIndices(labels: Int32Array, K: number, name: string): void {
  labels.forEach((k, i) => {
    if (k < -1 || k >= K) {
      throw new Error(`estimate: task "${name}" sample ${i} has class index ${k}; expected -1 (missing) or 0..${K - 1}`);
    }
  });
}

function requireMultiClass(task: Task): MultiClassTask {
  if (task.kind !== "multiclass") {
    throw new Error(`relatedness: task A "${task.name}" must be multi-class (the rows are its classes), but it is multi-label`);
  }
  return task;
}

function relatedness(
  from: MultiClassTask,
  to: Task,
  values: number[][],
  support: number[][],
  origin: string,
): Relatedness {
  return {
    from: from.name,
    to: to.name,
    toKind: to.kind,
    rows: [...from.classes],
    columns: [...outputNames(to)],
    values,
    support,
    origin,
  };
}

/**
 * {@link estimateFromAnnotations} over every source that annotates both tasks, pooled; only samples
 * with an A label and (some) observed B annotation count. Throws when no sample is co-annotated:
 * with no overlap, use {@link estimateFromPredictions} or a prior instead.
 */
export function estimateFromSources(
  sources: readonly Source[],
  fromTask: Task,
  toTask: Task,
  options: EstimateOptions = {},
): Relatedness {
  if (fromTask.kind !== "multiclass") {
    throw new Error(`relatedness: task A ("${fromTask.name}") must be multi-class, since R = P(B | A) conditions on one class of A per sample; "${fromTask.name}" is multi-label (swap the tasks: --from ${toTask.name} --to ${fromTask.name})`);
  }
  const both = sources.filter((s) => own(s.targets, fromTask.name) && own(s.targets, toTask.name));
  const a = { labels: concatInt32(both.map((s) => (own(s.targets, fromTask.name) as MultiClassTargets).labels)) };
  const b = concatTargets(both.map((s) => own(s.targets, toTask.name)!), toTask);
  const R = estimateFromAnnotations(a, b, fromTask, toTask, options);
  const total = (R.support ?? []).flat().reduce((x, y) => x + y, 0);
  if (total === 0) {
    const names = sources.map((s) => s.name).join(", ") || "(none)";
    throw new Error(
      `estimateFromSources: no sample is annotated for both "${fromTask.name}" and "${toTask.name}" ` +
        `in sources ${names}; estimate from predictions or use a prior`,
    );
  }
  return R;
}

function concatTargets(parts: readonly TaskTargets[], task: Task): MultiLabelTargets | MultiClassTargets {
  for (const p of parts) {
    if (p.kind !== task.kind) throw new Error(`estimateFromSources: targets of task "${task.name}" are ${p.kind}, expected ${task.kind}`);
  }
  if (task.kind === "multiclass") {
    return { kind: "multiclass", labels: concatInt32(parts.map((p) => (p as MultiClassTargets).labels)) };
  }
  const ml = parts as readonly MultiLabelTargets[];
  return {
    kind: "multilabel",
    values: concatFloat32(ml.map((p) => p.values)),
    mask: concatFloat32(ml.map((p) => p.mask)),
  };
}

function concatInt32(parts: readonly Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Largest allowed |row sum - 1| of a probability row passed to {@link estimateFromPredictions}. */
const PROBABILITY_SUM_TOLERANCE = 1e-3;

/**
 * Estimates R with no co-annotated data (METHOD.md section 2, item 3), from the predictions of
 * models trained on each task alone over one pool of N inputs:
 * R[k][j] = sum_x pA(k|x) pB(j|x) / sum_x pA(k|x).
 *
 * `probsA` is row-major [N, K] softmax output (rows sum to 1). `probsB` is [N, M]: sigmoid outputs
 * for a multi-label B, softmax outputs for a multi-class B. For a multi-class B each pB row is
 * renormalised to sum exactly to 1 (float32 softmax is off by ~1e-7), so R's rows sum to 1:
 * sum_j R[k][j] = sum_x pA(k|x) * 1 / sum_x pA(k|x).
 *
 * `support[k][j]` is the soft count sum_x pA(k|x) (an effective number of samples, not an integer).
 * A class that receives no probability mass gets 0.5 (multi-label) or 1/J (multi-class).
 */
export function estimateFromPredictions(
  probsA: Float32Array,
  probsB: Float32Array,
  fromTask: Task,
  toTask: Task,
): Relatedness {
  const from = requireMultiClass(fromTask);
  const K = from.classes.length;
  const M = headSize(toTask);
  const N = probsA.length / K;
  if (!Number.isInteger(N) || probsB.length !== N * M) {
    throw new Error(
      `estimateFromPredictions: expected probsA of N x ${K} and probsB of N x ${M} values, ` +
        `got ${probsA.length} and ${probsB.length}`,
    );
  }
  checkProbabilities(probsA, K, true, from.name);
  checkProbabilities(probsB, M, toTask.kind === "multiclass", toTask.name);
  const mass = new Array<number>(K).fill(0);
  const joint = zeros(K, M);
  for (let i = 0; i < N; i++) {
    const scaleB = toTask.kind === "multiclass" ? 1 / rowSum(probsB, i, M) : 1;
    for (let k = 0; k < K; k++) {
      const pa = probsA[i * K + k];
      mass[k] += pa;
      for (let j = 0; j < M; j++) joint[k][j] += pa * probsB[i * M + j] * scaleB;
    }
  }
  const uninformed = toTask.kind === "multilabel" ? 0.5 : 1 / M;
  const values = joint.map((row, k) => row.map((v) => (mass[k] > 0 ? Math.min(1, v / mass[k]) : uninformed)));
  const support = mass.map((m) => new Array<number>(M).fill(m));
  return relatedness(from, toTask, values, support, "predictions");
}

function rowSum(p: Float32Array, i: number, width: number): number {
  let sum = 0;
  for (let j = 0; j < width; j++) sum += p[i * width + j];
  return sum;
}

function checkProbabilities(p: Float32Array, width: number, rowsSumToOne: boolean, name: string): void {
  const N = p.length / width;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < width; j++) {
      const v = p[i * width + j];
      if (!(v >= 0 && v <= 1)) {
        throw new Error(`estimateFromPredictions: task "${name}" sample ${i}, output ${j}: expected a probability in [0, 1], got ${v}`);
      }
    }
    const sum = rowSum(p, i, width);
    if (rowsSumToOne && Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      throw new Error(`estimateFromPredictions: task "${name}" sample ${i}: softmax probabilities must sum to 1, got ${sum}`);
    }
  }
}
