import * as tf from "../engine/tf.js";
import type { Source } from "../data/types.js";
import type { Batch } from "../data/batch.js";
import { makeBatch, disposeBatch } from "../data/batching.js";
import { SourceSampler, type SamplePick, type SamplingPolicy } from "../data/samplers.js";
import { Rng } from "../engine/random.js";
import type { MultiTaskModel } from "../models/multitask.js";
import type { EpochRecord } from "./records.js";
import { fileStorage, type Storage } from "../io/storage.js";
import { ensureWasmFixes } from "../engine/backend.js";
import type { GradientWeighting, LossWeighting, Weighting, WeightingState } from "../weighting/types.js";
import { saveCheckpoint, loadCheckpoint, quarantineFile, CorruptCheckpointError, type NamedTensor } from "./checkpoint.js";
import { metricsFromProbabilities, predictSource, primaryValues, supervisedLossFromProbabilities } from "./evaluate.js";
import { fusedAdam, type FusedAdamOptimizer } from "./fused-adam.js";

/** The training objective: named scalar terms and their weighted total, from logits and batch targets. */
export type Objective = ((
  logits: Record<string, tf.Tensor2D>,
  targets: Batch["targets"],
  couplingLogits?: Record<string, tf.Tensor2D>,
) => { terms: Record<string, tf.Scalar>; total: tf.Scalar }) & {
  /** Coupling terms read logits computed on the trunk's features with their gradient stopped (a coupling with trunkGradient: false). */
  readonly headsOnlyCoupling?: boolean;
};

export interface TrainOptions {
  /** Passes over the sampler's epoch (default 30). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /**
   * How the learning rate changes over the epoch budget: "constant" (default) or "cosine", from
   * learningRate at the first epoch towards 0 at the end of `epochs` (Loshchilov & Hutter, SGDR, ICLR
   * 2017, without restarts), set at the start of every epoch; see {@link learningRateAt}.
   */
  readonly learningRateSchedule?: LearningRateSchedule;
  /** Decoupled (AdamW-style) weight decay on kernels; 0 = off. */
  readonly weightDecay?: number;
  readonly sampler?: SamplingPolicy;
  /** Fixed number of steps per epoch instead of the sampler's own epoch. */
  readonly stepsPerEpoch?: number;
  /** Stop after this many epochs without a better validation value (0 = never stop early). */
  readonly patience?: number;
  /**
   * What checkpoint selection and early stopping watch on the validation source: "mean" (default: the
   * mean over the model's tasks of each task's primary metric, tasks weighted equally, so an MT model and
   * an ST model are selected by the same rule), "loss" (the summed supervised loss, lower is better;
   * dominated by the task with the most classes) or a task name.
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
  /**
   * What runs the training steps: "tfjs" (default, the selected TensorFlow.js backend) or "torch", the
   * optional native engine on libtorch (Node only, built at install where libtorch-dev is present). It
   * trains MLP models on feature vectors with equal task weights and DM/SCA coupling; other runs use
   * tfjs and say why in TrainResult.engineNote. Same objective and Adam; not bit-identical to tfjs.
   */
  readonly engine?: TrainEngine;
}

export type TrainEngine = "tfjs" | "torch";

export type LearningRateSchedule = "constant" | "cosine";

/** The learning rate of epoch `epoch` (0-based) of `epochs`: base, or base (1 + cos(pi epoch / epochs)) / 2. */
export function learningRateAt(base: number, epoch: number, epochs: number, schedule: LearningRateSchedule = "constant"): number {
  if (schedule === "constant") return base;
  if (schedule !== "cosine") throw new Error(`learningRateSchedule is ${JSON.stringify(schedule)}, expected "constant" or "cosine"`);
  return (base * (1 + Math.cos((Math.PI * Math.min(epoch, epochs)) / Math.max(epochs, 1)))) / 2;
}

export const defaultTrainOptions = {
  epochs: 30,
  batchSize: 64,
  learningRate: 1e-3,
  weightDecay: 0,
  sampler: "quota" as SamplingPolicy,
  patience: 10,
  monitor: "mean",
};

export type TrainEvent =
  | { readonly type: "start"; readonly epochs: number; readonly stepsPerEpoch: number; readonly resumedAtEpoch: number; readonly engine: TrainEngine; readonly engineNote?: string }
  | { readonly type: "step"; readonly epoch: number; readonly step: number; readonly stepsPerEpoch: number }
  | { readonly type: "epoch"; readonly record: EpochRecord; readonly improved: boolean }
  | { readonly type: "checkpoint"; readonly path: string; readonly epoch: number }
  | { readonly type: "early-stop"; readonly epoch: number; readonly bestEpoch: number }
  /** The checkpoint failed verification; it was moved to `movedTo` and training starts over. */
  | { readonly type: "checkpoint-corrupt"; readonly path: string; readonly movedTo: string; readonly reason: string };

