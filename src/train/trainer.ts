import * as tf from "../engine/tf.js";
import type { Source } from "../data/types.js";
import type { Batch } from "../data/batch.js";
import { makeBatch, disposeBatch } from "../data/batching.js";
import { SourceSampler, type SamplingPolicy } from "../data/samplers.js";
import { Rng } from "../engine/random.js";
import type { MultiTaskModel } from "../models/multitask.js";
import type { EpochRecord } from "./records.js";
import { fileStorage, type Storage } from "../io/storage.js";
import { ensureWasmFixes } from "../engine/backend.js";
import { saveCheckpoint, loadCheckpoint, type NamedTensor } from "./checkpoint.js";
import { metricsFromProbabilities, predictSource, primaryValues, supervisedLossFromProbabilities } from "./evaluate.js";
import { fusedAdam } from "./fused-adam.js";

/** The training objective: named scalar terms and their weighted total, from logits and batch targets. */
export type Objective = (
  logits: Record<string, tf.Tensor2D>,
  targets: Batch["targets"],
) => { terms: Record<string, tf.Scalar>; total: tf.Scalar };

export interface TrainOptions {
  /** Passes over the sampler's epoch (default 30). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Decoupled (AdamW-style) weight decay on kernels; 0 = off. */
  readonly weightDecay?: number;
  readonly sampler?: SamplingPolicy;
  /** Fixed number of steps per epoch instead of the sampler's own epoch. */
  readonly stepsPerEpoch?: number;
  /** Stop after this many epochs without a better validation value (0 = never stop early). */
  readonly patience?: number;
  /**
   * What early stopping watches on the validation source: "loss" (the summed supervised loss, lower is
   * better; smooth even on small validation sets), "mean" (mean primary metric over tasks) or a task name.
   */
  readonly monitor?: string;
  /** One seed fixes sampling and dropout (the model's initial weights come from its own seed). */
  readonly seed: number;
  /** Checkpoint file written atomically after every epoch. */
  readonly checkpoint?: string;
  /** Continue from `checkpoint` when it exists. */
  readonly resume?: boolean;
  /** Where `checkpoint` is written: files by default; memoryStorage() or indexedDbStorage() in a browser. */
  readonly storage?: Storage;
}

export const defaultTrainOptions = {
  epochs: 30,
  batchSize: 64,
  learningRate: 1e-3,
  weightDecay: 0,
  sampler: "quota" as SamplingPolicy,
  patience: 10,
  monitor: "loss",
};

export type TrainEvent =
  | { readonly type: "start"; readonly epochs: number; readonly stepsPerEpoch: number; readonly resumedAtEpoch: number }
  | { readonly type: "step"; readonly epoch: number; readonly step: number; readonly stepsPerEpoch: number }
  | { readonly type: "epoch"; readonly record: EpochRecord; readonly improved: boolean }
  | { readonly type: "checkpoint"; readonly path: string; readonly epoch: number }
  | { readonly type: "early-stop"; readonly epoch: number; readonly bestEpoch: number };

export interface TrainResult {
  readonly history: EpochRecord[];
  /** Epoch (1-based) whose weights the model holds at the end: the best on validation, else the last. */
  readonly bestEpoch: number;
  readonly bestValue: number | null;
  readonly epochs: number;
  readonly stoppedEarly: boolean;
}

export interface TrainArgs {
  readonly model: MultiTaskModel;
  readonly sources: readonly Source[];
  readonly objective: Objective;
  readonly validation?: Source;
  readonly options: TrainOptions;
  readonly onEvent?: (event: TrainEvent) => void;
}

interface LoopState {
  epoch: number;
  history: EpochRecord[];
  bestValue: number | null;
  bestEpoch: number;
  badEpochs: number;
  stoppedEarly: boolean;
}

interface CheckpointState {
  readonly format: "distmatch-checkpoint";
  readonly loop: LoopState;
  readonly rng: number;
  readonly sampler: unknown;
  readonly weightNames: string[];
}

