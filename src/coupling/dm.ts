import * as tf from "../engine/tf.js";
import {
  checkShapes,
  clampedLog,
  clampedLog1m,
  DEFAULT_EPS,
  gradientPathOf,
  negativeBernoulliEntropy,
  negativeEntropy,
  relatednessTensor,
  sampleMean,
  stopGradient,
  type Divergence,
  type GradientPath,
  type RelatednessInput,
} from "./common.js";

export interface DistributionMatchingOptions {
  /** Clamp before every log (default 1e-7). */
  readonly eps?: number;
  /** Stop the gradient through the implied distribution q (so head A gets none from this term); same as gradient "matched". */
  readonly stopGradient?: boolean;
  /** Which heads the gradient reaches (wins over stopGradient; default "both"), see {@link GradientPath}. */
  readonly gradient?: GradientPath;
  /** Per-sample weights [N]: weighted mean over samples instead of the plain mean. */
  readonly sampleWeights?: tf.Tensor1D;
  /** "cross-entropy" (default, METHOD.md) or "kl": subtract the entropy of p_B, see {@link Divergence}. */
  readonly divergence?: Divergence;
}

/**
 * Distribution matching A -> B, multi-label B (METHOD.md section 3):
 * q_B(j|x) = sum_k p_A(k|x) R[k][j]; per sample mean_j H(p_B(j|x), q_B(j|x)) with
 * H(p, q) = -[p log q + (1 - p) log(1 - q)]; mean over samples. With divergence "kl" each entry is
 * KL(p || q) = H(p, q) - H(p), which p_B minimises at p_B = q_B (H(p_B, q_B) is linear in p_B and
 * pushes p_B to 0 or 1).
 * classProbs [N, K] (softmax of A), labelProbs [N, M] (sigmoid of B), R [K, M].
 */
export function distributionMatchingLoss(
  classProbs: tf.Tensor2D,
  labelProbs: tf.Tensor2D,
  relatedness: RelatednessInput,
  options: DistributionMatchingOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const R = relatednessTensor(relatedness);
    checkShapes("distributionMatchingLoss", classProbs, labelProbs, R);
    return distributionMatchingCore(classProbs, labelProbs, R, options);
  });
}

/** {@link distributionMatchingLoss} on a prepared R tensor (no checks, no conversion): the per-step path. */
export function distributionMatchingCore(
  classProbs: tf.Tensor2D,
  labelProbsIn: tf.Tensor2D,
  R: tf.Tensor2D,
  options: DistributionMatchingOptions,
): tf.Scalar {
  const eps = options.eps ?? DEFAULT_EPS;
  const path = gradientPathOf(options);
  const q = impliedDistribution(classProbs, R, path);
  const labelProbs = matchedSide(labelProbsIn, path);
  const logQ = clampedLog(q, eps);
  const log1mQ = clampedLog1m(q, eps);
  const ce = tf.neg(tf.add(tf.mul(labelProbs, logQ), tf.mul(tf.sub(1, labelProbs), log1mQ)));
  const h = options.divergence === "kl" ? tf.add(ce, negativeBernoulliEntropy(labelProbs, eps)) : ce;
  return sampleMean(tf.mean(h, 1) as tf.Tensor1D, options.sampleWeights);
}

/**
 * Distribution matching A -> B for a multi-class B (R rows sum to 1):
 * q_B = p_A R, per sample H = -sum_j p_B(j) log q_B(j) (minus H(p_B) with divergence "kl"); mean over samples.
 */
export function categoricalDistributionMatchingLoss(
  classProbsA: tf.Tensor2D,
  classProbsB: tf.Tensor2D,
  relatedness: RelatednessInput,
  options: DistributionMatchingOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const R = relatednessTensor(relatedness);
    checkShapes("categoricalDistributionMatchingLoss", classProbsA, classProbsB, R);
    return categoricalDistributionMatchingCore(classProbsA, classProbsB, R, options);
  });
}

export function categoricalDistributionMatchingCore(
  classProbsA: tf.Tensor2D,
  classProbsBIn: tf.Tensor2D,
  R: tf.Tensor2D,
  options: DistributionMatchingOptions,
): tf.Scalar {
  const eps = options.eps ?? DEFAULT_EPS;
  const path = gradientPathOf(options);
  const q = impliedDistribution(classProbsA, R, path);
  const classProbsB = matchedSide(classProbsBIn, path);
  const ce = tf.neg(tf.sum(tf.mul(classProbsB, clampedLog(q, eps)), 1)) as tf.Tensor1D;
  const h = options.divergence === "kl" ? tf.add(ce, negativeEntropy(classProbsB, eps)) : ce;
  return sampleMean(h as tf.Tensor1D, options.sampleWeights);
}

/** q_B = p_A R, a constant when only the matched head is to learn. */
function impliedDistribution(classProbs: tf.Tensor2D, R: tf.Tensor2D, path: GradientPath): tf.Tensor2D {
  const q = tf.matMul(classProbs, R) as tf.Tensor2D;
  return path === "matched" ? stopGradient(q) : q;
}

/** p_B, a constant when only the head that produced q is to learn. */
function matchedSide(probs: tf.Tensor2D, path: GradientPath): tf.Tensor2D {
  return path === "implied" ? stopGradient(probs) : probs;
}
