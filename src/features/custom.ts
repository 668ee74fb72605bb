import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as tf from "../engine/tf.js";
import type { DecodedImage } from "./image.js";
import { fileModelHandler, hashFiles } from "./io.js";
import { imagesToTensor } from "./tensor.js";
import type { Backbone } from "./types.js";

export interface ModelBackboneOptions {
  /** Name of the layer whose output are the features (default: the model's output). */
  readonly layer?: string;
  /** Side of the square input, when the model's input does not fix it (default 224). */
  readonly inputSize?: number;
  readonly batchSize?: number;
}

/**
 * Your own TensorFlow.js layers model (model.json with its weight shards beside it) as a frozen image
 * backbone. Images reach it as RGB (or grey, if its input has one channel) in [0, 1], resized to its
 * input side; put a rescaling layer in the model if it expects other values. A 4-d output (a feature
 * map) is global-average-pooled. The weights hash covers model.json and every shard, so the feature
 * cache never mixes two versions of the model.
 */
export async function loadModelBackbone(modelJson: string, options: ModelBackboneOptions = {}): Promise<Backbone> {
  const full = await tf.loadLayersModel(fileModelHandler(modelJson)).catch((err: Error) => {
    throw new Error(`${modelJson}: cannot load as a TensorFlow.js layers model (${err.message})`, { cause: err });
  });
  const model = options.layer ? truncate(full, options.layer, modelJson) : full;
  const [, height, width, channels] = model.inputs[0].shape;
  if (model.inputs[0].shape.length !== 4 || (channels !== 1 && channels !== 3)) {
    throw new Error(`${modelJson}: expected an image input [batch, height, width, 1 or 3], found [${model.inputs[0].shape.join(", ")}]`);
  }
  if (height !== width) throw new Error(`${modelJson}: expected a square input, found ${height}x${width}`);
  const inputSize = height ?? options.inputSize ?? 224;
  const output = model.outputs[0].shape;
  const featureDim = output[output.length - 1];
  if (model.outputs.length !== 1 || (output.length !== 2 && output.length !== 4) || featureDim === null) {
    throw new Error(`${modelJson}: expected one output of shape [batch, features] or [batch, h, w, features]${options.layer ? ` at layer "${options.layer}"` : ""}`);
  }
  const manifest = JSON.parse(await fs.readFile(modelJson, "utf8")) as tf.io.ModelJSON;
  const shards = manifest.weightsManifest.flatMap((g) => g.paths).map((p) => path.join(path.dirname(modelJson), p));
  const weightsHash = await hashFiles([modelJson, ...shards]);
  const batchSize = options.batchSize ?? 16;
  return {
    id: `model:${path.basename(path.dirname(path.resolve(modelJson)))}${options.layer ? `@${options.layer}` : ""}@${inputSize}`,
    weightsHash,
    inputSize,
    featureDim,
    decode: { size: inputSize, channels: channels as 1 | 3, fit: "fill" },
    description: `your model ${modelJson}${options.layer ? ` up to layer ${options.layer}` : ""}, ${inputSize} px, ${featureDim}-d${output.length === 4 ? " global-average-pooled" : ""} features`,
    extract: (images) => extract(model, images, inputSize, channels as 1 | 3, featureDim, batchSize),
    dispose: () => full.dispose(),
  };
}

function truncate(model: tf.LayersModel, layer: string, file: string): tf.LayersModel {
  let output: tf.SymbolicTensor | tf.SymbolicTensor[];
  try {
    output = model.getLayer(layer).output;
  } catch {
    throw new Error(`${file}: no layer named "${layer}" (layers: ${model.layers.map((l) => l.name).join(", ")})`);
  }
  return tf.model({ inputs: model.inputs, outputs: output });
}

async function extract(model: tf.LayersModel, images: readonly DecodedImage[], size: number, channels: 1 | 3, dim: number, batchSize: number): Promise<Float32Array> {
  const out = new Float32Array(images.length * dim);
  for (let start = 0; start < images.length; start += batchSize) {
    const features = tf.tidy(() => {
      const y = model.predict(imagesToTensor(images.slice(start, start + batchSize), size, channels)) as tf.Tensor;
      return y.rank === 4 ? tf.mean(y, [1, 2]) : y;
    });
    out.set(await features.data(), start * dim);
    features.dispose();
  }
  return out;
}
