import type * as tf from "../engine/tf.js";

/** Batch targets of a multi-class task: one-hot [B, K] and mask [B] (1 = labelled). */
export interface MultiClassBatchTargets {
  readonly kind: "multiclass";
  readonly oneHot: tf.Tensor2D;
  readonly mask: tf.Tensor1D;
}

/** Batch targets of a multi-label task: values [B, M] in {0,1} and mask [B, M] (1 = annotated). */
export interface MultiLabelBatchTargets {
  readonly kind: "multilabel";
  readonly values: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
}

export type BatchTargets = MultiClassBatchTargets | MultiLabelBatchTargets;

/** One training batch: inputs [B, ...inputShape] and per task its targets (always present, masked). */
export interface Batch {
  readonly inputs: tf.Tensor;
  readonly targets: Readonly<Record<string, BatchTargets>>;
  readonly size: number;
}
