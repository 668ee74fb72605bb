import type * as tf from "../engine/tf.js";

/**
 * Loss-weighting methods of multi-task learning. Each sits beside coupling as either a term of the
 * objective ("loss": it turns the per-task supervised losses into the total) or a gradient transform
 * of the trainer ("gradient": it turns the per-task gradients of the shared parameters into one update).
 * Coupling terms are never reweighted: they join the total (and the update) with their own lambdas.
 */
export type WeightingName = "equal" | "uncertainty" | "gradnorm" | "pcgrad" | "aligned-mtl";

/** JSON state a checkpoint saves beside the weighting's variables (e.g. GradNorm's initial losses). */
export type WeightingState = Record<string, number | number[] | null>;

interface WeightingBase {
  readonly name: WeightingName;
  /** Learnable parameters trained by the trainer's optimizer with the model (UW's log-variances, GradNorm's weights). */
  readonly variables: readonly tf.Variable[];
  state(): WeightingState;
  restore(state: WeightingState): void;
  dispose(): void;
}

export interface LossWeighting extends WeightingBase {
  readonly kind: "loss";
  /** The scalar to minimise, from the supervised losses (task order) and the rest of the objective (weighted coupling terms). */
  combine(taskLosses: readonly tf.Scalar[], rest: tf.Scalar): tf.Scalar;
}

/** A square matrix as rows, gram[s][t] = g_s . g_t over the shared parameters. */
export type Gram = readonly (readonly number[])[];

export interface GradientCombination {
  /** The shared parameters' update direction is sum_t shared[t] g_t (plus the coupling terms' gradient). */
  readonly shared: readonly number[];
  /** Task t's own head is updated with heads[t] times its loss's gradient (plus the coupling terms'). */
  readonly heads: readonly number[];
  /** Gradients of the weighting's own variables, flattened, one array per variable. */
  readonly own?: readonly (readonly number[])[];
}

export interface GradientWeighting extends WeightingBase {
  readonly kind: "gradient";
  /**
   * The combination for one step from the Gram matrix of the per-task gradients on the shared
   * parameters and the per-task loss values. Everything the methods need is in these T x T numbers,
   * so their inner problems cost nothing next to the T backward passes.
   */
  combine(gram: Gram, losses: readonly number[]): GradientCombination;
  /** Runs after the optimizer step (GradNorm renormalises its weights). */
  afterStep?(): void;
}

export type Weighting = LossWeighting | GradientWeighting;

/** Throws unless gram is a T x T matrix of finite numbers and losses has T finite entries. */
export function checkGram(method: string, gram: Gram, losses: readonly number[]): number {
  const T = losses.length;
  if (gram.length !== T || gram.some((row) => row.length !== T)) {
    throw new Error(`${method}: Gram matrix is ${gram.length} x ${gram[0]?.length ?? 0}, expected ${T} x ${T} (one row per task)`);
  }
  if (gram.some((row) => row.some((v) => !Number.isFinite(v))) || losses.some((v) => !Number.isFinite(v))) {
    throw new Error(`${method}: non-finite gradient products or losses (a diverged step?)`);
  }
  return T;
}
