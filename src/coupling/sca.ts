import * as tf from "../engine/tf.js";
import {
  checkShapes,
  clampedLog,
  clampedLog1m,
  DEFAULT_EPS,
  gradientPathOf,
  negativeEntropy,
  priorTensor,
  relatednessTensor,
  sampleMean,
  stopGradient,
  tidyObject,
  type Divergence,
  type GradientPath,
  type RelatednessInput,
} from "./common.js";

/** How a class scores the label prediction in soft co-annotation. */
export type ScaMode = "product" | "bernoulli" | "likelihood";

export const scaModes: readonly ScaMode[] = ["product", "bernoulli", "likelihood"];

export interface SoftCoAnnotationOptions {
  /**
   * "product" (default): weighted product of the class's related labels; "bernoulli": all labels;
   * "likelihood": the Bayes posterior of label co-annotation B -> A with p_B in place of the labels.
   */
  readonly mode?: ScaMode;
  /** Class prior of A, "likelihood" mode only (default uniform); normalised here. */
  readonly prior?: readonly number[];
  readonly eps?: number;
  /** Stop the gradient through the implied class distribution q_A (so head B gets none from this term); same as gradient "matched". */
  readonly stopGradient?: boolean;
  /** Which heads the gradient reaches (wins over stopGradient; default "both"), see {@link GradientPath}. */
  readonly gradient?: GradientPath;
  readonly sampleWeights?: tf.Tensor1D;
  /** "cross-entropy" (default, METHOD.md) or "kl": subtract the entropy of q_A, see {@link Divergence}. */
  readonly divergence?: Divergence;
}

/**
 * The class score is linear in log p_B and log(1 - p_B) ("product", "bernoulli") or in p_B ("likelihood"):
 * score = log p_B @ onLog + log(1 - p_B) @ onLog1m  or  p_B @ onProb + bias; matrices [M, K], bias [K],
 * fixed by R and the mode.
 */
export type ScaWeights =
  | { readonly kind: "log"; readonly onLog: tf.Tensor2D; readonly onLog1m: tf.Tensor2D }
  | { readonly kind: "linear"; readonly onProb: tf.Tensor2D; readonly bias: tf.Tensor1D };

/** Every tensor a {@link ScaWeights} holds (for disposal). */
export function scaWeightTensors(w: ScaWeights): tf.Tensor[] {
  return w.kind === "log" ? [w.onLog, w.onLog1m] : [w.onProb, w.bias];
}

/**
 * Soft co-annotation B -> A, multi-label B (METHOD.md section 3):
 * q_A(k|x) = softmax_k(score_k), loss = -sum_k q_A(k|x) log p_A(k|x), mean over samples.
 * - "product": score_k = sum_{j: R[k][j] > 0} R[k][j] log p_B(j); a class whose R row is all zero
 *   (neutral) scores sum_j log(1 - p_B(j)) over the labels related to at least one class.
 * - "bernoulli": score_k = sum_j [R[k][j] log p_B(j) + (1 - R[k][j]) log(1 - p_B(j))].
 * - "likelihood": score_k = log pi_k + sum_j [p_B(j) log R[k][j] + (1 - p_B(j)) log(1 - R[k][j])],
 *   R clamped to [eps, 1 - eps]: the rule of label co-annotation B -> A (y~ proportional to
 *   pi_k prod_j R^b (1 - R)^(1 - b)) taken in expectation over the predicted labels. Unlike the two
 *   rules above it does not favour classes whose rows carry little mass or little entropy, which
 *   matters when R is dense (estimated from data: every entry > 0).
 * classProbs [N, K], labelProbs [N, M], R [K, M].
 */
export function softCoAnnotationLoss(
  classProbs: tf.Tensor2D,
  labelProbs: tf.Tensor2D,
  relatedness: RelatednessInput,
  options: SoftCoAnnotationOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const R = relatednessTensor(relatedness);
    checkShapes("softCoAnnotationLoss", classProbs, labelProbs, R);
    const weights = scaWeights(R, options.mode ?? "product", { prior: options.prior, eps: options.eps });
    return softCoAnnotationCore(classProbs, labelProbs, weights, options);
  });
}

