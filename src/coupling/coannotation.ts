import * as tf from "../engine/tf.js";
import type { MultiClassBatchTargets, MultiLabelBatchTargets } from "../data/batch.js";
import { bayesPosterior } from "./sca.js";
import {
  clampedLog,
  clampedLog1m,
  DEFAULT_EPS,
  meanOverWeighted,
  priorTensor,
  relatednessTensor,
  tidyObject,
  type RelatednessInput,
} from "./common.js";

/**
 * Co-annotation from labels (FaceBehaviorNet; METHOD.md section 3). A sample annotated for one task
 * and not at all for the other gets targets for the other task, inferred through R. "Not at all"
 * means: no A label (mask 0) for B -> A; no observed B label in the row for A -> B. Partly annotated
 * rows keep only their own labels.
 */
export type CoAnnotationVariant = "soft" | "hard";

export interface CoAnnotationOptions {
  /**
   * "soft" (default):
   *   A -> B: b~_j = R[k][j], weight 1 on every label.
   *   B -> A: y~(k) proportional to pi_k prod_{observed j} R^b (1 - R)^(1 - b), R clamped to [eps, 1 - eps].
   * "hard" (2019 paper):
   *   A -> B: labels with R[k][j] > 0 get target 1 with weight R[k][j] (1 for prototypical labels),
   *   labels with R[k][j] = 0 get target 0 with weight 1 (as in the soft variant).
   *   B -> A: class k is assigned when every label related to it (R[k][j] > relatedThreshold) is
   *   observed present; among several such classes the one with most related labels wins; an exact
   *   tie, or no qualifying class, gives no target (weight 0). A class with no related label (neutral)
   *   is never assigned: "all of none present" is no evidence.
   */
  readonly variant?: CoAnnotationVariant;
  /** Class prior of A for soft B -> A (default uniform). */
  readonly prior?: readonly number[];
  readonly eps?: number;
  /** Hard B -> A: label j counts as related to class k when R[k][j] > this (default 0). */
  readonly relatedThreshold?: number;
}

/** Targets for a multi-label B. toB: values/weights [N, M]; toA: probs [N, K], weights [N]. */
export interface CoAnnotationTargets {
  readonly toB: { readonly values: tf.Tensor2D; readonly weights: tf.Tensor2D };
  readonly toA: { readonly probs: tf.Tensor2D; readonly weights: tf.Tensor1D };
}

/** Constants derived once from R for a multi-label B; see {@link coAnnotationConstants}. */
export interface CoAnnotationConstants {
  readonly variant: CoAnnotationVariant;
  /** [K, M]: target of B given class k. */
  readonly toBValues: tf.Tensor2D;
  /** [K, M]: weight of each B target given class k. */
  readonly toBWeights: tf.Tensor2D;
  /** Soft: log R^T, log(1 - R)^T [M, K] and log prior [K]. */
  readonly logRT?: tf.Tensor2D;
  readonly log1mRT?: tf.Tensor2D;
  readonly logPrior?: tf.Tensor1D;
  /** Hard: related^T [M, K] (0/1) and the number of related labels per class [K]. */
  readonly relatedT?: tf.Tensor2D;
  readonly relatedCount?: tf.Tensor1D;
}

/** Co-annotation targets between a multi-class A and a multi-label B (tensors owned by the caller). */
export function coAnnotationTargets(
  a: MultiClassBatchTargets,
  b: MultiLabelBatchTargets,
  relatedness: RelatednessInput,
  options: CoAnnotationOptions = {},
): CoAnnotationTargets {
  return tidyObject(() => {
    const R = relatednessTensor(relatedness);
    checkTargetShapes(a.oneHot, b.values, R);
    return coAnnotationTargetsCore(a, b, coAnnotationConstants(R, options));
  });
}

export function coAnnotationConstants(R: tf.Tensor2D, options: CoAnnotationOptions): CoAnnotationConstants {
  const variant = options.variant ?? "soft";
  if (variant !== "soft" && variant !== "hard") {
    throw new Error(`coAnnotation: variant ${JSON.stringify(variant)} is not one of "soft", "hard"`);
  }
  return tidyObject((): CoAnnotationConstants => {
    if (variant === "soft") {
      const eps = options.eps ?? DEFAULT_EPS;
      const logPrior = tf.log(priorTensor("coAnnotationTargets", options.prior, R.shape[0])) as tf.Tensor1D;
      return {
        variant,
        toBValues: tf.clone(R),
        toBWeights: tf.onesLike(R),
        logRT: tf.transpose(clampedLog(R, eps)) as tf.Tensor2D,
        log1mRT: tf.transpose(clampedLog1m(R, eps)) as tf.Tensor2D,
        logPrior,
      };
    }
    const positive = tf.cast(tf.greater(R, 0), "float32") as tf.Tensor2D;
    const related = tf.cast(tf.greater(R, options.relatedThreshold ?? 0), "float32") as tf.Tensor2D;
    return {
      variant,
      toBValues: positive,
      toBWeights: tf.where(tf.greater(R, 0), R, tf.onesLike(R)) as tf.Tensor2D,
      relatedT: tf.transpose(related) as tf.Tensor2D,
      relatedCount: tf.sum(related, 1) as tf.Tensor1D,
    };
  });
}

