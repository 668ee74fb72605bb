import * as tf from "../tf.js";

export interface BatchNormParams {
  /** Learned scale (gamma), shape [C]; omitted = 1. */
  readonly scale?: tf.Tensor1D;
  /** Learned offset (beta), shape [C]; omitted = 0. */
  readonly offset?: tf.Tensor1D;
  readonly epsilon?: number;
}

export interface BatchNormResult {
  readonly y: tf.Tensor;
  /** Batch mean and (biased) variance over all axes but the last, for moving averages. */
  readonly mean: tf.Tensor1D;
  readonly variance: tf.Tensor1D;
}

/**
 * Training-mode batch normalisation over the last axis, written with mean, subtract, square and rsqrt only,
 * so its gradient needs no Tile (the stock wasm Tile is slow; with the fast path installed tf.batchNorm is
 * fine too). Numerically the same as tf.batchNorm with the batch moments.
 */
export function batchNormFromPrimitives(x: tf.Tensor, params: BatchNormParams = {}): BatchNormResult {
  const epsilon = params.epsilon ?? 1e-3;
  const axes = [...Array(x.rank - 1).keys()];
  return tf.tidy(() => {
    const mean = tf.mean(x, axes) as tf.Tensor1D;
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axes) as tf.Tensor1D;
    let y = tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon)));
    if (params.scale) y = tf.mul(y, params.scale);
    if (params.offset) y = tf.add(y, params.offset);
    return { y, mean, variance };
  });
}
