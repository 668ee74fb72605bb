export {
  DEFAULT_EPS,
  stopGradient,
  divergences,
  gradientPaths,
  type Divergence,
  type GradientPath,
  type RelatednessInput,
} from "./common.js";
export {
  distributionMatchingLoss,
  categoricalDistributionMatchingLoss,
  type DistributionMatchingOptions,
} from "./dm.js";
export {
  softCoAnnotationLoss,
  impliedClassDistribution,
  categoricalSoftCoAnnotationLoss,
  bayesPosterior,
  scaModes,
  type ScaMode,
  type SoftCoAnnotationOptions,
  type CategoricalSoftCoAnnotationOptions,
} from "./sca.js";
export {
  coAnnotationTargets,
  categoricalCoAnnotationTargets,
  coAnnotationLoss,
  categoricalCoAnnotationLoss,
  type CoAnnotationVariant,
  type CoAnnotationOptions,
  type CoAnnotationTargets,
  type CategoricalCoAnnotationTargets,
  type CoAnnotationLosses,
} from "./coannotation.js";
export { buildObjective, type CouplingScope, type CouplingSpec, type Objective, type ObjectiveOptions, type ObjectiveResult } from "./objective.js";
