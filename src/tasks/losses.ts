import * as tf from "../engine/tf.js";
import type { BatchTargets, Task } from "./types.js";

/**
 * Masked supervised losses on logits (METHOD.md section 3). Both use closed forms that never take
 * the log of a rounded probability, so they stay finite for any logit, and both are exactly 0, with
 * zero gradients, when the batch carries no annotation for the task.
 */

/**
 * Mean over labelled samples of -log p(y|x), p = softmax(logits).
 * logits, oneHot: [N, K]; mask: [N], 1 = labelled. Unlabelled rows may hold any one-hot (or zeros).
 */
export function maskedSoftmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D, mask: tf.Tensor1D): tf.Scalar {
  assertSameShape("maskedSoftmaxCrossEntropy", "oneHot", logits, oneHot);
  if (mask.shape[0] !== logits.shape[0]) {
    throw new Error(`maskedSoftmaxCrossEntropy: mask has ${mask.shape[0]} entries, expected ${logits.shape[0]} (one per sample)`);
  }
  return tf.tidy(() => {
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
    return maskedMean(nll, mask);
  });
}

/**
 * Sum over observed (sample, label) pairs of BCE(values, sigmoid(logits)) / number of observed pairs.
 * BCE with logits x and target y is softplus(x) - x*y, whose gradient sigmoid(x) - y is exact
 * everywhere (the relu/abs form has a wrong gradient at x = 0).
 */
export function maskedSigmoidCrossEntropy(logits: tf.Tensor2D, values: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  assertSameShape("maskedSigmoidCrossEntropy", "values", logits, values);
  assertSameShape("maskedSigmoidCrossEntropy", "mask", logits, mask);
  return tf.tidy(() => {
    const bce = tf.sub(tf.softplus(logits), tf.mul(logits, values));
    return maskedMean(bce, mask);
  });
}

/** The supervised loss of one task: softmax CE for multi-class, BCE for multi-label, both masked. */
export function supervisedLoss(task: Task, logits: tf.Tensor2D, targets: BatchTargets): tf.Scalar {
  if (task.kind !== targets.kind) {
    throw new Error(`supervisedLoss: task "${task.name}" is ${task.kind} but its targets are ${targets.kind}`);
  }
  if (targets.kind === "multiclass") return maskedSoftmaxCrossEntropy(logits, targets.oneHot, targets.mask);
  return maskedSigmoidCrossEntropy(logits, targets.values, targets.mask);
}

/** The head's probabilities: softmax over classes (multi-class) or per-label sigmoid (multi-label). */
export function taskProbabilities(task: Task, logits: tf.Tensor2D): tf.Tensor2D {
  return task.kind === "multiclass" ? tf.softmax(logits) : tf.sigmoid(logits);
}

/** sum(values * mask) / max(sum(mask), 1): 0, not NaN, when nothing is masked in. */
function maskedMean(values: tf.Tensor, mask: tf.Tensor): tf.Scalar {
  const total = tf.sum(tf.mul(values, mask));
  const count = tf.maximum(tf.sum(mask), 1);
  return tf.div(total, count) as tf.Scalar;
}

function assertSameShape(fn: string, what: string, logits: tf.Tensor2D, other: tf.Tensor): void {
  const a = logits.shape;
  const b = other.shape;
  if (b.length !== 2 || a[0] !== b[0] || a[1] !== b[1]) {
    throw new Error(`${fn}: ${what} has shape [${b.join(", ")}], expected [${a.join(", ")}] like the logits`);
  }
}
