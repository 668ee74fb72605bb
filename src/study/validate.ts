import { own } from "../data/names.js";
import { inputSize, type Source, type TaskTargets } from "../data/types.js";
import { headSize, type Task } from "../tasks/types.js";
import type { StudyConfig } from "./config.js";
import type { StudyData } from "./data.js";

/** Fewer labelled training samples than this and a task's metrics say nothing (and may vanish from the split). */
export const MIN_TRAINING_LABELS = 5;
/** Tensor memory one training step may use (the wasm heap is 4 GiB at most, and shared with everything else). */
export const STEP_MEMORY_BUDGET = 1024 ** 3;

/**
 * Checks a prepared study before any training, so that no task is silently dropped or reported with
 * a meaningless number: every task has at least 2 classes (labels for a multi-label task) seen in
 * training, enough labelled training samples, labelled test samples, and the batch fits in memory.
 * Errors name the task, the field and, for the test set, the file.
 */
export function validateStudyData(config: StudyConfig, data: StudyData): void {
  const testName = config.data?.test ?? "the test split";
  for (const task of data.tasks) {
    if (headSize(task) < 2 && task.kind === "multiclass") {
      throw new Error(`task "${task.name}": has ${headSize(task)} class (${JSON.stringify(task.classes)}); a classification task needs at least 2, or every accuracy is 1.0`);
    }
    const train = labelledCount(data.sources, task);
    if (train.samples < MIN_TRAINING_LABELS) {
      throw new Error(`task "${task.name}": ${train.samples} labelled training sample(s) after the split; at least ${MIN_TRAINING_LABELS} are needed (add labels, or lower split.validation / split.test)`);
    }
    if (task.kind === "multiclass" && train.distinct < 2) {
      throw new Error(`task "${task.name}": every labelled training sample has the same class, so there is nothing to learn; at least 2 classes must occur in training`);
    }
    const test = labelledCount([data.test], task);
    if (test.samples === 0) {
      throw new Error(`${testName}: task "${task.name}" has no labelled sample in it; the test set must annotate every task (its metrics would be missing)`);
    }
  }
  assertBatchFits(config, data);
}

function labelledCount(sources: readonly Source[], task: Task): { samples: number; distinct: number } {
  let samples = 0;
  const classes = new Set<number>();
  for (const source of sources) {
    const t: TaskTargets | undefined = own(source.targets, task.name);
    if (!t) continue;
    if (t.kind === "multiclass") {
      for (const k of t.labels) {
        if (k < 0) continue;
        samples++;
        classes.add(k);
      }
    } else {
      const m = headSize(task);
      for (let i = 0; i < source.n; i++) if (t.mask.subarray(i * m, (i + 1) * m).some((v) => v > 0)) samples++;
    }
  }
  return { samples, distinct: classes.size };
}

/**
 * Float32 values one sample occupies during a step: its inputs, the backbone's feature maps (a small
 * CNN on pixel grids: about 32 values per pixel over its blocks), pre- and post-activation values of
 * every trunk layer, and the heads; times 3 for the gradients and the optimiser's working copies.
 */
export function stepBytesPerSample(inputShape: readonly number[], hidden: readonly number[], tasks: readonly Task[]): number {
  const pixels = inputShape.length === 3 ? inputShape[0] * inputShape[1] : 0;
  const floats = inputSize(inputShape) + 32 * pixels + 2 * hidden.reduce((a, b) => a + b, 0) + tasks.reduce((a, t) => a + headSize(t), 0);
  return floats * 4 * 3;
}

function assertBatchFits(config: StudyConfig, data: StudyData): void {
  const perSample = stepBytesPerSample(data.inputs.inputShape, config.model.hidden, data.tasks);
  const batchSize = config.training.batchSize;
  if (batchSize * perSample > STEP_MEMORY_BUDGET) {
    const mb = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MB`;
    throw new Error(
      `training.batchSize: ${batchSize} needs about ${mb(batchSize * perSample)} of tensor memory per step (${perSample} bytes per sample for inputs of shape [${data.inputs.inputShape.join(", ")}]); ` +
        `the budget is ${mb(STEP_MEMORY_BUDGET)}, so use at most ${Math.floor(STEP_MEMORY_BUDGET / perSample)}`,
    );
  }
}