export interface TrainResult {
  readonly history: EpochRecord[];
  /** Epoch (1-based) whose weights the model holds at the end: the best on validation, else the last. */
  readonly bestEpoch: number;
  readonly bestValue: number | null;
  readonly epochs: number;
  readonly stoppedEarly: boolean;
  /** What ran the steps, and why a run that asked for "torch" ran on tfjs. */
  readonly engine: TrainEngine;
  readonly engineNote?: string;
}

export interface TrainArgs {
  readonly model: MultiTaskModel;
  readonly sources: readonly Source[];
  readonly objective: Objective;
  readonly validation?: Source;
  readonly options: TrainOptions;
  readonly onEvent?: (event: TrainEvent) => void;
  /**
   * A loss-weighting method (src/weighting): a loss-level one reweights the supervised terms of the
   * objective, a gradient-level one combines the per-task gradients of the shared parameters. Its
   * variables train with the model and, with its state, go into the checkpoint. Absent = the
   * objective's total (equal weights).
   */
  readonly weighting?: Weighting;
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
  readonly weighting?: WeightingState;
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

  const restored = opts.resume && opts.checkpoint && (await storage.exists(opts.checkpoint)) ? await restoreOrQuarantine(opts.checkpoint, model, optimizer, storage, args.weighting, args.onEvent) : undefined;
  if (restored) {
    Object.assign(loop, restored.loop);
    dropoutRng = Rng.restore(restored.rng);
    sampler = SourceSampler.restore(restored.sampler);
    best = restored.best;
  }
  const native = opts.engine === "torch" ? await openTorchEngine(args, opts, optimizer) : {};
  const engine: TrainEngine = native.engine ? "torch" : "tfjs";
  const note = native.note === undefined ? {} : { engineNote: native.note };
  args.onEvent?.({ type: "start", epochs: opts.epochs, stepsPerEpoch: sampler.stepsPerEpoch, resumedAtEpoch: loop.epoch, engine, ...note });

  try {
    while (loop.epoch < opts.epochs && !loop.stoppedEarly) {
      const started = Date.now();
      const learningRate = learningRateAt(opts.learningRate, loop.epoch, opts.epochs, opts.learningRateSchedule);
      optimizer.setLearningRate(learningRate);
      native.engine?.setLearningRate(learningRate);
      const losses = native.engine
        ? await runTorchEpoch(args, native.engine, optimizer, sampler, dropoutRng, loop.epoch)
        : await runEpoch(args, optimizer, sampler, dropoutRng, opts, loop.epoch, learningRate);
      loop.epoch++;
      assertFiniteLosses(losses, loop.epoch);
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
        await writeCheckpoint(opts.checkpoint, { model, optimizer, loop, rng: dropoutRng, sampler, best, weighting: args.weighting }, storage);
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
    engine,
    ...note,
  };
}

/** What the trainer uses of the native engine (src/train/torch-engine.ts, loaded only when asked for). */
interface TorchEngine {
  stepOnPicks(picks: readonly SamplePick[], seed: number): Record<string, number>;
  setLearningRate(learningRate: number): void;
  save(optimizer: FusedAdamOptimizer): void;
}

/**
 * The native engine for this run (its weights and Adam state loaded from the model and optimizer), or
 * why the run stays on tfjs. A missing addon is an error: the caller asked for it by name.
 */
async function openTorchEngine(
  args: TrainArgs,
  opts: typeof defaultTrainOptions & TrainOptions,
  optimizer: FusedAdamOptimizer,
): Promise<{ engine?: TorchEngine; note?: string }> {
  // Computed, so that bundlers for the browser (no native addons there) do not follow it.
  const module = `./torch-engine${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`;
  const torch = (await import(/* @vite-ignore */ module)) as typeof import("./torch-engine.js");
  torch.loadTorchAddon();
  const reason = torch.torchUnsupported(args.model, args.objective, args.weighting !== undefined);
  if (reason) return { note: `ran on TensorFlow.js: ${reason}` };
  const engine = new torch.TorchEngine({ model: args.model, objective: args.objective, learningRate: opts.learningRate, weightDecay: opts.weightDecay });
  engine.load(optimizer);
  engine.bindSources(args.sources);
  return { engine };
}

/** How often a long epoch lets the event loop run. */
const EVENT_LOOP_TURN_MS = 50;

/**
 * Returns a function to call after every step: every EVENT_LOOP_TURN_MS it waits for one event-loop turn,
 * so that timers and messages run during a long epoch (progress, a page's UI, a study pool's finished
 * workers waiting for their next run while this process trains one). Results do not depend on it.
 */
function eventLoopTurns(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    const now = performance.now();
    if (now - last < EVENT_LOOP_TURN_MS) return undefined;
    last = now;
    return new Promise<void>((resolve) => (typeof setImmediate === "function" ? setImmediate(resolve) : nextMessage(resolve)));
  };
}

