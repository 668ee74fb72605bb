import * as tf from "../engine/tf.js";

/** A relatedness matrix as a [K, M] tensor or as plain rows (converted on each call; prefer a tensor in loops). */
export type RelatednessInput = tf.Tensor2D | readonly (readonly number[])[];

/**
 * How a coupling term compares its two distributions. Both terms are written H(t, u) = -sum t log u with
 * the first argument t as the "target": in DM, t = p_B (the matched head's own prediction, METHOD.md puts
 * it first) and u = q_B = p_A R; in SCA, t = q_A (implied by head B) and u = p_A (the matched head).
 * "cross-entropy" (METHOD.md section 3): H(t, u); "kl": KL(t || u) = H(t, u) - H(t). The two differ by
 * H(t), which depends on the first argument only, so they give the same gradient to u and a different
 * one to t: in DM they differ in the gradient of head B (the matched head: the cross-entropy is linear
 * in p_B and pushes it to 0 or 1, KL pulls it to q_B), in SCA in the gradient into head B through q_A
 * (the cross-entropy also lowers H(q_A), rewarding head B for confident predictions whatever the data
 * say; KL is zero exactly when the two agree). Head A's gradient is the same under both, in both terms.
 * See {@link GradientPath} for the gradients written out.
 */
export type Divergence = "cross-entropy" | "kl";

export const divergences: readonly Divergence[] = ["cross-entropy", "kl"];

/**
 * Which heads a coupling term's gradient reaches. Each term matches one head's prediction (DM: p_B; SCA:
 * p_A) with a distribution implied by the other head through R (DM: q_B = p_A R; SCA: q_A from p_B):
 * - "both": into both heads (METHOD.md: the knowledge exchange);
 * - "matched": into the matched head only, q is a constant target (the former `stopGradient: true`):
 *   DM then sends head A nothing, so DM's exchange through q_B = p_A R is gone;
 * - "implied": into the head that produced q only, the matched prediction is a constant target
 *   (stop-gradient on the matched side): DM then trains head A towards the label distribution head B
 *   predicts, SCA trains head B towards the class distribution head A predicts.
 *
 * Gradients per entry (N samples, and M labels for DM, each term a mean, so each entry carries 1/(N M)
 * for DM and 1/N for SCA). DM, multi-label, p = p_B(j), q = q_B(j) = sum_k p_A(k) R[k][j]:
 *   cross-entropy H(p, q) = -[p log q + (1 - p) log(1 - q)]:  dL/dp = -logit(q),           dL/dq = (q - p) / (q (1 - q))
 *   kl  KL(p || q) = H(p, q) - H(p):                          dL/dp = logit(p) - logit(q), dL/dq = (q - p) / (q (1 - q))
 *   head A: dL/dp_A(k) = sum_j R[k][j] dL/dq(j).
 * The cross-entropy's dL/dp does not depend on p: with gradient into head B, DM pushes every p_B to 0 or
 * 1 (the collapse measured on Soybean); with "implied" head B gets nothing and head A gets the gradient of
 * a proper scoring rule in q, minimised at q_B = p_B, under either divergence (they differ by H(p_B), a
 * constant there). So "implied" keeps DM's exchange into head A without the collapse, and "both" with
 * "kl" keeps it too, with head B pulled to q_B instead of pushed to 0 or 1.
 * SCA, p = p_A, t = q_A = softmax(score(p_B)):
 *   cross-entropy -sum_k t_k log p_k:  dL/dp_k = -t_k / p_k,  dL/dt_k = -log p_k
 *   kl  sum_k t_k log(t_k / p_k):      dL/dp_k = -t_k / p_k,  dL/dt_k = log t_k - log p_k (+1, which the
 *                                      softmax removes since sum_k dt_k = 0)
 * and head B through the scores (dt/dscore = diag(t) - t t^T, score linear in log p_B, log(1 - p_B) or p_B).
 * Under the cross-entropy, dL/dt moves t towards the classes p_A favours and sharpens it (CE = H(t) +
 * KL(t || p)); under "kl" it moves t towards p_A. "implied" with the cross-entropy is therefore
 * collapse-prone for SCA, "implied" or "both" with "kl" are not.
 */
export type GradientPath = "both" | "matched" | "implied";

export const gradientPaths: readonly GradientPath[] = ["both", "matched", "implied"];

/** The gradient path an options object asks for: `gradient` wins, else `stopGradient` (true = "matched"). */
export function gradientPathOf(options: { readonly gradient?: GradientPath; readonly stopGradient?: boolean }): GradientPath {
  return options.gradient ?? (options.stopGradient ? "matched" : "both");
}

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
 * Per-sample confidence of a head, with no gradient: its largest class probability (multi-class) or the
 * mean over labels of max(p, 1 - p) (multi-label). Gates a coupling term on how sure its source head is.
 */
export function headConfidence(probs: tf.Tensor2D, multiClass: boolean): tf.Tensor1D {
  const p = stopGradient(probs);
  return (multiClass ? tf.max(p, 1) : tf.mean(tf.maximum(p, tf.sub(1, p)), 1)) as tf.Tensor1D;
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
