import * as tf from "../engine/tf.js";
import type { LossWeighting } from "./types.js";

/**
 * Equal weighting: L = sum_t L_t + coupling, every task weight 1. This is what the objective's total
 * already is, so the study's plain `mt` variant is this method; it exists as a weighting so that code
 * choosing a method by name has the baseline too.
 */
export function equalWeighting(): LossWeighting {
  return {
    kind: "loss",
    name: "equal",
    variables: [],
    combine: (taskLosses, rest) => tf.addN([...taskLosses, rest]) as tf.Scalar,
    state: () => ({}),
    restore: () => {},
    dispose: () => {},
  };
}