/** A browser's macrotask without setTimeout's 4 ms clamp: a message through a fresh channel. */
function nextMessage(resolve: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    resolve();
  };
  channel.port2.postMessage(null);
}

/** runEpoch on the native engine: batches as typed arrays, one call per step; the model and optimizer are updated at the end. */
async function runTorchEpoch(
  args: TrainArgs,
  engine: TorchEngine,
  optimizer: FusedAdamOptimizer,
  sampler: SourceSampler,
  rng: Rng,
  epoch: number,
): Promise<Record<string, number>> {
  const sums: Record<string, number> = {};
  const turn = eventLoopTurns();
  for (let step = 0; step < sampler.stepsPerEpoch; step++) {
    const terms = engine.stepOnPicks(sampler.next(), rng.seed());
    for (const [name, value] of Object.entries(terms)) sums[name] = (sums[name] ?? 0) + value;
    args.onEvent?.({ type: "step", epoch: epoch + 1, step: step + 1, stepsPerEpoch: sampler.stepsPerEpoch });
    await turn();
  }
  engine.save(optimizer);
  const steps = Math.max(sampler.stepsPerEpoch, 1);
  return Object.fromEntries(Object.entries(sums).map(([name, sum]) => [name, sum / steps]));
}

async function runEpoch(
  args: TrainArgs,
  optimizer: tf.AdamOptimizer,
  sampler: SourceSampler,
  rng: Rng,
  opts: typeof defaultTrainOptions & TrainOptions,
  epoch: number,
  learningRate: number,
): Promise<Record<string, number>> {
  const { model, sources, objective } = args;
  const variables = model.trainableVariables;
  const decayed = opts.weightDecay > 0 ? model.decayedVariables : [];
  const sums = new Map<string, tf.Tensor>();
  const turn = eventLoopTurns();
  let steps = 0;
  for (let step = 0; step < sampler.stepsPerEpoch; step++) {
    const batch = makeBatch(sources, model.tasks, sampler.next());
    try {
      const terms = args.weighting
        ? weightedStep(model, objective, optimizer, batch, rng, variables, args.weighting)
        : trainStep(model, objective, optimizer, batch, rng, variables);
      accumulate(sums, terms);
    } finally {
      disposeBatch(batch);
    }
    if (decayed.length > 0) applyWeightDecay(decayed, learningRate * opts.weightDecay);
    steps++;
    args.onEvent?.({ type: "step", epoch: epoch + 1, step: step + 1, stepsPerEpoch: sampler.stepsPerEpoch });
    await turn();
  }
  return readMeans(sums, steps);
}

/** The forward pass and the objective on one batch (with heads-only logits for the coupling terms when asked). */
function evaluateObjective(model: MultiTaskModel, objective: Objective, batch: Batch, rng: Rng): ReturnType<Objective> {
  if (!objective.headsOnlyCoupling) return objective(model.forward(batch.inputs, true, rng), batch.targets);
  const { logits, headsOnly } = model.forwardWithHeadsOnly(batch.inputs, true, rng);
  return objective(logits, batch.targets, headsOnly);
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
      const { terms, total } = evaluateObjective(model, objective, batch, rng);
      // minimize() disposes the returned total, so the logged copy is a clone.
      kept = Object.fromEntries(Object.entries({ ...terms, total: total.clone() }).map(([k, v]) => [k, tf.keep(v)]));
      return total;
    },
    false,
    variables,
  );
  return kept;
}

function weightedStep(
  model: MultiTaskModel,
  objective: Objective,
  optimizer: tf.Optimizer,
  batch: Batch,
  rng: Rng,
  variables: tf.Variable[],
  weighting: Weighting,
): Record<string, tf.Scalar> {
  return weighting.kind === "loss"
    ? lossWeightedStep(model, objective, optimizer, batch, rng, variables, weighting)
    : gradientWeightedStep(model, objective, optimizer, batch, rng, variables, weighting);
}