/**
 * Trains a multi-task model with Adam on batches mixed from the sources, validating each epoch,
 * keeping the best weights, and checkpointing atomically so that a resumed run reproduces an
 * uninterrupted one exactly.
 */
export async function train(args: TrainArgs): Promise<TrainResult> {
  const opts = { ...defaultTrainOptions, ...args.options };
  const { model, sources } = args;
  const base = new Rng(opts.seed);
  let dropoutRng = base.fork("dropout");
  let sampler = new SourceSampler(
    sources.map((s) => s.n),
    { batchSize: opts.batchSize, policy: opts.sampler, rng: base.fork("sampler"), stepsPerEpoch: opts.stepsPerEpoch },
  );
  // Bit-identical to tf.train.adam, one fused update per variable (src/train/fused-adam.ts).
  const optimizer = fusedAdam(opts.learningRate);
  const loop: LoopState = { epoch: 0, history: [], bestValue: null, bestEpoch: 0, badEpochs: 0, stoppedEarly: false };
  let best: tf.Tensor[] | null = null;
  // On wasm, conv weights cannot train without the kernel fixes; installed here rather than on import.
  ensureWasmFixes();
  const storage = opts.storage ?? fileStorage();

  if (opts.resume && opts.checkpoint && (await storage.exists(opts.checkpoint))) {
    const restored = await restoreCheckpoint(opts.checkpoint, model, optimizer, storage);
    Object.assign(loop, restored.loop);
    dropoutRng = Rng.restore(restored.rng);
    sampler = SourceSampler.restore(restored.sampler);
    best = restored.best;
  }
  args.onEvent?.({ type: "start", epochs: opts.epochs, stepsPerEpoch: sampler.stepsPerEpoch, resumedAtEpoch: loop.epoch });

  try {
    while (loop.epoch < opts.epochs && !loop.stoppedEarly) {
      const started = Date.now();
      const losses = await runEpoch(args, optimizer, sampler, dropoutRng, opts, loop.epoch);
      loop.epoch++;
      const checked = args.validation ? await validate(model, args.validation) : { metrics: {}, loss: null };
      const record: EpochRecord = {
        epoch: loop.epoch,
        losses,
        validation: checked.metrics,
        ...(checked.loss === null ? {} : { validationLoss: checked.loss }),
        seconds: (Date.now() - started) / 1000,
      };
      loop.history.push(record);
      const improved = updateBest(loop, monitorValue(checked, opts.monitor), opts.patience);
      if (improved) best = replaceBest(best, model);
      args.onEvent?.({ type: "epoch", record, improved });
      if (loop.stoppedEarly) args.onEvent?.({ type: "early-stop", epoch: loop.epoch, bestEpoch: loop.bestEpoch });
      if (opts.checkpoint) {
        await writeCheckpoint(opts.checkpoint, { model, optimizer, loop, rng: dropoutRng, sampler, best }, storage);
        args.onEvent?.({ type: "checkpoint", path: opts.checkpoint, epoch: loop.epoch });
      }
    }
    if (best) model.model.setWeights(best);
  } finally {
    best?.forEach((t) => t.dispose());
    optimizer.dispose();
  }
  return {
    history: loop.history,
    bestEpoch: loop.bestValue === null ? loop.epoch : loop.bestEpoch,
    bestValue: loop.bestValue,
    epochs: loop.epoch,
    stoppedEarly: loop.stoppedEarly,
  };
}

