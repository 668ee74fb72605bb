import * as tf from "../engine/tf.js";
import { Rng } from "../engine/random.js";

export interface SmallCnnOptions {
  /** [height, width, channels] of the input pixels, e.g. [28, 28, 1] or [32, 32, 3]. */
  readonly inputShape: readonly [number, number, number];
  /** Output channels of each block (default [16, 32, 64]); the output has filters.at(-1) features. */
  readonly filters?: readonly number[];
  /** Square kernel side (default 3). */
  readonly kernelSize?: number;
  /** Batch normalisation after each convolution (default true). */
  readonly batchNorm?: boolean;
  /** 2x2 pooling after each block, except when the map is already 1 px (default "max"). */
  readonly pool?: "max" | "average" | "none";
  /** Seed of the weight initialisers (default 0), so a run is repeatable. */
  readonly seed?: number;
  readonly name?: string;
}

/**
 * A small CNN trained from pixels: per block conv (same padding, He init) -> optional batch norm ->
 * ReLU -> 2x2 pool, then global average pooling to a [batch, filters.at(-1)] feature vector. It is a
 * plain tf.LayersModel, so the multi-task model builder can take it as a backbone and put a trunk and
 * heads on it. It runs on whichever backend is active (training conv weights on wasm needs the
 * kernel fixes of src/engine/kernels).
 */
export function buildSmallCnn(options: SmallCnnOptions): tf.LayersModel {
  const filters = options.filters ?? [16, 32, 64];
  if (filters.length === 0 || filters.some((f) => !Number.isInteger(f) || f < 1)) {
    throw new Error(`buildSmallCnn: filters must be positive integers, got [${filters.join(", ")}]`);
  }
  const [height, width, channels] = options.inputShape;
  if (![height, width, channels].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`buildSmallCnn: inputShape must be [height, width, channels] of positive integers, got [${options.inputShape.join(", ")}]`);
  }
  const rng = new Rng(options.seed ?? 0);
  const kernelSize = options.kernelSize ?? 3;
  const useBatchNorm = options.batchNorm ?? true;
  const pool = options.pool ?? "max";
  const input = tf.input({ shape: [height, width, channels] });
  let x: tf.SymbolicTensor = input;
  let side = Math.min(height, width);
  filters.forEach((f, i) => {
    x = tf.layers
      .conv2d({
        filters: f,
        kernelSize,
        padding: "same",
        useBias: !useBatchNorm,
        kernelInitializer: tf.initializers.heNormal({ seed: rng.seed() }),
        name: `cnn_conv${i + 1}`,
      })
      .apply(x) as tf.SymbolicTensor;
    if (useBatchNorm) x = tf.layers.batchNormalization({ name: `cnn_bn${i + 1}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `cnn_relu${i + 1}` }).apply(x) as tf.SymbolicTensor;
    if (pool !== "none" && side >= 2) {
      const layer = pool === "max" ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
      x = layer({ poolSize: 2, strides: 2, name: `cnn_pool${i + 1}` }).apply(x) as tf.SymbolicTensor;
      side = Math.floor(side / 2);
    }
  });
  const features = tf.layers.globalAveragePooling2d({ name: "cnn_gap" }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: features, name: options.name ?? "small_cnn" });
}
