import { z } from "zod";
import { epochRecordSchema, taskMetricsSchema } from "../train/records.js";

/**
 * The schema of `results.json`, the one artefact a study leaves behind. The report is built
 * from this file alone, so everything a person needs to judge the study is in here.
 */

const taskSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("multiclass"), name: z.string(), classes: z.array(z.string()) }),
  z.object({ kind: z.literal("multilabel"), name: z.string(), labels: z.array(z.string()) }),
]);

const matrix = z.array(z.array(z.number()));

const directionScoreSchema = z.object({ accuracy: z.number(), baseline: z.number(), n: z.number() });
export const relatednessCheckSchema = z.object({
  on: z.literal("validation"),
  matrices: z.number(),
  classFromLabels: directionScoreSchema,
  labelsFromClass: directionScoreSchema,
});

export const relatednessSchema = z.object({
  from: z.string(),
  to: z.string(),
  toKind: z.enum(["multilabel", "multiclass"]),
  rows: z.array(z.string()),
  columns: z.array(z.string()),
  values: matrix,
  support: matrix.optional(),
  origin: z.string().optional(),
});

export const runResultSchema = z.object({
  variant: z.string(),
  /** Split repeat (0, 1, ...): the data was split with split.seed + split; ST and MT runs pair by (split, seed). */
  split: z.number().int().nonnegative(),
  seed: z.number(),
  /** For single-task variants: the one task this run trains. */
  task: z.string().optional(),
  metrics: z.record(z.string(), taskMetricsSchema),
  curves: z.array(epochRecordSchema),
  bestEpoch: z.number(),
  epochs: z.number(),
  wallSeconds: z.number(),
});

export const variantSchema = z.object({
  id: z.string(),
  label: z.string(),
  description: z.string(),
  singleTask: z.boolean(),
});

export const verdictSchema = z.enum(["better", "no-difference", "negative-transfer"]);

export const summaryCellSchema = z.object({
  /** Mean and sample std over (split, seed) runs; values sorted by split, then seed. */
  mean: z.number(),
  std: z.number(),
  values: z.array(z.number()),
  /**
   * Against the baseline (ST) of the same task, absent for ST itself: the mean paired difference over
   * (split, seed) pairs, its 95% t-interval (null bounds with one pair), relative = absolute / ST mean.
   */
  delta: z
    .object({ absolute: z.number(), relative: z.number(), lower: z.number().nullable(), upper: z.number().nullable(), n: z.number().int() })
    .optional(),
  /** better: interval above 0; negative-transfer: interval below 0; else no-difference. */
  verdict: verdictSchema.optional(),
  /** The papers' point comparison: the mean is below ST's mean (no interval). */
  belowBaseline: z.boolean().optional(),
});

export const deltaMSchema = z.object({
  mean: z.number(),
  lower: z.number().nullable(),
  upper: z.number().nullable(),
  /** Number of (split, seed) pairs. */
  n: z.number().int(),
  verdict: verdictSchema,
});

/** How the study was run and judged, so a reader of results.json need not know the defaults. */
export const protocolSchema = z.object({
  /** Split repeats (split seeds split.seed, split.seed + 1, ...) times seeds. */
  splitRepeats: z.number().int().positive(),
  seeds: z.array(z.number()),
  /** Checkpoint selection: mean over the model's tasks of each task's primary validation metric. */
  selection: z.string(),
  interval: z.object({ method: z.literal("t"), level: z.number(), over: z.literal("(split, seed) pairs") }),
  /** Named preset the coupling settings came from, if any. */
  preset: z.string().optional(),
});

/** Validation-only selection of the coupling settings, per split repeat. */
export const tuningSchema = z.object({
  grid: z.array(z.record(z.string(), z.unknown())),
  seeds: z.array(z.number()),
  variant: z.string(),
  /** How candidates were scored (absent in files from before the option: "mean"). */
  criterion: z.enum(["mean", "worst-task"]).optional(),
  perSplit: z.array(
    z.object({
      split: z.number().int(),
      /** Per grid entry: mean over tuning seeds of the criterion's value at the selected checkpoint. */
      scores: z.array(z.number()),
      chosen: z.number().int(),
    }),
  ),
});

export const taskSummarySchema = z.object({
  task: z.string(),
  metric: z.string(),
  variants: z.record(z.string(), summaryCellSchema),
});

export const studyResultsSchema = z.object({
  schemaVersion: z.literal(2),
  name: z.string(),
  configHash: z.string(),
  config: z.record(z.string(), z.unknown()),
  software: z.record(z.string(), z.string()),
  data: z.object({
    tasks: z.array(taskSchema),
    inputShape: z.array(z.number()),
    /** Per training source: size and how many samples carry each task. */
    sources: z.array(z.object({ name: z.string(), n: z.number(), annotated: z.record(z.string(), z.number()) })),
    validation: z.object({ n: z.number() }),
    test: z.object({ n: z.number() }),
    description: z.string().optional(),
    licence: z.string().optional(),
  }),
  relatedness: z.array(
    z.object({
      method: z.enum(["file", "prior", "overlap", "predictions", "none"]),
      used: relatednessSchema,
      /** When both exist: the given (file/prior) matrix and one estimated from data, for comparison. */
      given: relatednessSchema.optional(),
      estimated: relatednessSchema.optional(),
      /** What R tells before training, on validation samples with both labels (src/relatedness/informativeness.ts). */
      check: relatednessCheckSchema.optional(),
    }),
  ),
  seeds: z.array(z.number()),
  protocol: protocolSchema,
  tuning: tuningSchema.optional(),
  variants: z.array(variantSchema),
  runs: z.array(runResultSchema),
  summary: z.array(taskSummarySchema),
  /** Delta_m per MT variant: per pair the mean over tasks of (M_variant - M_ST) / M_ST; mean and 95% t-interval over pairs. */
  deltaM: z.record(z.string(), deltaMSchema),
  timing: z.object({ startedAt: z.string(), finishedAt: z.string(), wallSeconds: z.number() }),
});

export type StudyResults = z.infer<typeof studyResultsSchema>;
export type RunResult = z.infer<typeof runResultSchema>;
export type TaskSummary = z.infer<typeof taskSummarySchema>;
export type SummaryCell = z.infer<typeof summaryCellSchema>;
export type VariantRecord = z.infer<typeof variantSchema>;
export type DeltaMRecord = z.infer<typeof deltaMSchema>;
export type TuningRecord = z.infer<typeof tuningSchema>;
export type VerdictRecord = z.infer<typeof verdictSchema>;

// Produced by training and evaluation (src/train/records.ts); re-exported for existing imports.
export { epochRecordSchema, taskMetricsSchema, type EpochRecord, type TaskMetricsRecord } from "../train/records.js";
