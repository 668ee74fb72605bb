import type { Task } from "../tasks/types.js";

/** Targets of one multi-class task for N samples: class index per sample, -1 = missing. */
export interface MultiClassTargets {
  readonly kind: "multiclass";
  readonly labels: Int32Array;
}

/**
 * Targets of one multi-label task for N samples, row-major [N, M]:
 * values are 0/1, mask is 1 where the label is annotated and 0 where it is missing.
 */
export interface MultiLabelTargets {
  readonly kind: "multilabel";
  readonly values: Float32Array;
  readonly mask: Float32Array;
}

export type TaskTargets = MultiClassTargets | MultiLabelTargets;

/**
 * A source: one data set, columnar. Inputs are row-major [N, ...inputShape] float32
 * (feature vectors, cached backbone features, or pixels). A task absent from `targets`
 * is not annotated by this source at all.
 */
export interface Source {
  readonly name: string;
  readonly n: number;
  readonly inputShape: readonly number[];
  readonly inputs: Float32Array;
  readonly targets: Readonly<Record<string, TaskTargets>>;
  /** Optional stable sample identifiers (file row, image path, ...). */
  readonly ids?: readonly string[];
}

/** Several sources over the same tasks and input space. */
export interface DataBundle {
  readonly tasks: readonly Task[];
  readonly inputShape: readonly number[];
  readonly inputNames?: readonly string[];
  readonly sources: readonly Source[];
}

export function inputSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
