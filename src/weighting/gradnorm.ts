import * as tf from "../engine/tf.js";
import { checkGram, type GradientWeighting, type Gram, type WeightingState } from "./types.js";

let instances = 0;

/** The GradNorm step as plain numbers: the update coefficients and the gradient of L_grad in the weights. */
export function gradNormStep(
  gram: Gram,
  losses: readonly number[],
  initialLosses: readonly number[],
  weights: readonly number[],
  alpha: number,
): { weightGradient: number[]; targets: number[]; norms: number[] } {
  const T = checkGram("GradNorm", gram, losses);
  const unit = gram.map((row, t) => Math.sqrt(Math.max(row[t], 0))); // ||grad_W L_t||
  const norms = unit.map((n, t) => weights[t] * n); // G_t = ||grad_W w_t L_t||
  const meanNorm = norms.reduce((a, b) => a + b, 0) / T;
  const ratios = losses.map((l, t) => (initialLosses[t] > 0 ? l / initialLosses[t] : 1)); // L~_t
  const meanRatio = ratios.reduce((a, b) => a + b, 0) / T;
  const targets = ratios.map((r) => meanNorm * (meanRatio > 0 ? r / meanRatio : 1) ** alpha);
  // d/dw_t sum_s |G_s - target_s| with the targets held constant: sign(G_t - target_t) ||grad_W L_t||.
  const weightGradient = norms.map((g, t) => Math.sign(g - targets[t]) * unit[t]);
  return { weightGradient, targets, norms };
}

/**
 * GradNorm (Chen, Badrinarayanan, Lee & Rabinovich, "GradNorm: Gradient Normalization for Adaptive Loss
 * Balancing in Deep Multitask Networks", ICML 2018, Algorithm 1). Task weights w_t (start at 1) scale
 * the losses, L = sum_t w_t L_t + coupling. Each step, with G_t = ||grad_W w_t L_t||, its mean G-bar,
 * the inverse training rates r_t = L~_t / mean(L~) where L~_t = L_t / L_t(0), the weights follow the
 * gradient of L_grad = sum_t |G_t - G-bar r_t^alpha| (targets constant) and are renormalised to sum to T.
 * W is every shared parameter (as LibMTL does; the paper picks the last shared layer for speed: here
 * the norms come from the Gram matrix the trainer computes anyway). L_t(0) is the task's first
 * non-zero batch loss.
 */
export function gradNormWeighting(taskCount: number, options: { readonly alpha?: number } = {}): GradientWeighting {
  const alpha = options.alpha ?? 1.5;
  if (!Number.isFinite(alpha) || alpha < 0) throw new Error(`GradNorm: alpha is ${alpha}, expected a finite number >= 0`);
  const weights = tf.variable(tf.ones([taskCount]), true, `weighting_gradnorm_weights_${instances++}`);
  let initial: (number | null)[] = new Array<number | null>(taskCount).fill(null);
  return {
    kind: "gradient",
    name: "gradnorm",
    variables: [weights],
    combine(gram, losses) {
      initial = initial.map((l0, t) => (l0 === null && losses[t] > 0 ? losses[t] : l0));
      const w = Array.from(weights.dataSync());
      const { weightGradient } = gradNormStep(gram, losses, initial.map((l) => l ?? 0), w, alpha);
      return { shared: w, heads: w, own: [weightGradient] };
    },
    afterStep() {
      tf.tidy(() => {
        const positive = tf.maximum(weights, 1e-3);
        weights.assign(tf.mul(positive, taskCount / (tf.sum(positive).dataSync()[0] || 1)));
      });
    },
    state: (): WeightingState => ({ initialLosses: initial.map((l) => l ?? -1) }),
    restore(state) {
      const saved = state.initialLosses;
      if (!Array.isArray(saved) || saved.length !== taskCount) throw new Error(`GradNorm checkpoint state: initialLosses must have ${taskCount} entries`);
      initial = saved.map((l) => (l < 0 ? null : l));
    },
    dispose: () => weights.dispose(),
  };
}