/** The supervised terms in task order, and the rest of the objective (the weighted coupling terms). */
function splitObjective(model: MultiTaskModel, terms: Record<string, tf.Scalar>, total: tf.Scalar): { task: tf.Scalar[]; rest: tf.Scalar } {
  const task = model.tasks.map((t) => terms[`sup:${t.name}`]);
  if (task.some((term) => term === undefined)) throw new Error(`weighting: the objective has no "sup:<task>" term for every task`);
  return { task, rest: tf.sub(total, tf.addN(task)) as tf.Scalar };
}

/** Copies of the terms for the epoch log (the step disposes what it returns to the optimizer). */
function keepTerms(terms: Record<string, tf.Scalar>, total: tf.Scalar): Record<string, tf.Scalar> {
  return Object.fromEntries(Object.entries({ ...terms, total }).map(([k, v]) => [k, tf.keep(v.clone())]));
}

/** One step on the weighting's total; its variables (e.g. UW's log-variances) train with the model. */
function lossWeightedStep(
  model: MultiTaskModel,
  objective: Objective,
  optimizer: tf.Optimizer,
  batch: Batch,
  rng: Rng,
  variables: tf.Variable[],
  weighting: LossWeighting,
): Record<string, tf.Scalar> {
  let kept: Record<string, tf.Scalar> = {};
  optimizer.minimize(
    () => {
      const { terms, total } = evaluateObjective(model, objective, batch, rng);
      const { task, rest } = splitObjective(model, terms, total);
      const weighted = weighting.combine(task, rest);
      kept = keepTerms(terms, weighted);
      return weighted;
    },
    false,
    [...variables, ...weighting.variables],
  );
  return kept;
}

/**
 * One step of a gradient-level weighting: one forward-backward pass per task loss (and one for the
 * coupling terms when there are any), all with the same dropout masks; the Gram matrix of the task
 * gradients on the shared parameters goes to the weighting, which returns how to combine them.
 * Cost: T (+1) passes instead of 1; the combination itself is T x T arithmetic. (Batch-norm moving
 * statistics, in a CNN backbone, are updated once per pass.)
 */
function gradientWeightedStep(
  model: MultiTaskModel,
  objective: Objective,
  optimizer: tf.Optimizer,
  batch: Batch,
  rng: Rng,
  variables: tf.Variable[],
  weighting: GradientWeighting,
): Record<string, tf.Scalar> {
  const stepSeed = rng.seed();
  let kept: Record<string, tf.Scalar> = {};
  let hasRest = false;
  const pass = (part: number | "rest"): { value: tf.Scalar; grads: tf.NamedTensorMap } =>
    tf.variableGrads(() => {
      const { terms, total } = evaluateObjective(model, objective, batch, new Rng(stepSeed));
      const { task, rest } = splitObjective(model, terms, total);
      if (part === 0) {
        kept = keepTerms(terms, total);
        hasRest = Object.keys(terms).some((name) => !name.startsWith("sup:"));
      }
      return part === "rest" ? rest : task[part];
    }, variables);
  const passes = model.tasks.map((_, t) => pass(t));
  const restPass = hasRest ? pass("rest") : undefined;
  try {
    const losses = passes.map((p) => p.value.dataSync()[0]);
    const shared = new Set(model.sharedVariables.map((v) => v.name));
    const gram = gramMatrix(variables.filter((v) => shared.has(v.name)), passes.map((p) => p.grads));
    const combination = weighting.combine(gram, losses);
    const grads = tf.tidy(() => {
      const out: tf.NamedTensorMap = {};
      for (const v of variables) {
        const coefficients = shared.has(v.name) ? combination.shared : combination.heads;
        const parts = passes.map((p, t) => (p.grads[v.name] ? tf.mul(p.grads[v.name], coefficients[t]) : tf.zerosLike(v)));
        if (restPass?.grads[v.name]) parts.push(restPass.grads[v.name]);
        out[v.name] = tf.addN(parts);
      }
      weighting.variables.forEach((v, i) => {
        out[v.name] = combination.own?.[i] ? tf.tensor(combination.own[i] as number[], v.shape) : tf.zerosLike(v);
      });
      return out;
    });
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    weighting.afterStep?.();
  } finally {
    for (const p of [...passes, ...(restPass ? [restPass] : [])]) {
      p.value.dispose();
      tf.dispose(Object.values(p.grads));
    }
  }
  return kept;
}

