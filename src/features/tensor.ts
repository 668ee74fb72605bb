import * as tf from "../engine/tf.js";
import type { DecodedImage } from "./image.js";

/**
 * Stacks images into a [n, size, size, channels] tensor in [0, 1]: converts grey <-> RGB and resizes
 * (bilinear) any image that is not already size x size. Call inside tf.tidy.
 */
export function imagesToTensor(images: readonly DecodedImage[], size: number, channels: 1 | 3): tf.Tensor4D {
  const tensors = images.map((img) => {
    let t: tf.Tensor3D = tf.tensor3d(img.data, [img.height, img.width, img.channels]);
    if (img.channels !== channels) t = channels === 3 ? tf.tile(t, [1, 1, 3]) : tf.mean(t, 2, true);
    if (img.width !== size || img.height !== size) t = tf.image.resizeBilinear(t, [size, size]);
    return t;
  });
  return tf.stack(tensors) as tf.Tensor4D;
}