/** {@link coAnnotationTargets} on prepared constants: the per-step path. */
export function coAnnotationTargetsCore(
  a: MultiClassBatchTargets,
  b: MultiLabelBatchTargets,
  c: CoAnnotationConstants,
): CoAnnotationTargets {
  return tidyObject(() => {
    const aLabelled = tf.cast(tf.greater(a.mask, 0), "float32") as tf.Tensor1D;
    const bAny = tf.cast(tf.greater(tf.sum(b.mask, 1), 0), "float32") as tf.Tensor1D;
    const toBRows = tf.mul(aLabelled, tf.sub(1, bAny)); // A labelled, B absent
    const toARows = tf.mul(bAny, tf.sub(1, aLabelled)) as tf.Tensor1D; // B present, A absent
    const toB = {
      values: tf.matMul(a.oneHot, c.toBValues) as tf.Tensor2D,
      weights: tf.mul(tf.matMul(a.oneHot, c.toBWeights), tf.expandDims(toBRows, 1)) as tf.Tensor2D,
    };
    const toA = c.variant === "soft" ? softClassTargets(b, c, toARows) : hardClassTargets(b, c, toARows);
    return { toB, toA };
  });
}

function softClassTargets(b: MultiLabelBatchTargets, c: CoAnnotationConstants, rows: tf.Tensor1D): CoAnnotationTargets["toA"] {
  const present = tf.mul(b.values, b.mask);
  const absent = tf.mul(tf.sub(1, b.values), b.mask);
  const logScore = tf.add(
    tf.add(tf.matMul(present, c.logRT as tf.Tensor2D), tf.matMul(absent, c.log1mRT as tf.Tensor2D)),
    c.logPrior as tf.Tensor1D,
  );
  const probs = tf.mul(tf.softmax(logScore), tf.expandDims(rows, 1)) as tf.Tensor2D;
  return { probs, weights: rows };
}

function hardClassTargets(b: MultiLabelBatchTargets, c: CoAnnotationConstants, rows: tf.Tensor1D): CoAnnotationTargets["toA"] {
  const count = c.relatedCount as tf.Tensor1D;
  const present = tf.mul(tf.cast(tf.greater(b.values, 0.5), "float32"), b.mask);
  const matched = tf.matMul(present, c.relatedT as tf.Tensor2D); // [N, K] related labels present
  const qualifies = tf.logicalAnd(tf.equal(matched, count), tf.greater(count, 0));
  const score = tf.mul(tf.cast(qualifies, "float32"), count);
  const best = tf.max(score, 1, true);
  const isBest = tf.cast(tf.logicalAnd(tf.equal(score, best), tf.greater(best, 0)), "float32");
  const unique = tf.cast(tf.equal(tf.sum(isBest, 1), 1), "float32");
  const weights = tf.mul(rows, unique) as tf.Tensor1D;
  return { probs: tf.mul(isBest, tf.expandDims(weights, 1)) as tf.Tensor2D, weights };
}

/** Targets for a multi-class B: both directions are class distributions with per-sample weights. */
export interface CategoricalCoAnnotationTargets {
  readonly toB: { readonly probs: tf.Tensor2D; readonly weights: tf.Tensor1D };
  readonly toA: { readonly probs: tf.Tensor2D; readonly weights: tf.Tensor1D };
}

/**
 * Co-annotation between two multi-class tasks (soft only): A -> B target R[k] (the row of A's class);
 * B -> A target P(a | b = j), the Bayes reverse of R with the prior (uniform by default).
 */
export function categoricalCoAnnotationTargets(
  a: MultiClassBatchTargets,
  b: MultiClassBatchTargets,
  relatedness: RelatednessInput,
  options: { readonly prior?: readonly number[] } = {},
): CategoricalCoAnnotationTargets {
  return tidyObject(() => {
    const R = relatednessTensor(relatedness);
    checkTargetShapes(a.oneHot, b.oneHot, R);
    return categoricalCoAnnotationTargetsCore(a, b, R, bayesPosterior(R, options.prior, "categoricalCoAnnotationTargets"));
  });
}