async function runEpoch(
  args: TrainArgs,
  optimizer: tf.AdamOptimizer,
  sampler: SourceSampler,
  rng: Rng,
  opts: typeof defaultTrainOptions & TrainOptions,
  epoch: number,
): Promise<Record<string, number>> {
  const { model, sources, objective } = args;
  const variables = model.trainableVariables;
  const decayed = opts.weightDecay > 0 ? model.decayedVariables : [];
  const sums = new Map<string, tf.Tensor>();
  let steps = 0;
  for (let step = 0; step < sampler.stepsPerEpoch; step++) {
    const batch = makeBatch(sources, model.tasks, sampler.next());
    try {
      const terms = trainStep(model, objective, optimizer, batch, rng, variables);
      accumulate(sums, terms);
    } finally {
      disposeBatch(batch);
    }
    if (decayed.length > 0) applyWeightDecay(decayed, opts.learningRate * opts.weightDecay);
    steps++;
    args.onEvent?.({ type: "step", epoch: epoch + 1, step: step + 1, stepsPerEpoch: sampler.stepsPerEpoch });
  }
  return readMeans(sums, steps);
}

function trainStep(
  model: MultiTaskModel,
  objective: Objective,
  optimizer: tf.Optimizer,
  batch: Batch,
  rng: Rng,
  variables: tf.Variable[],
): Record<string, tf.Scalar> {
  let kept: Record<string, tf.Scalar> = {};
  optimizer.minimize(
    () => {
      const logits = model.forward(batch.inputs, true, rng);
      const { terms, total } = objective(logits, batch.targets);
      // minimize() disposes the returned total, so the logged copy is a clone.
      kept = Object.fromEntries(Object.entries({ ...terms, total: total.clone() }).map(([k, v]) => [k, tf.keep(v)]));
      return total;
    },
    false,
    variables,
  );
  return kept;
}

function accumulate(sums: Map<string, tf.Tensor>, terms: Record<string, tf.Scalar>): void {
  for (const [name, value] of Object.entries(terms)) {
    const prev = sums.get(name);
    if (prev) {
      sums.set(name, tf.add(prev, value));
      prev.dispose();
      value.dispose();
    } else {
      sums.set(name, value);
    }
  }
}

async function readMeans(sums: Map<string, tf.Tensor>, steps: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, sum] of sums) {
    out[name] = (await sum.data())[0] / Math.max(steps, 1);
    sum.dispose();
  }
  return out;
}

function applyWeightDecay(variables: tf.Variable[], rate: number): void {
  tf.tidy(() => {
    for (const v of variables) v.assign(tf.mul(v, 1 - rate));
  });
}

async function validate(model: MultiTaskModel, source: Source): Promise<{ metrics: Record<string, number>; loss: number | null }> {
  const probs = await predictSource(model, source);
  return {
    metrics: primaryValues(metricsFromProbabilities(model.tasks, source, probs)),
    loss: supervisedLossFromProbabilities(model.tasks, source, probs),
  };
}

/** The value early stopping maximises: the negated loss, the mean primary metric, or one task's metric. */
function monitorValue(checked: { metrics: Record<string, number>; loss: number | null }, monitor: string): number | null {
  if (monitor === "loss") return checked.loss === null ? null : -checked.loss;
  const validation = checked.metrics;
  const values = Object.values(validation);
  if (values.length === 0) return null;
  if (monitor === "mean") return values.reduce((a, b) => a + b, 0) / values.length;
  if (!(monitor in validation)) {
    throw new Error(`monitor "${monitor}" is neither "mean" nor a validated task (${Object.keys(validation).join(", ")})`);
  }
  return validation[monitor];
}

/** Records a new validation value; true when it is the best so far. Sets stoppedEarly when patience runs out. */
function updateBest(loop: LoopState, value: number | null, patience: number): boolean {
  if (value === null) return false;
  if (loop.bestValue === null || value > loop.bestValue) {
    loop.bestValue = value;
    loop.bestEpoch = loop.epoch;
    loop.badEpochs = 0;
    return true;
  }
  loop.badEpochs++;
  if (patience > 0 && loop.badEpochs >= patience) loop.stoppedEarly = true;
  return false;
}

function replaceBest(best: tf.Tensor[] | null, model: MultiTaskModel): tf.Tensor[] {
  best?.forEach((t) => t.dispose());
  return model.model.getWeights().map((w) => w.clone());
}

