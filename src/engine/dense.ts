import * as tf from "./tf.js";

/**
 * A Dense layer applied to an input that needs no gradient (the raw features, or a frozen backbone's
 * output). tfjs's fused matMul computes its gradients eagerly, the input's too, and only then drops the
 * ones nobody asked for: for the first layer of a 512 → 256 MLP at batch 256 that is a wasted
 * 256×256×512 product, about a third of the step's matrix work. This runs the same _FusedMatMul kernel
 * forward (identical values) and, backward, only the kernel and bias gradients, op for op as tfjs computes
 * them (identical gradients).
 *
 * Returns null when the layer is not a plain Dense layer on a 2-D input (the caller then applies it as usual).
 */
export function denseOnConstantInput(layer: tf.layers.Layer, x: tf.Tensor): tf.Tensor | null {
  if (layer.getClassName() !== "Dense" || x.rank !== 2) return null;
  const config = layer.getConfig() as { activation?: string; useBias?: boolean };
  if (config.activation !== "linear") return null;
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  if (!layer.trainable || weights.length !== (config.useBias === false ? 1 : 2)) return null;
  const [kernel, bias] = weights;
  const input = x as tf.Tensor2D;
  // The input is saved for the backward pass: a frozen backbone's output is an intermediate tensor,
  // which the forward pass's scope would otherwise dispose before the gradient is taken.
  if (bias === undefined) {
    const withoutBias = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [k, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      save([input]);
      return {
        value: tf.fused.matMul({ a: input, b: k, activation: "linear" }),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [kernelGradient(saved[0] as tf.Tensor2D, dy)],
      };
    });
    return withoutBias(kernel);
  }
  const withBias = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [k, b, save] = args as [tf.Tensor2D, tf.Tensor, tf.GradSaveFunc];
    save([input]);
    return {
      value: tf.fused.matMul({ a: input, b: k, bias: b, activation: "linear" }),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [kernelGradient(saved[0] as tf.Tensor2D, dy), biasGradient(dy, b)],
    };
  });
  return withBias(kernel, bias);
}

/** tfjs's fused matMul gradient for b: matMul(a3D, dy, true, false) on rank-3 views, reshaped back. */
function kernelGradient(input: tf.Tensor2D, dy: tf.Tensor): tf.Tensor {
  const [rows, inDim] = input.shape;
  const outDim = dy.shape[dy.rank - 1];
  const a3 = tf.reshape(input, [1, rows, inDim]);
  const dy3 = tf.reshape(dy, [1, rows, outDim]);
  return tf.reshape(tf.matMul(a3, dy3, true, false), [inDim, outDim]);
}

/** tfjs's fused bias gradient: dy summed over the broadcast (batch) axes, reshaped to the bias. */
function biasGradient(dy: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  return tf.reshape(tf.sum(tf.reshape(dy, [1, ...dy.shape]), [0, 1]), bias.shape);
}
