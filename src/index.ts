/**
 * distmatch: multi-task learning of classification tasks whose annotations barely overlap, through
 * task relatedness, co-annotation and distribution matching (see METHOD.md), on TensorFlow.js.
 * This file only re-exports the public API of the modules.
 */
import "./engine/fast.js";

// engine
export { useBackend, currentBackend, type BackendName, type BackendInfo } from "./engine/backend.js";
export { Rng } from "./engine/random.js";
export { installWasmFixes, wasmFixesInstalled } from "./engine/fast.js";

// tasks and losses
export { multiClassTask, multiLabelTask, headSize, outputNames, type Task, type MultiClassTask, type MultiLabelTask, type TaskKind } from "./tasks/types.js";
export { maskedSoftmaxCrossEntropy, maskedSigmoidCrossEntropy, supervisedLoss, taskProbabilities } from "./tasks/losses.js";

// coupling
export {
  distributionMatchingLoss,
  softCoAnnotationLoss,
  categoricalDistributionMatchingLoss,
  categoricalSoftCoAnnotationLoss,
  coAnnotationTargets,
  categoricalCoAnnotationTargets,
  coAnnotationLoss,
  categoricalCoAnnotationLoss,
  buildObjective,
  stopGradient,
  gradientPaths,
  type GradientPath,
  type Divergence,
  type CouplingSpec,
  type Objective,
  type ObjectiveOptions,
  type ObjectiveResult,
  type DistributionMatchingOptions,
  type SoftCoAnnotationOptions,
  type ScaMode,
  type CoAnnotationOptions,
  type CoAnnotationTargets,
} from "./coupling/index.js";

// relatedness
export * from "./relatedness/index.js";

// data
export * from "./data/index.js";

// models
export { MultiTaskModel, predictorFromLayersModel, probabilities, defaultTrunk, type ModelOptions, type TrunkOptions, type Activation, type Predictor } from "./models/multitask.js";
export { saveModel, loadModel, type ModelMetadata, type LoadedModel } from "./models/io.js";
export { buildSmallCnn, type SmallCnnOptions } from "./models/cnn.js";

// loss weighting
export {
  makeWeighting,
  weightingNames,
  equalWeighting,
  uncertaintyWeighting,
  gradNormWeighting,
  pcgradWeighting,
  alignedMtlWeighting,
  type Weighting,
  type WeightingName,
  type WeightingOptions,
  type LossWeighting,
  type GradientWeighting,
  type GradientCombination,
} from "./weighting/index.js";

// training and evaluation
export { train, defaultTrainOptions, type TrainOptions, type TrainEvent, type TrainResult, type TrainArgs } from "./train/trainer.js";
export { saveCheckpoint, loadCheckpoint } from "./train/checkpoint.js";
export { predictSource, evaluateSource, metricsFromProbabilities, primaryValues } from "./train/evaluate.js";
export { multiClassMetrics, multiLabelMetrics, tuneThresholds, primaryMetric, type MultiClassMetrics, type MultiLabelMetrics } from "./eval/index.js";

// studies and reports
export { runStudy, type StudyEvent, type StudyOptions, type StudyOutcome, type RunKey } from "./study/run.js";
export { parseStudyConfig, readStudyConfig, studyConfigSchema, type StudyConfig, type StudyConfigInput } from "./study/config.js";
export { summarize, deltaM, isNegativeTransfer, meanStd } from "./study/analysis.js";
export { variantDefinitions, type VariantDefinition } from "./study/variants.js";
export { studyResultsSchema, type StudyResults, type RunResult, type TaskSummary, type SummaryCell } from "./study/results.js";
export { buildReportHtml, writeReport, readResults } from "./report/index.js";

// data sets and features
export { builtinDatasets, listDatasets, getDataset, type BuiltinDataset, type DatasetTable, type InputMatrix, type InputOptions } from "./datasets/index.js";
export { loadBackbone } from "./features/backbones.js";
export { extractWithCache, type ImageItem, type CacheStats } from "./features/cache.js";
export { decodeImage, type DecodedImage, type DecodeOptions } from "./features/image.js";
export { listImages, readImageManifest, listImageFolder, type ImageListing, type ImageRecord } from "./features/manifest.js";
export type { Backbone, BackboneName } from "./features/types.js";