interface CheckpointParts {
  readonly model: MultiTaskModel;
  readonly optimizer: tf.Optimizer;
  readonly loop: LoopState;
  readonly rng: Rng;
  readonly sampler: SourceSampler;
  readonly best: tf.Tensor[] | null;
}

async function writeCheckpoint(file: string, parts: CheckpointParts, storage: Storage): Promise<void> {
  const weights = parts.model.model.weights;
  const named = (tensors: readonly tf.Tensor[]): NamedTensor[] => tensors.map((tensor, i) => ({ name: weights[i].name, tensor }));
  const optimizerWeights = await parts.optimizer.getWeights();
  const state: CheckpointState = {
    format: "distmatch-checkpoint",
    loop: parts.loop,
    rng: parts.rng.state(),
    sampler: parts.sampler.state(),
    weightNames: weights.map((w) => w.name),
  };
  const modelWeights = parts.model.model.getWeights();
  await saveCheckpoint(file, {
    state,
    groups: {
      model: named(modelWeights),
      optimizer: optimizerWeights.map((w) => ({ name: w.name, tensor: w.tensor })),
      adamPowers: adamPowers(parts.optimizer),
      ...(parts.best ? { best: named(parts.best) } : {}),
    },
  }, storage);
}

async function restoreCheckpoint(
  file: string,
  model: MultiTaskModel,
  optimizer: tf.Optimizer,
  storage: Storage,
): Promise<{ loop: LoopState; rng: number; sampler: unknown; best: tf.Tensor[] | null }> {
  const ckpt = await loadCheckpoint<CheckpointState>(file, storage);
  const state = ckpt.state;
  if (state?.format !== "distmatch-checkpoint") throw new Error(`${file}: not a distmatch training checkpoint`);
  const expected = model.model.weights.map((w) => w.name);
  const model_ = ckpt.groups.model ?? [];
  if (model_.length !== expected.length || model_.some((w, i) => !sameShape(w.tensor.shape, model.model.weights[i].shape))) {
    disposeGroups(ckpt.groups);
    throw new Error(`${file}: checkpoint weights (${model_.length}) do not match the model (${expected.length}); was it written for another model or config?`);
  }
  model.model.setWeights(model_.map((w) => w.tensor));
  await optimizer.setWeights((ckpt.groups.optimizer ?? []).map((w) => ({ name: w.name, tensor: w.tensor })));
  restoreAdamPowers(optimizer, ckpt.groups.adamPowers ?? []);
  model_.forEach((w) => w.tensor.dispose());
  return { loop: state.loop, rng: state.rng, sampler: state.sampler, best: ckpt.groups.best?.map((w) => w.tensor) ?? null };
}

/**
 * tfjs's Adam keeps beta1^t and beta2^t as running products; setWeights() recomputes them with pow(),
 * which differs in the last float bits. Saving the products makes a resumed run bit-identical.
 */
interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

function adamPowers(optimizer: tf.Optimizer): NamedTensor[] {
  const adam = optimizer as unknown as AdamInternals;
  return adam.accBeta1 && adam.accBeta2
    ? [
        { name: "accBeta1", tensor: adam.accBeta1 },
        { name: "accBeta2", tensor: adam.accBeta2 },
      ]
    : [];
}

function restoreAdamPowers(optimizer: tf.Optimizer, saved: readonly NamedTensor[]): void {
  const adam = optimizer as unknown as AdamInternals;
  for (const { name, tensor } of saved) {
    const target = name === "accBeta1" ? adam.accBeta1 : name === "accBeta2" ? adam.accBeta2 : undefined;
    if (target) target.assign(tf.reshape(tensor, target.shape));
    tensor.dispose();
  }
}

function sameShape(a: readonly number[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function disposeGroups(groups: Record<string, NamedTensor[]>): void {
  for (const list of Object.values(groups)) list.forEach((w) => w.tensor.dispose());
}
