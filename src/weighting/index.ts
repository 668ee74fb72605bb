import { alignedMtlWeighting } from "./alignedMtl.js";
import { equalWeighting } from "./equal.js";
import { gradNormWeighting } from "./gradnorm.js";
import { pcgradWeighting } from "./pcgrad.js";
import type { Weighting, WeightingName } from "./types.js";
import { uncertaintyWeighting } from "./uncertainty.js";

export * from "./types.js";
export { equalWeighting } from "./equal.js";
export { uncertaintyWeighting } from "./uncertainty.js";
export { gradNormWeighting, gradNormStep } from "./gradnorm.js";
export { pcgradWeighting, pcgradCoefficients } from "./pcgrad.js";
export { alignedMtlWeighting, alignedMtlCoefficients } from "./alignedMtl.js";
export { symmetricEigen } from "./symmetricEigen.js";

export const weightingNames: readonly WeightingName[] = ["equal", "uncertainty", "gradnorm", "pcgrad", "aligned-mtl"];

export interface WeightingOptions {
  readonly taskCount: number;
  /** Seeds PCGrad's random task order. */
  readonly seed: number;
  /** GradNorm's asymmetry alpha (default 1.5). */
  readonly gradnormAlpha?: number;
}

/** A fresh weighting by name; dispose() it after training (it may hold variables). */
export function makeWeighting(name: WeightingName, options: WeightingOptions): Weighting {
  switch (name) {
    case "equal":
      return equalWeighting();
    case "uncertainty":
      return uncertaintyWeighting(options.taskCount);
    case "gradnorm":
      return gradNormWeighting(options.taskCount, { alpha: options.gradnormAlpha });
    case "pcgrad":
      return pcgradWeighting(options.taskCount, options.seed);
    case "aligned-mtl":
      return alignedMtlWeighting(options.taskCount);
    default:
      throw new Error(`unknown weighting "${String(name)}", expected one of ${weightingNames.join(", ")}`);
  }
}
