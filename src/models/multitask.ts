import * as tf from "../engine/tf.js";
import { dictFrom, emptyDict, fileSafeName } from "../data/names.js";
import type { Task } from "../tasks/types.js";
import { headSize } from "../tasks/types.js";
import { denseOnConstantInput } from "../engine/dense.js";
import { Rng } from "../engine/random.js";
import { stopGradient } from "../coupling/common.js";

export type Activation = "relu" | "elu" | "selu" | "tanh" | "sigmoid" | "linear";

/** The shared trunk: an MLP over the backbone's output (or over the raw input when there is no backbone). */
export interface TrunkOptions {
  /** Hidden layer sizes; [] puts the heads straight on the backbone output. */
  readonly hidden?: readonly number[];
  readonly activation?: Activation;
  /** Dropout rate after each hidden layer (0 = none). */
  readonly dropout?: number;
  readonly batchNorm?: boolean;
}

export interface ModelOptions {
  readonly inputShape: readonly number[];
  readonly tasks: readonly Task[];
  readonly trunk?: TrunkOptions;
  /** Any tf.LayersModel mapping the input to features (pretrained CNN, small CNN, ...). */
  readonly backbone?: tf.LayersModel;
  /** Whether the backbone's weights train with the rest (default true). */
  readonly trainBackbone?: boolean;
  /**
   * Task-specific capacity: hidden layer sizes of each head (same for every task, the trunk's
   * activation), between the shared trunk and the task's output layer; [] (default) = a linear head.
   */
  readonly headHidden?: readonly number[];
  /** Fixes the initial weights of the trunk and heads. */
  readonly seed: number;
}

export const defaultTrunk: Required<TrunkOptions> = {
  hidden: [128],
  activation: "relu",
  dropout: 0.1,
  batchNorm: false,
};

/**
 * A backbone, a shared trunk and one head per task, as one tf.LayersModel whose outputs are the
 * heads' logits in task order (so it saves and loads with stock TensorFlow.js, in a browser too).
 * Training runs the layers by hand so that dropout draws from the run's seeded stream.
 */
export class MultiTaskModel {
  readonly model: tf.LayersModel;
  readonly tasks: readonly Task[];
  private readonly backbone?: tf.LayersModel;
  private readonly trunkLayers: tf.layers.Layer[];
  private readonly heads: tf.layers.Layer[];
  /** Per task, its head's hidden layers (empty for a linear head). */
  private readonly headHidden: tf.layers.Layer[][];
  private readonly flatten?: tf.layers.Layer;

  constructor(options: ModelOptions) {
    const trunk = { ...defaultTrunk, ...options.trunk };
    const rng = new Rng(options.seed);
    this.tasks = options.tasks;
    this.backbone = options.backbone;
    if (this.backbone && options.trainBackbone === false) this.backbone.trainable = false;
    this.trunkLayers = buildTrunkLayers(trunk, rng);
    this.headHidden = [];
    this.heads = options.tasks.map((task) => {
      // Hidden layers draw their seeds first, so a linear head (the default) keeps the weights it always had.
      this.headHidden.push(buildHeadHidden(task, options.headHidden ?? [], trunk.activation, rng));
      return tf.layers.dense({
        units: headSize(task),
        name: `head_${fileSafeName(task.name)}`,
        kernelInitializer: tf.initializers.glorotUniform({ seed: rng.seed() }),
      });
    });
    const input = tf.input({ shape: [...options.inputShape], name: "input" });
    let h = (this.backbone ? this.backbone.apply(input) : input) as tf.SymbolicTensor;
    if (h.shape.length > 2) {
      this.flatten = tf.layers.flatten({ name: "flatten" });
      h = this.flatten.apply(h) as tf.SymbolicTensor;
    }
    for (const layer of this.trunkLayers) h = layer.apply(h) as tf.SymbolicTensor;
    const outputs = this.heads.map((head, t) => head.apply(applyAll(this.headHidden[t], h)) as tf.SymbolicTensor);
    this.model = tf.model({ inputs: input, outputs, name: "distmatch" });
  }

  /**
   * Logits per task name. `rng` draws the dropout masks when training. No gradient flows to `inputs`
   * (training differentiates the weights only), which lets the first trainable layer skip its input gradient.
   */
  forward(inputs: tf.Tensor, training: boolean, rng?: Rng): Record<string, tf.Tensor2D> {
    return this.heads_(this.features(inputs, training, rng));
  }

