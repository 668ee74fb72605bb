import * as tf from "../engine/tf.js";
import type { Source } from "../data/types.js";
import type { Task } from "../tasks/types.js";
import type { Predictor } from "../models/multitask.js";
import { probabilities } from "../models/multitask.js";
import { multiClassMetrics, multiLabelMetrics, primaryMetric } from "../eval/metrics.js";
import type { TaskMetricsRecord } from "./records.js";

/** Probabilities per task for every row of a source, [n * headSize] row-major. */
export async function predictSource(model: Predictor, source: Source, batchSize = 512): Promise<Record<string, Float32Array>> {
  const rowSize = source.inputs.length / Math.max(source.n, 1);
  const parts: Record<string, Float32Array[]> = Object.fromEntries(model.tasks.map((t) => [t.name, []]));
  for (let start = 0; start < source.n; start += batchSize) {
    const end = Math.min(source.n, start + batchSize);
    const probs = tf.tidy(() => {
      const x = tf.tensor(source.inputs.subarray(start * rowSize, end * rowSize), [end - start, ...source.inputShape]);
      const logits = model.forward(x, false);
      return model.tasks.map((task) => probabilities(task, logits[task.name]));
    });
    for (let i = 0; i < probs.length; i++) {
      parts[model.tasks[i].name].push((await probs[i].data()) as Float32Array);
      probs[i].dispose();
    }
  }
  return Object.fromEntries(Object.entries(parts).map(([name, chunks]) => [name, concat(chunks)]));
}

function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Metrics of every task the source annotates, over annotated entries only. */
export function metricsFromProbabilities(
  tasks: readonly Task[],
  source: Source,
  probs: Readonly<Record<string, Float32Array>>,
  thresholds?: Readonly<Record<string, number[]>>,
): Record<string, TaskMetricsRecord> {
  const out: Record<string, TaskMetricsRecord> = {};
  for (const task of tasks) {
    const targets = source.targets[task.name];
    const p = probs[task.name];
    if (!targets || !p) continue;
    if (task.kind === "multiclass" && targets.kind === "multiclass") {
      const m = multiClassMetrics(p, targets.labels, task.classes.length);
      if (m.n === 0) continue;
      out[task.name] = {
        kind: "multiclass",
        primary: primaryMetric("multiclass"),
        values: { accuracy: m.accuracy, macroF1: m.macroF1 },
        confusion: m.confusion,
        n: m.n,
      };
    } else if (task.kind === "multilabel" && targets.kind === "multilabel") {
      const m = multiLabelMetrics(p, targets.values, targets.mask, task.labels.length, thresholds?.[task.name]);
      if (m.n === 0) continue;
      out[task.name] = {
        kind: "multilabel",
        primary: primaryMetric("multilabel"),
        values: { score: m.score, meanF1: m.meanF1, meanAccuracy: m.meanAccuracy },
        perLabelF1: m.perLabelF1,
        n: m.n,
      };
    }
  }
  return out;
}

export async function evaluateSource(
  model: Predictor,
  source: Source,
  thresholds?: Readonly<Record<string, number[]>>,
): Promise<Record<string, TaskMetricsRecord>> {
  return metricsFromProbabilities(model.tasks, source, await predictSource(model, source), thresholds);
}

/**
 * Mean supervised loss per task on a labelled source (cross-entropy over labelled samples, BCE over
 * annotated entries), summed over tasks: the smooth signal early stopping watches by default.
 */
export function supervisedLossFromProbabilities(tasks: readonly Task[], source: Source, probs: Readonly<Record<string, Float32Array>>, eps = 1e-7): number | null {
  let total = 0;
  let counted = 0;
  for (const task of tasks) {
    const targets = source.targets[task.name];
    const p = probs[task.name];
    if (!targets || !p) continue;
    let sum = 0;
    let n = 0;
    if (targets.kind === "multiclass") {
      const K = p.length / Math.max(source.n, 1);
      targets.labels.forEach((k, i) => {
        if (k < 0) return;
        sum -= Math.log(Math.max(p[i * K + k], eps));
        n++;
      });
    } else {
      targets.mask.forEach((m, i) => {
        if (m <= 0) return;
        const q = Math.min(Math.max(p[i], eps), 1 - eps);
        sum -= targets.values[i] * Math.log(q) + (1 - targets.values[i]) * Math.log(1 - q);
        n++;
      });
    }
    if (n === 0) continue;
    total += sum / n;
    counted++;
  }
  return counted === 0 ? null : total;
}

/** The primary metric of each evaluated task, e.g. { disease: 0.83, symptoms: 0.71 }. */
export function primaryValues(metrics: Readonly<Record<string, TaskMetricsRecord>>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([task, m]) => [task, m.values[m.primary]]));
}