/** The constant score matrices of {@link softCoAnnotationLoss}; build once per R and mode. */
export function scaWeights(
  R: tf.Tensor2D,
  mode: ScaMode,
  options: { readonly prior?: readonly number[]; readonly eps?: number } = {},
): ScaWeights {
  if (!scaModes.includes(mode)) {
    throw new Error(`soft co-annotation: mode ${JSON.stringify(mode)} is not one of ${scaModes.map((m) => `"${m}"`).join(", ")}`);
  }
  return tidyObject((): ScaWeights => {
    if (mode === "likelihood") return likelihoodWeights(R, options.prior, options.eps ?? DEFAULT_EPS);
    const onLog = tf.transpose(R) as tf.Tensor2D;
    if (mode === "bernoulli") return { kind: "log", onLog, onLog1m: tf.transpose(tf.sub(1, R)) as tf.Tensor2D };
    // neutral[k][j] = 1 when row k is all zero and label j is related to some class.
    const zeroRow = tf.cast(tf.equal(tf.sum(R, 1), 0), "float32");
    const relatedLabel = tf.cast(tf.greater(tf.sum(R, 0), 0), "float32");
    const neutral = tf.outerProduct(zeroRow as tf.Tensor1D, relatedLabel as tf.Tensor1D);
    return { kind: "log", onLog, onLog1m: tf.transpose(neutral) as tf.Tensor2D };
  });
}

/** score = p_B @ (log R - log(1 - R))^T + [log pi + sum_j log(1 - R[., j])], R clamped. */
function likelihoodWeights(R: tf.Tensor2D, prior: readonly number[] | undefined, eps: number): ScaWeights {
  const logR = clampedLog(R, eps);
  const log1mR = clampedLog1m(R, eps);
  const logPrior = tf.log(priorTensor("soft co-annotation", prior, R.shape[0]));
  return {
    kind: "linear",
    onProb: tf.transpose(tf.sub(logR, log1mR)) as tf.Tensor2D,
    bias: tf.add(logPrior, tf.sum(log1mR, 1)) as tf.Tensor1D,
  };
}

/**
 * The class distribution q_A(k|x) that soft co-annotation implies from the label prediction, [N, K]
 * (no gradient stop); also a way to read a class prediction off a multi-label head.
 */
export function impliedClassDistribution(
  labelProbs: tf.Tensor2D,
  relatedness: RelatednessInput,
  options: { readonly mode?: ScaMode; readonly eps?: number; readonly prior?: readonly number[] } = {},
): tf.Tensor2D {
  return tf.tidy(() => {
    const R = relatednessTensor(relatedness);
    if (R.shape[1] !== labelProbs.shape[1]) {
      throw new Error(`impliedClassDistribution: relatedness has ${R.shape[1]} columns, expected ${labelProbs.shape[1]} (one per label)`);
    }
    const weights = scaWeights(R, options.mode ?? "product", options);
    return classScoresSoftmax(labelProbs, weights, options.eps ?? DEFAULT_EPS);
  });
}

function classScoresSoftmax(labelProbs: tf.Tensor2D, weights: ScaWeights, eps: number): tf.Tensor2D {
  const score =
    weights.kind === "linear"
      ? tf.add(tf.matMul(labelProbs, weights.onProb), weights.bias)
      : tf.add(
          tf.matMul(clampedLog(labelProbs, eps), weights.onLog),
          tf.matMul(clampedLog1m(labelProbs, eps), weights.onLog1m),
        );
  return tf.softmax(score) as tf.Tensor2D;
}

export function softCoAnnotationCore(
  classProbs: tf.Tensor2D,
  labelProbs: tf.Tensor2D,
  weights: ScaWeights,
  options: SoftCoAnnotationOptions,
): tf.Scalar {
  const eps = options.eps ?? DEFAULT_EPS;
  const q = classScoresSoftmax(labelProbs, weights, eps);
  return pathCrossEntropy(q, classProbs, eps, options);
}