  /**
   * The logits, and the same heads applied to the shared features with their gradient stopped: terms
   * computed from the second set train the heads only, never the backbone or trunk.
   */
  forwardWithHeadsOnly(inputs: tf.Tensor, training: boolean, rng?: Rng): { logits: Record<string, tf.Tensor2D>; headsOnly: Record<string, tf.Tensor2D> } {
    const h = this.features(inputs, training, rng);
    return { logits: this.heads_(h), headsOnly: this.heads_(stopGradient(h)) };
  }

  /** The shared features: backbone, flatten and trunk. */
  private features(inputs: tf.Tensor, training: boolean, rng?: Rng): tf.Tensor {
    let h = this.backbone ? (this.backbone.apply(inputs, { training }) as tf.Tensor) : inputs;
    if (this.flatten) h = this.flatten.apply(h) as tf.Tensor;
    // Until a trainable layer has run, h is a constant of the weights being trained.
    let constant = !this.backbone || !this.backbone.trainable;
    for (const layer of this.trunkLayers) {
      const fast = training && constant ? denseOnConstantInput(layer, h) : null;
      h = fast ?? applyLayer(layer, h, training, rng);
      if (layer.trainableWeights.length > 0) constant = false;
    }
    return h;
  }

  private heads_(h: tf.Tensor): Record<string, tf.Tensor2D> {
    const out = emptyDict<tf.Tensor2D>();
    this.tasks.forEach((task, i) => {
      out[task.name] = this.heads[i].apply(applyAll(this.headHidden[i], h)) as tf.Tensor2D;
    });
    return out;
  }

