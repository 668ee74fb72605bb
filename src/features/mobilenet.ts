import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import * as tf from "../engine/tf.js";
import type { Backbone } from "./types.js";
import type { DecodedImage } from "./image.js";
import { hashFiles, memoryModelHandler } from "./io.js";
import { imagesToTensor } from "./tensor.js";

/** Last layer kept: the 7x7x1280 ReLU6 map (at 224 px) before nsfwjs' pooling and classifier head. */
const FEATURE_LAYER = "out_relu";
const FEATURE_DIM = 1280;

export interface MobileNetOptions {
  /** Input side in pixels (default 224, the size it was trained at; smaller is faster, e.g. 96 or 128). */
  readonly inputSize?: number;
  /** Images per forward pass (default 16). */
  readonly batchSize?: number;
}

interface KerasLayerJson {
  name: string;
  class_name: string;
  config: { batch_input_shape?: (number | null)[] };
  inbound_nodes: unknown[];
}

interface KerasTopology {
  model_config: {
    config: { layers: KerasLayerJson[]; output_layers: unknown[]; input_layers: unknown[] };
  };
}

/**
 * MobileNetV2 (alpha 1.0) from the `nsfwjs` package (MIT), read from its bundled model files on disk.
 * Features: the 1280-d global average of the last convolutional map (`out_relu`), not nsfwjs' classifier.
 *
 * Provenance: the network was initialised from ImageNet weights and then fine-tuned by nsfwjs to tell
 * five kinds of content apart (drawings, hentai, neutral, porn, sexy), so its features are generic but
 * shifted toward that purpose; they are not the original ImageNet MobileNetV2 features. Weights are
 * uint8-quantised in the package. Input: RGB scaled to [0, 1], as nsfwjs feeds it.
 */
export async function loadMobileNetV2(options: MobileNetOptions = {}): Promise<Backbone> {
  // Shipped with distmatch (models/mobilenet_v2, copied from nsfwjs 4.3.0), two levels up from src/ or dist/.
  const dir = fileURLToPath(new URL("../../models/mobilenet_v2/", import.meta.url));
  const files = [path.join(dir, "model.min.js"), path.join(dir, "group1-shard1of1.min.js")];
  return mobileNetV2FromBundle({ ...readBundledModel(files[0], files[1]), weightsHash: await hashFiles(files) }, options);
}

/** The bundled model's contents: what `loadMobileNetV2` reads from disk, and the web app fetches. */
export interface MobileNetBundle {
  /** model.min.js's export: the Keras topology and weights manifest. */
  readonly topology: unknown;
  readonly manifest: tf.io.WeightsManifestConfig;
  /** group1-shard1of1.min.js's export, base64-decoded. */
  readonly shard: Uint8Array;
  /** Identifies the weights in feature-cache keys. */
  readonly weightsHash: string;
}

/** The backbone from the bundle's contents, with no file access (so it also runs in a browser). */
export async function mobileNetV2FromBundle(bundle: MobileNetBundle, options: MobileNetOptions = {}): Promise<Backbone> {
  const inputSize = options.inputSize ?? 224;
  const batchSize = options.batchSize ?? 16;
  const trimmed = trimToFeatures(bundle.topology as KerasTopology, inputSize);
  const model = await tf.loadLayersModel(memoryModelHandler(trimmed, bundle.manifest, [bundle.shard]), { strict: false });
  return {
    id: `mobilenetv2@${inputSize}`,
    weightsHash: bundle.weightsHash,
    inputSize,
    featureDim: FEATURE_DIM,
    decode: { size: inputSize, channels: 3, fit: "fill" },
    description: `MobileNetV2 from nsfwjs 4 (ImageNet-initialised, fine-tuned for content filtering), ${inputSize} px, 1280-d global average pool of ${FEATURE_LAYER}`,
    extract: (images) => extractInBatches(model, images, inputSize, batchSize),
    dispose: () => model.dispose(),
  };
}

/** The bundles are browserify UMD modules exporting the model JSON object and a base64 weight string. */
function readBundledModel(modelFile: string, shardFile: string): {
  topology: KerasTopology;
  manifest: tf.io.WeightsManifestConfig;
  shard: Uint8Array;
} {
  const require = createRequire(import.meta.url);
  const json = require(modelFile) as { modelTopology: KerasTopology; weightsManifest: tf.io.WeightsManifestConfig };
  const base64 = require(shardFile) as unknown;
  if (typeof base64 !== "string") throw new Error(`${shardFile}: expected a base64 weight string`);
  return { topology: json.modelTopology, manifest: json.weightsManifest, shard: Buffer.from(base64, "base64") };
}

/** Drops the layers after FEATURE_LAYER and frees the input size (the convolutions work at any size). */
function trimToFeatures(topology: KerasTopology, inputSize: number): KerasTopology {
  const copy = structuredClone(topology);
  const config = copy.model_config.config;
  const end = config.layers.findIndex((l) => l.name === FEATURE_LAYER);
  if (end < 0) throw new Error(`nsfwjs MobileNetV2: layer "${FEATURE_LAYER}" not found; the package layout changed`);
  config.layers = config.layers.slice(0, end + 1);
  config.output_layers = [[FEATURE_LAYER, 0, 0]];
  const input = config.layers[0];
  input.config.batch_input_shape = [null, inputSize, inputSize, 3];
  return copy;
}

async function extractInBatches(
  model: tf.LayersModel,
  images: readonly DecodedImage[],
  inputSize: number,
  batchSize: number,
): Promise<Float32Array> {
  const out = new Float32Array(images.length * FEATURE_DIM);
  for (let start = 0; start < images.length; start += batchSize) {
    const batch = images.slice(start, start + batchSize);
    const pooled = tf.tidy(() => {
      const x = imagesToTensor(batch, inputSize, 3);
      const map = model.predict(x) as tf.Tensor4D;
      return tf.mean(map, [1, 2]);
    });
    out.set(await pooled.data(), start * FEATURE_DIM);
    pooled.dispose();
  }
  return out;
}
