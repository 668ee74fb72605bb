import type { Task } from "../tasks/types.js";
import type { DatasetTable } from "../data/dataset.js";
import type { Relatedness } from "../relatedness/types.js";
import type { LearningRateSchedule } from "../train/trainer.js";

// Produced by lower layers, re-exported here for existing imports: progress by features, tables by data.
export type { ProgressFn } from "../features/types.js";
export type { DatasetTable, InputMatrix, InputOptions } from "../data/dataset.js";

/** A built-in real case study: where its files are, its tasks, its relatedness, its licence. */
export interface BuiltinDataset {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Licence of the data, e.g. "CC BY 4.0". */
  readonly licence: string;
  /** Where the files come from (package and path), and the original source. */
  readonly origin: string;
  readonly size: number;
  readonly tasks: readonly Task[];
  readonly representations: readonly string[];
  readonly defaultRepresentation: string;
  /** Relatedness pairs the study couples: [A (multi-class), B]. */
  readonly pairs: readonly (readonly [string, string])[];
  /** Training budget this data set needs by default (e.g. fewer epochs for a CNN on pixels); the config's own values win. */
  readonly studyDefaults?: { readonly epochs?: number; readonly batchSize?: number; readonly patience?: number; readonly learningRateSchedule?: LearningRateSchedule };
  /** Domain-knowledge relatedness, when there is any. */
  readonly priors?: () => readonly Relatedness[];
  load(): Promise<DatasetTable>;
}
