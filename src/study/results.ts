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

export const summaryCellSchema = z.object({
  mean: z.number(),
  std: z.number(),
  values: z.array(z.number()),
  /** Against the ST variant of the same task; absent for ST itself. */
  delta: z.object({ absolute: z.number(), relative: z.number() }).optional(),
  /** Below ST by more than the seed-to-seed spread. */
  negativeTransfer: z.boolean().optional(),
});

export const taskSummarySchema = z.object({
  task: z.string(),
  metric: z.string(),
  variants: z.record(z.string(), summaryCellSchema),
});

export const studyResultsSchema = z.object({
  schemaVersion: z.literal(1),
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
    }),
  ),
  seeds: z.array(z.number()),
  variants: z.array(variantSchema),
  runs: z.array(runResultSchema),
  summary: z.array(taskSummarySchema),
  /** Delta_m per MT variant: mean over tasks of (M_variant - M_ST) / M_ST. */
  deltaM: z.record(z.string(), z.number()),
  timing: z.object({ startedAt: z.string(), finishedAt: z.string(), wallSeconds: z.number() }),
});

export type StudyResults = z.infer<typeof studyResultsSchema>;
export type RunResult = z.infer<typeof runResultSchema>;
export type TaskSummary = z.infer<typeof taskSummarySchema>;
export type SummaryCell = z.infer<typeof summaryCellSchema>;
export type VariantRecord = z.infer<typeof variantSchema>;

// Produced by training and evaluation (src/train/records.ts); re-exported for existing imports.
export { epochRecordSchema, taskMetricsSchema, type EpochRecord, type TaskMetricsRecord } from "../train/records.js";