/** gram[s][t] = g_s . g_t over the shared variables, read back as numbers. */
function gramMatrix(shared: readonly tf.Variable[], taskGrads: readonly tf.NamedTensorMap[]): number[][] {
  const T = taskGrads.length;
  if (shared.length === 0) return Array.from({ length: T }, () => new Array<number>(T).fill(0));
  const flat = tf.tidy(() => {
    const rows = taskGrads.map((grads) => tf.concat(shared.map((v) => tf.reshape(grads[v.name] ?? tf.zerosLike(v), [-1]))));
    const G = tf.stack(rows) as tf.Tensor2D;
    return tf.matMul(G, G, false, true);
  });
  const values = flat.dataSync();
  flat.dispose();
  return Array.from({ length: T }, (_, s) => Array.from({ length: T }, (_, t) => values[s * T + t]));
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
  readonly weighting?: Weighting;
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
    ...(parts.weighting ? { weighting: parts.weighting.state() } : {}),
  };
  const modelWeights = parts.model.model.getWeights();
  await saveCheckpoint(file, {
    state,
    groups: {
      model: named(modelWeights),
      optimizer: optimizerWeights.map((w) => ({ name: w.name, tensor: w.tensor })),
      adamPowers: adamPowers(parts.optimizer),
      ...(parts.best ? { best: named(parts.best) } : {}),
      ...(parts.weighting ? { weighting: parts.weighting.variables.map((v) => ({ name: v.name, tensor: v })) } : {}),
    },
  }, storage);
}

type Restored = Awaited<ReturnType<typeof restoreCheckpoint>>;

/** A checkpoint that fails verification is moved aside and the run starts over (same seed, same result). */
async function restoreOrQuarantine(
  file: string,
  model: MultiTaskModel,
  optimizer: tf.Optimizer,
  storage: Storage,
  weighting: Weighting | undefined,
  onEvent?: (e: TrainEvent) => void,
): Promise<Restored | undefined> {
  try {
    return await restoreCheckpoint(file, model, optimizer, storage, weighting);
  } catch (err) {
    if (!(err instanceof CorruptCheckpointError)) throw err;
    const movedTo = await quarantineFile(file, storage);
    onEvent?.({ type: "checkpoint-corrupt", path: file, movedTo, reason: err.reason });
    return undefined;
  }
}

async function restoreCheckpoint(
  file: string,
  model: MultiTaskModel,
  optimizer: tf.Optimizer,
  storage: Storage,
  weighting: Weighting | undefined,
): Promise<{ loop: LoopState; rng: number; sampler: unknown; best: tf.Tensor[] | null }> {
  const ckpt = await loadCheckpoint<CheckpointState>(file, storage);
  const state = ckpt.state;
  if (state?.format !== "distmatch-checkpoint" || !validLoopState(state.loop)) {
    disposeGroups(ckpt.groups);
    throw new CorruptCheckpointError(file, "its state is not a distmatch training state");
  }
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
  restoreWeighting(file, weighting, state.weighting, ckpt.groups.weighting ?? []);
  return { loop: state.loop, rng: state.rng, sampler: state.sampler, best: ckpt.groups.best?.map((w) => w.tensor) ?? null };
}

/** The weighting's variables and state, or an error when the checkpoint was written with another weighting. */
function restoreWeighting(file: string, weighting: Weighting | undefined, state: WeightingState | undefined, saved: readonly NamedTensor[]): void {
  const expected = weighting?.variables ?? [];
  if ((weighting !== undefined) !== (state !== undefined) || saved.length !== expected.length) {
    saved.forEach((w) => w.tensor.dispose());
    throw new Error(`${file}: checkpoint was written ${state ? "with" : "without"} a loss weighting, the run has ${weighting ? `"${weighting.name}"` : "none"}`);
  }
  saved.forEach((w, i) => {
    expected[i].assign(tf.reshape(w.tensor, expected[i].shape));
    w.tensor.dispose();
  });
  if (weighting && state) weighting.restore(state);
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

function validLoopState(loop: unknown): loop is LoopState {
  const l = loop as Partial<LoopState> | null;
  return (
    typeof l === "object" && l !== null &&
    Number.isSafeInteger(l.epoch) && (l.epoch ?? -1) >= 0 && Array.isArray(l.history) && l.history.length === l.epoch &&
    Number.isSafeInteger(l.bestEpoch) && Number.isSafeInteger(l.badEpochs) && typeof l.stoppedEarly === "boolean" &&
    (l.bestValue === null || Number.isFinite(l.bestValue))
  );
}

/** A non-finite loss means the weights are already garbage: stop instead of reporting their metrics. */
function assertFiniteLosses(losses: Readonly<Record<string, number>>, epoch: number): void {
  for (const [term, value] of Object.entries(losses)) {
    if (!Number.isFinite(value)) throw new Error(`training diverged: loss term "${term}" is ${value} in epoch ${epoch} (check the inputs for huge values, or lower the learning rate)`);
  }
}