export interface CategoricalSoftCoAnnotationOptions {
  /** Class prior pi of A for the Bayes reverse of R (default uniform); normalised here. */
  readonly prior?: readonly number[];
  readonly eps?: number;
  readonly stopGradient?: boolean;
  readonly gradient?: GradientPath;
  readonly sampleWeights?: tf.Tensor1D;
  readonly divergence?: Divergence;
}

/**
 * Soft co-annotation B -> A for a multi-class B (R rows sum to 1).
 * R is reversed by Bayes: P(a=k | b=j) = R[k][j] pi_k / sum_k' R[k'][j] pi_k' (pi uniform unless given;
 * a class j of B that no class of A produces gets the prior). The implied class distribution is the
 * expected posterior q_A(k) = sum_j p_B(j) P(a=k | b=j): b is one class, so its prediction is a mixture
 * over j (a product would be the multi-label rule). loss = -sum_k q_A(k) log p_A(k), mean over samples.
 */
export function categoricalSoftCoAnnotationLoss(
  classProbsA: tf.Tensor2D,
  classProbsB: tf.Tensor2D,
  relatedness: RelatednessInput,
  options: CategoricalSoftCoAnnotationOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const R = relatednessTensor(relatedness);
    checkShapes("categoricalSoftCoAnnotationLoss", classProbsA, classProbsB, R);
    const posterior = bayesPosterior(R, options.prior, "categoricalSoftCoAnnotationLoss");
    return categoricalSoftCoAnnotationCore(classProbsA, classProbsB, posterior, options);
  });
}

/** P(a = k | b = j) as a [J, K] tensor (rows sum to 1), from R [K, J] and the prior of A. */
export function bayesPosterior(R: tf.Tensor2D, prior: readonly number[] | undefined, fn: string): tf.Tensor2D {
  return tf.tidy(() => {
    const pi = priorTensor(fn, prior, R.shape[0]);
    const joint = tf.transpose(tf.mul(R, tf.expandDims(pi, 1))) as tf.Tensor2D; // [J, K]
    const mass = tf.sum(joint, 1, true);
    const normalised = tf.div(joint, tf.maximum(mass, 1e-30));
    return tf.where(tf.greater(mass, 0), normalised, tf.expandDims(pi, 0)) as tf.Tensor2D;
  });
}

export function categoricalSoftCoAnnotationCore(
  classProbsA: tf.Tensor2D,
  classProbsB: tf.Tensor2D,
  posterior: tf.Tensor2D,
  options: CategoricalSoftCoAnnotationOptions,
): tf.Scalar {
  const eps = options.eps ?? DEFAULT_EPS;
  const q = tf.matMul(classProbsB, posterior) as tf.Tensor2D;
  return pathCrossEntropy(q, classProbsA, eps, options);
}

/** The soft cross-entropy with the gradient stopped on q ("matched") or on p_A ("implied"). */
function pathCrossEntropy(
  q: tf.Tensor2D,
  classProbs: tf.Tensor2D,
  eps: number,
  options: { readonly gradient?: GradientPath; readonly stopGradient?: boolean; readonly sampleWeights?: tf.Tensor1D; readonly divergence?: Divergence },
): tf.Scalar {
  const path = gradientPathOf(options);
  const target = path === "matched" ? stopGradient(q) : q;
  const probs = path === "implied" ? stopGradient(classProbs) : classProbs;
  return softCrossEntropy(target, probs, eps, options);
}

/** mean over samples of -sum_k target(k) log p(k), minus H(target) for divergence "kl". */
function softCrossEntropy(
  target: tf.Tensor2D,
  probs: tf.Tensor2D,
  eps: number,
  options: { readonly sampleWeights?: tf.Tensor1D; readonly divergence?: Divergence },
): tf.Scalar {
  const ce = tf.neg(tf.sum(tf.mul(target, clampedLog(probs, eps)), 1)) as tf.Tensor1D;
  const perSample = options.divergence === "kl" ? (tf.add(ce, negativeEntropy(target, eps)) as tf.Tensor1D) : ce;
  return sampleMean(perSample, options.sampleWeights);
}
