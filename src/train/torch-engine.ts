import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "../engine/tf.js";
import { gatherTargets, type BatchArrays } from "../data/batching.js";
import type { SamplePick } from "../data/samplers.js";
import { inputSize, type Source } from "../data/types.js";
import type { CouplingPlan } from "../coupling/objective.js";
import type { LayerPlan, MultiTaskModel } from "../models/multitask.js";
import { headSize } from "../tasks/types.js";
import { readAdamState, writeAdamState, type FusedAdamOptimizer } from "./fused-adam.js";

/*
 * The optional native engine (native/torch_engine.cc on libtorch): one call per training step runs the
 * forward pass, the objective, the backward pass and Adam for a MultiTaskModel whose backbone (if any) is
 * a chain of dense, convolution, batch-norm, pooling, activation and dropout layers. Node only; the
 * trainer imports this module only when `engine: "torch"` is asked for. Weights and Adam's moments
 * live in the engine during an epoch and are copied into the TensorFlow.js model and optimizer after
 * it, so validation, checkpoints, early stopping and saved models are the TensorFlow.js path's own.
 */

/** Where scripts/build-native.mjs puts the addon (relative to this file in src/ and in dist/ alike). */
export const ADDON_PATH = fileURLToPath(new URL("../../native/build/distmatch_torch.node", import.meta.url));

interface NativeState {
  readonly weights: Float32Array[];
  readonly buffers: Float32Array[];
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  readonly accBeta1: number;
  readonly accBeta2: number;
}

interface TorchAddon {
  create(spec: unknown): unknown;
  setState(handle: unknown, state: Partial<NativeState> & { accBeta1: number; accBeta2: number }): void;
  getState(handle: unknown): NativeState;
  step(handle: unknown, batchSize: number, inputs: Float32Array | { source: Int32Array; row: Int32Array }, targets: { a: Float32Array; mask: Float32Array }[], seed: number): Float64Array;
  bindSources(handle: unknown, inputs: Float32Array[]): void;
  setLearningRate(handle: unknown, learningRate: number): void;
  info(): { blasThreads: boolean; torch: string };
  logits(handle: unknown, n: number, inputs: Float32Array): Float32Array[];
}

let addon: TorchAddon | undefined;

/** The addon, or an error that says how to build it. */
export function loadTorchAddon(): TorchAddon {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) {
    throw new Error(
      `engine "torch" needs distmatch's native engine, which is not built (no ${ADDON_PATH}). It is built at install ` +
        `when Debian's libtorch-dev is present; install it, then run \`npm rebuild distmatch\` (\`npm run build:native\` in a clone of distmatch), or use engine "tfjs" (the default)`,
    );
  }
  const require = createRequire(import.meta.url);
  addon = require(ADDON_PATH) as TorchAddon;
  return addon;
}

/** What the engine needs besides the model: the objective's terms and couplings, and Adam's settings. */
export interface TorchEngineArgs {
  readonly model: MultiTaskModel;
  readonly objective: unknown;
  readonly learningRate: number;
  readonly weightDecay: number;
  /** Threads libtorch may use (default 1: a study runs one process per core). */
  readonly threads?: number;
}

/** An objective built by buildObjective, which can list its couplings as plain numbers. */
interface PlannedObjective {
  readonly termNames: readonly string[];
  couplingPlans(): CouplingPlan[];
}

function isPlanned(objective: unknown): objective is PlannedObjective {
  const o = objective as Partial<PlannedObjective> | null;
  return typeof objective === "function" && o !== null && Array.isArray(o.termNames) && typeof o.couplingPlans === "function";
}

/** Why a run cannot use the native engine, or null when it can. */
export function torchUnsupported(model: MultiTaskModel, objective: unknown, weighted: boolean): string | null {
  if (weighted) return "loss-weighting methods run on TensorFlow.js only";
  const structure = model.layerStructure();
  if ("unsupported" in structure) return structure.unsupported;
  if (!isPlanned(objective)) return "the objective is not one built by buildObjective";
  // Each call reads every relatedness matrix back from its tensor: once is enough.
  const plans = objective.couplingPlans();
  if (plans.some((c) => c.lambdas.co > 0)) return "label co-annotation (lambda co > 0) runs on TensorFlow.js only";
  if (plans.some((c) => c.minConfidence > 0)) return "coupling with a confidence gate (minConfidence) runs on TensorFlow.js only";
  if (plans.some((c) => !c.trunkGradient)) return "coupling without trunk gradient (trunkGradient: false) runs on TensorFlow.js only";
  return null;
}

/** One run's model and optimizer inside libtorch. */
export class TorchEngine {
  private readonly native: TorchAddon;
  private readonly handle: unknown;
  /** tfjs variables in the engine's parameter order, and their positions in the optimizer's list. */
  private readonly variables: tf.Variable[];
  /** Batch norm's moving statistics, in the engine's order. */
  private readonly buffers: tf.Variable[];
  private readonly slots: number[];
  private readonly trainable: tf.Variable[];
  private readonly taskNames: string[];
  private readonly tasks: MultiTaskModel["tasks"];
  private readonly inputDim: number;
  readonly termNames: readonly string[];
  private iterations = 0;

