export type { Relatedness } from "./types.js";
export { ROW_SUM_TOLERANCE, RelatednessError } from "./check.js";
export { validateRelatedness, alignRelatedness, reorderRelatedness } from "./validate.js";
export {
  loadRelatedness,
  saveRelatedness,
  parseRelatedness,
  parseRelatednessJson,
  parseRelatednessCsv,
  relatednessToJson,
  relatednessToCsv,
  relatednessFileSchema,
} from "./io.js";
export type { RelatednessExpectation } from "./io.js";
export { estimateFromAnnotations, estimateFromSources, estimateFromPredictions } from "./estimate.js";
export type { EstimateOptions } from "./estimate.js";
export { reverseRelatedness } from "./reverse.js";
export { du2014, du2014Tasks, builtinPriors, DU2014_EXPRESSIONS, DU2014_AUS } from "./priors.js";
export { formatRelatedness } from "./format.js";
export type { FormatOptions } from "./format.js";
export { relatednessToTensor } from "./tensor.js";
export { relatednessInformativeness, describeInformativeness } from "./informativeness.js";
export type { RelatednessInformativeness, DirectionScore } from "./informativeness.js";
