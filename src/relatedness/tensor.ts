import * as tf from "../engine/tf.js";
import type { Relatedness } from "./types.js";

/** R's values as a float32 [K, M] tensor, in R's row/column order (align it to the tasks first). */
export function relatednessToTensor(R: Relatedness): tf.Tensor2D {
  return tf.tensor2d(
    R.values.map((row) => [...row]),
    [R.rows.length, R.columns.length],
    "float32",
  );
}