  /** Trainable variables of one task's head (hidden layers and output layer): not shared with any other task. */
  taskVariables(taskName: string): tf.Variable[] {
    const t = this.tasks.findIndex((task) => task.name === taskName);
    if (t < 0) throw new Error(`no task "${taskName}" in the model (tasks: ${this.tasks.map((x) => x.name).join(", ")})`);
    return [...this.headHidden[t], this.heads[t]].flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  /** Trainable variables every task's prediction depends on: backbone and trunk. */
  get sharedVariables(): tf.Variable[] {
    const own = new Set(this.tasks.flatMap((task) => this.taskVariables(task.name)));
    return this.trainableVariables.filter((v) => !own.has(v));
  }

  get trainableVariables(): tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Variables that weight decay applies to: kernels, not biases or normalisation parameters. */
  get decayedVariables(): tf.Variable[] {
    return this.model.trainableWeights
      .filter((w) => /kernel/.test(w.name))
      .map((w) => w.read() as tf.Variable);
  }

  /**
   * The model as a plain chain of layers, for an engine other than TensorFlow.js
   * (src/train/torch-engine.ts), or why it is not one (a layer type or arrangement that engine lacks).
   * Variables are listed as each layer holds them.
   */
  layerStructure(): LayerStructure | { readonly unsupported: string } {
    const shared: LayerPlan[] = [];
    if (this.backbone) {
      if (!this.backbone.trainable) return { unsupported: "the backbone is frozen (precompute its features instead)" };
      const chain = sequentialLayers(this.backbone);
      if (typeof chain === "string") return { unsupported: chain };
      shared.push(...chain);
    }
    if (this.flatten) shared.push({ kind: "flatten", variables: [], buffers: [] });
    for (const layer of this.trunkLayers) {
      const plan = layerPlan(layer);
      if (typeof plan === "string") return { unsupported: plan };
      shared.push(plan);
    }
    const heads = [];
    for (const [t, task] of this.tasks.entries()) {
      const layers = [...this.headHidden[t], this.heads[t]].map(layerPlan);
      const bad = layers.find((l): l is string => typeof l === "string");
      if (bad) return { unsupported: bad };
      heads.push({ task, layers: layers as LayerPlan[] });
    }
    return { inputShape: this.model.inputs[0].shape.slice(1) as number[], shared, heads };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** One layer as plain settings and its variables (trainable) and buffers (batch norm's moving statistics). */
export type LayerPlan = { readonly variables: tf.Variable[]; readonly buffers: tf.Variable[] } & (
  | { readonly kind: "dense"; readonly inputs: number; readonly units: number; readonly useBias: boolean; readonly activation: string }
  | {
      readonly kind: "conv"; readonly inputs: number; readonly filters: number; readonly window: number[]; readonly strides: number[];
      readonly padding: number[]; readonly useBias: boolean; readonly activation: string;
    }
  | { readonly kind: "batchnorm"; readonly channels: number; readonly momentum: number; readonly epsilon: number }
  | { readonly kind: "activation"; readonly activation: string; readonly reluMax: number }
  | { readonly kind: "maxpool" | "avgpool"; readonly window: number[]; readonly strides: number[] }
  | { readonly kind: "gap" | "flatten" }
  | { readonly kind: "dropout"; readonly rate: number }
);

export interface LayerStructure {
  /** Per sample: [features] or [height, width, channels]. */
  readonly inputShape: readonly number[];
  /** Backbone, then trunk. */
  readonly shared: readonly LayerPlan[];
  readonly heads: readonly { readonly task: Task; readonly layers: readonly LayerPlan[] }[];
}

const ACTIVATIONS = new Set(["relu", "elu", "selu", "tanh", "sigmoid", "linear"]);

/** A backbone's layers when they form one chain from its input to its output, else why not. */
function sequentialLayers(backbone: tf.LayersModel): LayerPlan[] | string {
  const layers = backbone.layers.filter((l) => l.getClassName() !== "InputLayer");
  const plans: LayerPlan[] = [];
  let previous: tf.layers.Layer | undefined = backbone.layers.find((l) => l.getClassName() === "InputLayer");
  for (const layer of layers) {
    const inbound = layer.inboundNodes.flatMap((node) => node.inboundLayers);
    if (inbound.length !== 1 || (previous && inbound[0] !== previous)) return `the backbone is not a chain of layers (at "${layer.name}")`;
    const plan = layerPlan(layer);
    if (typeof plan === "string") return plan;
    plans.push(plan);
    previous = layer;
  }
  return plans;
}

/** One tfjs layer as a plan, or why the other engine cannot run it. */
function layerPlan(layer: tf.layers.Layer): LayerPlan | string {
  const type = layer.getClassName();
  const config = layer.getConfig() as Record<string, unknown>;
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const buffers = layer.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  const activation = String(config.activation ?? "linear");
  const base = { variables, buffers };
  if (!layer.trainable && variables.length + buffers.length > 0) return `layer "${layer.name}" is frozen`;
  if ((type === "Dense" || type === "Conv2D" || type === "Activation") && !ACTIVATIONS.has(activation)) return `layer "${layer.name}" has activation "${activation}"`;
  switch (type) {
    case "Dense":
      return { ...base, kind: "dense", inputs: variables[0].shape[0] as number, units: config.units as number, useBias: config.useBias as boolean, activation };
    case "Conv2D": {
      const kernel = variables[0].shape as number[];
      const strides = config.strides as number[];
      const dilation = config.dilationRate as number[] | number;
      if ([dilation].flat().some((d) => d !== 1)) return `layer "${layer.name}" is a dilated convolution`;
      if (config.dataFormat !== "channelsLast") return `layer "${layer.name}" is not channels-last`;
      const same = config.padding === "same";
      if (same && (strides.some((x) => x !== 1) || kernel.slice(0, 2).some((k) => k % 2 === 0))) return `layer "${layer.name}" has "same" padding with a stride or an even kernel`;
      const padding = same ? kernel.slice(0, 2).map((k) => (k - 1) / 2) : [0, 0];
      return { ...base, kind: "conv", inputs: kernel[2], filters: kernel[3], window: kernel.slice(0, 2), strides, padding, useBias: config.useBias as boolean, activation };
    }
    case "BatchNormalization": {
      const axis = config.axis as number;
      if (!(config.center && config.scale)) return `layer "${layer.name}" is a batch norm without centre or scale`;
      if (axis !== -1 && axis !== (layer.inputSpec?.[0]?.ndim ?? (layer.input as tf.SymbolicTensor).shape.length) - 1) return `layer "${layer.name}" normalises axis ${axis}, not the channels`;
      return { ...base, kind: "batchnorm", channels: variables[0].shape[0] as number, momentum: config.momentum as number, epsilon: config.epsilon as number };
    }
    case "Activation":
      return { ...base, kind: "activation", activation, reluMax: 0 };
    case "ReLU":
      return { ...base, kind: "activation", activation: "relu", reluMax: (config.maxValue as number | null) ?? 0 };
    case "MaxPooling2D":
    case "AveragePooling2D":
      if (config.padding !== "valid" || config.dataFormat !== "channelsLast") return `layer "${layer.name}" pools with "same" padding or channels first`;
      return { ...base, kind: type === "MaxPooling2D" ? "maxpool" : "avgpool", window: config.poolSize as number[], strides: config.strides as number[] };
    case "GlobalAveragePooling2D":
      return config.dataFormat === "channelsLast" ? { ...base, kind: "gap" } : `layer "${layer.name}" is channels first`;
    case "Flatten":
      return { ...base, kind: "flatten" };
    case "Dropout":
      return { ...base, kind: "dropout", rate: config.rate as number };
    default:
      return `the model has a ${type} layer`;
  }
}

function applyLayer(layer: tf.layers.Layer, h: tf.Tensor, training: boolean, rng?: Rng): tf.Tensor {
  if (layer.getClassName() === "Dropout") {
    if (!training) return h;
    const rate = (layer.getConfig() as { rate: number }).rate;
    return tf.dropout(h, rate, undefined, rng ? rng.seed() : undefined);
  }
  return layer.apply(h, { training }) as tf.Tensor;
}

function buildHeadHidden(task: Task, sizes: readonly number[], activation: Activation, rng: Rng): tf.layers.Layer[] {
  return sizes.map((units, i) => {
    if (!Number.isInteger(units) || units < 1) throw new Error(`headHidden[${i}] is ${units}, expected a positive integer`);
    return tf.layers.dense({
      units,
      activation,
      name: `head_${fileSafeName(task.name)}_hidden_${i}`,
      kernelInitializer: initializerFor(activation, rng.seed()),
    });
  });
}

/** Applies layers in order (symbolic or concrete tensors alike). */
function applyAll<T extends tf.SymbolicTensor | tf.Tensor>(layers: readonly tf.layers.Layer[], h: T): T {
  let out = h;
  for (const layer of layers) out = layer.apply(out) as T;
  return out;
}

function buildTrunkLayers(trunk: Required<TrunkOptions>, rng: Rng): tf.layers.Layer[] {
  const layers: tf.layers.Layer[] = [];
  trunk.hidden.forEach((units, i) => {
    layers.push(
      tf.layers.dense({
        units,
        name: `trunk_dense_${i}`,
        useBias: !trunk.batchNorm,
        kernelInitializer: initializerFor(trunk.activation, rng.seed()),
      }),
    );
    if (trunk.batchNorm) layers.push(tf.layers.batchNormalization({ name: `trunk_bn_${i}` }));
    if (trunk.activation !== "linear") layers.push(tf.layers.activation({ activation: trunk.activation, name: `trunk_act_${i}` }));
    if (trunk.dropout > 0) layers.push(tf.layers.dropout({ rate: trunk.dropout, name: `trunk_dropout_${i}` }));
  });
  return layers;
}

function initializerFor(activation: Activation, seed: number): ReturnType<typeof tf.initializers.heNormal> {
  return activation === "relu" || activation === "elu"
    ? tf.initializers.heNormal({ seed })
    : tf.initializers.glorotUniform({ seed });
}

/** Probabilities per task from logits: softmax for multi-class, sigmoid for multi-label. */
export function probabilities(task: Task, logits: tf.Tensor2D): tf.Tensor2D {
  return task.kind === "multiclass" ? tf.softmax(logits) : tf.sigmoid(logits);
}

/** Anything that maps inputs to logits per task: a model in training, or one loaded from disk. */
export interface Predictor {
  readonly tasks: readonly Task[];
  forward(inputs: tf.Tensor, training: boolean): Record<string, tf.Tensor2D>;
}

/** A predictor over a stock tf.LayersModel whose outputs are the heads' logits in task order. */
export function predictorFromLayersModel(model: tf.LayersModel, tasks: readonly Task[]): Predictor {
  if (model.outputs.length !== tasks.length) {
    throw new Error(`model has ${model.outputs.length} outputs but ${tasks.length} tasks were given`);
  }
  return {
    tasks,
    forward(inputs: tf.Tensor): Record<string, tf.Tensor2D> {
      const out = model.predict(inputs);
      const list = Array.isArray(out) ? out : [out];
      return dictFrom(tasks.map((t, i) => [t.name, list[i] as tf.Tensor2D]));
    },
  };
}
