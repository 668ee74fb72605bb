import type * as tf from "../engine/tf.js";
import { buildSmallCnn } from "../models/cnn.js";

/**
 * The backbone a study puts under the trunk: none for feature vectors (the trunk is an MLP on them),
 * a small CNN trained end to end for pixel inputs [H, W, C].
 */
export function makeBackbone(inputShape: readonly number[], seed: number): tf.LayersModel | undefined {
  if (inputShape.length !== 3) return undefined;
  return buildSmallCnn({ inputShape: [inputShape[0], inputShape[1], inputShape[2]], seed });
}