/** posterior: [J, K] from {@link bayesPosterior}. */
export function categoricalCoAnnotationTargetsCore(
  a: MultiClassBatchTargets,
  b: MultiClassBatchTargets,
  R: tf.Tensor2D,
  posterior: tf.Tensor2D,
): CategoricalCoAnnotationTargets {
  return tidyObject(() => {
    const aLabelled = tf.cast(tf.greater(a.mask, 0), "float32");
    const bLabelled = tf.cast(tf.greater(b.mask, 0), "float32");
    const toBRows = tf.mul(aLabelled, tf.sub(1, bLabelled)) as tf.Tensor1D;
    const toARows = tf.mul(bLabelled, tf.sub(1, aLabelled)) as tf.Tensor1D;
    return {
      toB: { probs: tf.mul(tf.matMul(a.oneHot, R), tf.expandDims(toBRows, 1)) as tf.Tensor2D, weights: toBRows },
      toA: { probs: tf.mul(tf.matMul(b.oneHot, posterior), tf.expandDims(toARows, 1)) as tf.Tensor2D, weights: toARows },
    };
  });
}

export interface CoAnnotationLosses {
  /** Weighted soft cross-entropy of A against its inferred class targets. */
  readonly toA: tf.Scalar;
  /** Weighted BCE (multi-label B) or soft cross-entropy (multi-class B) against B's inferred targets. */
  readonly toB: tf.Scalar;
}

/**
 * Co-annotation losses on probabilities (eps-clamped logs). Each is sum(weight * loss) divided by the
 * number of targeted entries (weight > 0): samples for toA, (sample, label) pairs for a multi-label toB.
 * 0 when nothing is targeted.
 * - toA: -sum_k y~(k) log p_A(k).
 * - toB (multi-label): -[b~ log p_B + (1 - b~) log(1 - p_B)].
 */
export function coAnnotationLoss(
  classProbs: tf.Tensor2D,
  labelProbs: tf.Tensor2D,
  targets: CoAnnotationTargets,
  options: { readonly eps?: number } = {},
): CoAnnotationLosses {
  const eps = options.eps ?? DEFAULT_EPS;
  return {
    toA: weightedSoftCrossEntropy(classProbs, targets.toA.probs, targets.toA.weights, eps),
    toB: tf.tidy(() => {
      const y = targets.toB.values;
      const bce = tf.neg(tf.add(tf.mul(y, clampedLog(labelProbs, eps)), tf.mul(tf.sub(1, y), clampedLog1m(labelProbs, eps))));
      return meanOverWeighted(bce, targets.toB.weights);
    }),
  };
}

/** Co-annotation losses for a multi-class B: weighted soft cross-entropy in both directions. */
export function categoricalCoAnnotationLoss(
  classProbsA: tf.Tensor2D,
  classProbsB: tf.Tensor2D,
  targets: CategoricalCoAnnotationTargets,
  options: { readonly eps?: number } = {},
): CoAnnotationLosses {
  const eps = options.eps ?? DEFAULT_EPS;
  return {
    toA: weightedSoftCrossEntropy(classProbsA, targets.toA.probs, targets.toA.weights, eps),
    toB: weightedSoftCrossEntropy(classProbsB, targets.toB.probs, targets.toB.weights, eps),
  };
}

function weightedSoftCrossEntropy(probs: tf.Tensor2D, target: tf.Tensor2D, weights: tf.Tensor1D, eps: number): tf.Scalar {
  return tf.tidy(() => {
    const ce = tf.neg(tf.sum(tf.mul(target, clampedLog(probs, eps)), 1));
    return meanOverWeighted(ce, weights);
  });
}

function checkTargetShapes(aOneHot: tf.Tensor2D, bValues: tf.Tensor2D, R: tf.Tensor2D): void {
  if (aOneHot.shape[0] !== bValues.shape[0]) {
    throw new Error(`coAnnotationTargets: A has ${aOneHot.shape[0]} samples, B has ${bValues.shape[0]}, expected the same`);
  }
  if (R.shape[0] !== aOneHot.shape[1] || R.shape[1] !== bValues.shape[1]) {
    throw new Error(
      `coAnnotationTargets: relatedness has shape [${R.shape.join(", ")}], expected [${aOneHot.shape[1]}, ${bValues.shape[1]}] (classes of A x outputs of B)`,
    );
  }
}
