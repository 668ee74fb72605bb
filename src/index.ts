/**
 * distmatch: multi-task learning of classification tasks whose annotations barely overlap, through
 * task relatedness, co-annotation and distribution matching (see METHOD.md), on TensorFlow.js.
 * This file only re-exports the public API of the core, which runs in Node and in a browser: files are
 * read and written through a Storage, and importing it changes nothing global (no backend is loaded and
 * no kernel is registered until useBackend()). Heavier parts have their own entry points:
 * distmatch/images, distmatch/report, distmatch/datasets and distmatch/study.
 */

// engine
export { useBackend, currentBackend, ensureWasmFixes, type BackendName, type BackendInfo } from "./engine/backend.js";
export { Rng } from "./engine/random.js";
export { installWasmFixes, wasmFixesInstalled } from "./engine/fast.js";

// storage: files in Node, memory or IndexedDB in a browser
export { memoryStorage, indexedDbStorage, fileStorage, hasFileSystem, readText, writeJson, type Storage } from "./io/storage.js";

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
export type { DatasetTable, InputMatrix, InputOptions } from "./data/dataset.js";

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

// studies: configuration, variants, analysis and results (running one from files: distmatch/study)
export { parseStudyConfig, readStudyConfig, studyConfigSchema, type StudyConfig, type StudyConfigInput } from "./study/config.js";
export { summarize, deltaM, meanStd } from "./study/analysis.js";
export { tInterval, verdictOf, pairUp, CONFIDENCE_LEVEL, type MeanInterval, type Verdict, type PairKey } from "./study/statistics.js";
export { variantDefinitions, type VariantDefinition } from "./study/variants.js";
export { studyResultsSchema, type StudyResults, type RunResult, type TaskSummary, type SummaryCell } from "./study/results.js";
export { jsonSchemas } from "./study/schemas.js";
