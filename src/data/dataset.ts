import type { Task } from "../tasks/types.js";
import type { TaskTargets } from "./types.js";

export interface InputOptions {
  /** Input representation, one of the dataset's `representations` (e.g. "features", "pixels", "mobilenetv2"). */
  readonly representation?: string;
  /** Where cached backbone features live (default ".cache/distmatch"). */
  readonly cacheDir?: string;
  /** Progress of long work (feature extraction, decoding): done of total, with a short label. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface InputMatrix {
  readonly inputShape: readonly number[];
  /** Row-major [n, ...inputShape]. */
  readonly inputs: Float32Array;
  readonly inputNames?: readonly string[];
  /** What produced the inputs, for the report (e.g. "12 numeric + one-hot of 3 categorical columns"). */
  readonly description: string;
}

/**
 * A fully loaded data set, before any split: its tasks, its targets (a cell may already be missing),
 * and a way to build inputs whose fitted preprocessing (one-hot vocabularies, standardisation)
 * sees only the training rows.
 */
export interface DatasetTable {
  readonly tasks: readonly Task[];
  readonly n: number;
  readonly targets: Readonly<Record<string, TaskTargets>>;
  readonly ids?: readonly string[];
  /** Samples sharing a group id are kept on the same side of every split (e.g. one emoji drawn by two vendors). */
  readonly groups?: Int32Array;
  /**
   * Natural sources, when the data set has them (e.g. two vendors' emoji art): sample i belongs to
   * domain domainOf[i], and in training that domain keeps only the tasks listed in annotates[domain].
   * Without it, a study makes the non-overlapping setting by splitting (METHOD.md section 5).
   */
  readonly domains?: {
    readonly names: readonly string[];
    readonly domainOf: Int32Array;
    readonly annotates: Readonly<Record<string, readonly string[]>>;
  };
  inputs(trainRows: readonly number[], options?: InputOptions): Promise<InputMatrix>;
  /**
   * Targets whose fitted parts (e.g. thresholds that binarise a measurement) see only the training
   * rows; a study uses these in place of `targets` once the split is known. Absent when no target is fitted.
   */
  fitTargets?(trainRows: readonly number[]): Readonly<Record<string, TaskTargets>>;
}
