import * as tf from "../engine/tf.js";

/** A relatedness matrix as a [K, M] tensor or as plain rows (converted on each call; prefer a tensor in loops). */
export type RelatednessInput = tf.Tensor2D | readonly (readonly number[])[];

/**
 * How a coupling term compares the target distribution t with the matched prediction p:
 * "cross-entropy" (METHOD.md section 3): H(t, p); "kl": KL(t || p) = H(t, p) - H(t). Both give the
 * matched head the same gradient. They differ only where the gradient also flows into the head that
 * produced t: the cross-entropy then also lowers H(t), rewarding that head for confident predictions
 * whatever the data say, while KL is zero exactly when the two distributions agree.
 */
export type Divergence = "cross-entropy" | "kl";

export const divergences: readonly Divergence[] = ["cross-entropy", "kl"];

/** sum_k t log t over the last axis (minus the entropy), t clamped inside the log as elsewhere. */
export function negativeEntropy(t: tf.Tensor2D, eps: number): tf.Tensor1D {
  return tf.sum(tf.mul(t, clampedLog(t, eps)), 1) as tf.Tensor1D;
}

/** Per entry p log p + (1 - p) log(1 - p): minus the Bernoulli entropy, [N, M]. */
export function negativeBernoulliEntropy(p: tf.Tensor2D, eps: number): tf.Tensor2D {
  return tf.add(tf.mul(p, clampedLog(p, eps)), tf.mul(tf.sub(1, p), clampedLog1m(p, eps))) as tf.Tensor2D;
}

/** Default clamp: every probability goes into [eps, 1 - eps] before a log. */
export const DEFAULT_EPS = 1e-7;

/** Identity in the forward pass, zero gradient in the backward pass (tfjs has no stop_gradient op). */
const stopGradientOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}

/** log(clamp(p, eps, 1 - eps)). */
export function clampedLog(p: tf.Tensor, eps: number): tf.Tensor {
  return tf.log(tf.clipByValue(p, eps, 1 - eps));
}

/** log(1 - clamp(p, eps, 1 - eps)). */
export function clampedLog1m(p: tf.Tensor, eps: number): tf.Tensor {
  return tf.log(tf.sub(1, tf.clipByValue(p, eps, 1 - eps)));
}

/** R as a float32 tensor; a caller-owned tensor is returned as is (callers run inside tf.tidy). */
export function relatednessTensor(R: RelatednessInput): tf.Tensor2D {
  if (R instanceof tf.Tensor) return R;
  return tf.tensor2d(R.map((row) => [...row]), [R.length, R[0]?.length ?? 0], "float32");
}

/**
 * Mean of per-sample values [N]; with weights, sum(w * v) / sum(w), and 0 (not NaN) when every
 * weight is 0 or the batch is empty.
 */
export function sampleMean(perSample: tf.Tensor1D, weights?: tf.Tensor1D): tf.Scalar {
  if (!weights) return tf.div(tf.sum(perSample), Math.max(perSample.shape[0], 1)) as tf.Scalar;
  if (weights.shape[0] !== perSample.shape[0]) {
    throw new Error(`sampleWeights has ${weights.shape[0]} entries, expected ${perSample.shape[0]} (one per sample)`);
  }
  return tf.div(tf.sum(tf.mul(perSample, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
}

/**
 * Weighted sum divided by the number of entries with a non-zero weight (0 when there are none):
 * each targeted entry counts once, scaled by its weight, as in the supervised masked losses.
 */
export function meanOverWeighted(values: tf.Tensor, weights: tf.Tensor): tf.Scalar {
  const count = tf.sum(tf.cast(tf.greater(weights, 0), "float32"));
  return tf.div(tf.sum(tf.mul(values, weights)), tf.maximum(count, 1)) as tf.Scalar;
}

/** Throws unless classProbs [N, K], otherProbs [N, M] and R [K, M] agree. */
export function checkShapes(fn: string, classProbs: tf.Tensor2D, otherProbs: tf.Tensor2D, R: tf.Tensor2D): void {
  const [n, k] = classProbs.shape;
  const [n2, m] = otherProbs.shape;
  if (n !== n2) {
    throw new Error(`${fn}: the two prediction tensors have ${n} and ${n2} rows, expected the same batch size`);
  }
  if (R.shape[0] !== k || R.shape[1] !== m) {
    throw new Error(`${fn}: relatedness has shape [${R.shape.join(", ")}], expected [${k}, ${m}] (classes of A x outputs of B)`);
  }
}

/** Normalised class prior: uniform when absent; must have K positive finite entries. */
export function priorTensor(fn: string, prior: readonly number[] | undefined, k: number): tf.Tensor1D {
  if (!prior) return tf.fill([k], 1 / k) as tf.Tensor1D;
  if (prior.length !== k) throw new Error(`${fn}: prior has ${prior.length} entries, expected ${k} (one per class of A)`);
  prior.forEach((p, i) => {
    if (!Number.isFinite(p) || p <= 0) throw new Error(`${fn}: prior[${i}] = ${p}, expected a finite number > 0`);
  });
  const total = prior.reduce((a, b) => a + b, 0);
  return tf.tensor1d(prior.map((p) => p / total), "float32");
}

/** tf.tidy for a function returning a plain object of tensors (tidy walks nested objects at run time). */
export function tidyObject<T extends object>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
