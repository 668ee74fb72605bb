import * as tf from "../engine/tf.js";
import type { LossWeighting, WeightingState } from "./types.js";

let instances = 0;

/**
 * Uncertainty weighting (Kendall, Gal & Cipolla, "Multi-Task Learning Using Uncertainty to Weigh Losses
 * for Scene Geometry and Semantics", CVPR 2018). Each task t has a learnable log-variance
 * s_t = log sigma_t^2 (initialised to 0, i.e. weight 1), and for classification tasks (their eq. 10,
 * the softmax likelihood with temperature sigma^2) the objective is
 *   L = sum_t [ exp(-s_t) L_t + s_t / 2 ] + coupling,
 * i.e. (1 / sigma_t^2) L_t + log sigma_t. Minimising over s_t gives exp(-s_t) = 1 / (2 L_t): tasks with a
 * larger loss get a smaller weight. The s_t are trained by the trainer's optimizer with the model.
 */
export function uncertaintyWeighting(taskCount: number): LossWeighting {
  if (!Number.isInteger(taskCount) || taskCount < 1) throw new Error(`uncertainty weighting: taskCount is ${taskCount}, expected a positive integer`);
  const logVariance = tf.variable(tf.zeros([taskCount]), true, `weighting_uncertainty_log_variance_${instances++}`);
  return {
    kind: "loss",
    name: "uncertainty",
    variables: [logVariance],
    combine(taskLosses, rest) {
      if (taskLosses.length !== taskCount) throw new Error(`uncertainty weighting: got ${taskLosses.length} task losses, expected ${taskCount}`);
      const losses = tf.stack(taskLosses as tf.Scalar[]);
      const weighted = tf.add(tf.mul(tf.exp(tf.neg(logVariance)), losses), tf.mul(logVariance, 0.5));
      return tf.add(tf.sum(weighted), rest) as tf.Scalar;
    },
    state: (): WeightingState => ({}),
    restore: () => {},
    dispose: () => logVariance.dispose(),
  };
}