  constructor(args: TorchEngineArgs) {
    const reason = torchUnsupported(args.model, args.objective, false);
    if (reason) throw new Error(`engine "torch" cannot train this model: ${reason}`);
    this.native = loadTorchAddon();
    const structure = args.model.layerStructure();
    if ("unsupported" in structure) throw new Error(structure.unsupported);
    const objective = args.objective as PlannedObjective;
    const tasks = args.model.tasks;
    this.tasks = tasks;
    this.taskNames = tasks.map((t) => t.name);
    const index = (name: string): number => this.taskNames.indexOf(name);
    const settings = ({ variables: _v, buffers: _b, ...rest }: LayerPlan): object => rest;
    const layers = [...structure.shared, ...structure.heads.flatMap((h) => h.layers)];
    this.variables = layers.flatMap((l) => l.variables);
    this.buffers = layers.flatMap((l) => l.buffers);
    const decayed = new Set(args.model.decayedVariables);
    const plans = objective.couplingPlans();
    this.inputDim = structure.inputShape.reduce((a, b) => a * b, 1);
    this.handle = this.native.create({
      inputShape: structure.inputShape,
      threads: args.threads ?? 1,
      eps: plans[0]?.eps ?? 1e-7,
      adam: { learningRate: args.learningRate, beta1: 0.9, beta2: 0.999, epsilon: tf.backend().epsilon() },
      weightDecay: args.weightDecay,
      decayed: this.variables.map((v) => decayed.has(v)),
      shared: structure.shared.map(settings),
      heads: structure.heads.map((h) => ({ multiclass: h.task.kind === "multiclass", size: headSize(h.task), layers: h.layers.map(settings) })),
      couplings: plans.map((c) => ({
        a: index(c.a), b: index(c.b), categorical: c.categorical, dm: c.lambdas.dm, sca: c.lambdas.sca,
        dmGradient: c.dmGradient, scaGradient: c.scaGradient, missingOnly: c.applyTo === "missing", kl: c.divergence === "kl",
        R: c.R, scaKind: c.scaKind ?? "log", s1: c.s1, s2: c.s2,
      })),
    });
    this.trainable = args.model.trainableVariables;
    this.slots = this.variables.map((v) => this.trainable.indexOf(v));
    this.termNames = [...objective.termNames, "total"];
  }

  /** Adam's step size from the next step on (a learning-rate schedule sets it every epoch). */
  setLearningRate(learningRate: number): void {
    this.native.setLearningRate(this.handle, learningRate);
  }

  /** Copies the model's weights and the optimizer's state into the engine (at the start, and after a resume). */
  load(optimizer: FusedAdamOptimizer): void {
    const adam = readAdamState(optimizer, this.trainable);
    this.iterations = adam.iterations;
    this.native.setState(this.handle, {
      weights: this.variables.map((v) => Float32Array.from(v.dataSync())),
      buffers: this.buffers.map((v) => Float32Array.from(v.dataSync())),
      m: this.slots.map((s) => adam.m[s]),
      v: this.slots.map((s) => adam.v[s]),
      accBeta1: adam.accBeta1,
      accBeta2: adam.accBeta2,
    });
  }

  /** One training step on a gathered batch; the objective's terms and total, by name. */
  step(batch: BatchArrays, seed: number): Record<string, number> {
    return this.run(batch.size, batch.inputs, batch.targets, seed);
  }

  private sources: readonly Source[] = [];

  /** Lets {@link stepOnPicks} read these sources' input rows inside the engine (no copy in JavaScript). */
  bindSources(sources: readonly Source[]): void {
    const d = this.inputDim;
    sources.forEach((s) => {
      if (inputSize(s.inputShape) !== d) throw new Error(`engine "torch": source "${s.name}" has input shape [${s.inputShape}], expected [${d}]`);
    });
    this.native.bindSources(this.handle, sources.map((s) => s.inputs));
    this.sources = sources;
  }

  /** One training step on sampler picks of the bound sources: the engine copies the input rows, JavaScript the targets. */
  stepOnPicks(picks: readonly SamplePick[], seed: number): Record<string, number> {
    const source = Int32Array.from(picks, (p) => p.source);
    const row = Int32Array.from(picks, (p) => p.row);
    return this.run(picks.length, { source, row }, gatherTargets(this.sources, this.tasks, picks), seed);
  }

  private run(size: number, inputs: Float32Array | { source: Int32Array; row: Int32Array }, batchTargets: BatchArrays["targets"], seed: number): Record<string, number> {
    const targets = this.taskNames.map((name) => ({ a: batchTargets[name].values, mask: batchTargets[name].mask }));
    const values = this.native.step(this.handle, size, inputs, targets, seed);
    this.iterations++;
    const out: Record<string, number> = {};
    this.termNames.forEach((name, i) => { out[name] = values[i]; });
    return out;
  }

  /** Copies the engine's weights and Adam's state into the model's variables and the optimizer. */
  save(optimizer: FusedAdamOptimizer): void {
    const state = this.native.getState(this.handle);
    const assign = (v: tf.Variable, values: Float32Array): void => {
      const next = tf.tensor(values, v.shape, "float32");
      v.assign(next);
      next.dispose();
    };
    this.variables.forEach((v, i) => assign(v, state.weights[i]));
    this.buffers.forEach((v, i) => assign(v, state.buffers[i]));
    const current = readAdamState(optimizer, this.trainable);
    const m = [...current.m];
    const v = [...current.v];
    this.slots.forEach((s, i) => { m[s] = state.m[i]; v[s] = state.v[i]; });
    writeAdamState(optimizer, this.trainable, { m, v, accBeta1: state.accBeta1, accBeta2: state.accBeta2, iterations: this.iterations });
  }

  /** Inference logits per task for n rows (no dropout): for tests that compare the engines. */
  logits(n: number, inputs: Float32Array): Record<string, Float32Array> {
    const out = this.native.logits(this.handle, n, inputs);
    return Object.fromEntries(this.taskNames.map((name, i) => [name, out[i]]));
  }
}
