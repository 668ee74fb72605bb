import { z } from "zod";

/** What training and evaluation produce, per epoch and per task; study results embed them (study/results.ts). */
const matrix = z.array(z.array(z.number()));

/** Metrics of one task on the test set. Multi-class: accuracy, macroF1; multi-label: meanF1, meanAccuracy, score. */
export const taskMetricsSchema = z.object({
  kind: z.enum(["multiclass", "multilabel"]),
  /** Name of the metric the study compares variants on (accuracy / score by default). */
  primary: z.string(),
  values: z.record(z.string(), z.number()),
  /** Multi-class only: rows = true class, columns = predicted class. */
  confusion: matrix.optional(),
  /** Multi-label only: F1 per label, in the task's label order; null where no test entry was annotated. */
  perLabelF1: z.array(z.number().nullable()).optional(),
  /** Number of annotated test samples (multi-class) or annotated entries (multi-label). */
  n: z.number(),
});

export const epochRecordSchema = z.object({
  epoch: z.number(),
  /** Mean training value of each objective term ("sup:<task>", "dm:<a>-><b>", "sca:<a><-<b>", "co:...", "total"). */
  losses: z.record(z.string(), z.number()),
  /** Validation value of each task's primary metric. */
  validation: z.record(z.string(), z.number()),
  /** Summed supervised loss on the validation set (what early stopping watches by default). */
  validationLoss: z.number().optional(),
  seconds: z.number(),
});

export type TaskMetricsRecord = z.infer<typeof taskMetricsSchema>;
export type EpochRecord = z.infer<typeof epochRecordSchema>;
