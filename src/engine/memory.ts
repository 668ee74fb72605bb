import * as tf from "./tf.js";

/** Reads a tensor's values and disposes it (typed arrays must never be returned from tf.tidy). */
export async function takeData(t: tf.Tensor): Promise<Float32Array> {
  try {
    return (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
}

export function takeDataSync(t: tf.Tensor): Float32Array {
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

export function takeScalar(t: tf.Tensor): number {
  try {
    return t.dataSync()[0];
  } finally {
    t.dispose();
  }
}
