import type { DeltaMRecord, RunResult, SummaryCell, TaskSummary, VariantRecord } from "./results.js";
import { pairUp, tInterval, verdictOf, type PairKey } from "./statistics.js";

/** Mean and sample standard deviation (n - 1; 0 for a single value). */
/** The arithmetic mean; NaN for no values. */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const average = mean(values);
  if (values.length === 1) return { mean: average, std: 0 };
  const variance = values.reduce((a, v) => a + (v - average) ** 2, 0) / (values.length - 1);
  return { mean: average, std: Math.sqrt(variance) };
}

/** One run's value of one task's metric, with the (split, seed) it belongs to. */
interface Point extends PairKey {
  readonly value: number;
}

/** The points of one variant on one task, sorted by split then seed; ST runs count for their own task only. */
function pointsOf(runs: readonly RunResult[], variant: VariantRecord, task: string, metric: string): Point[] {
  return runs
    .filter((r) => r.variant === variant.id && (!variant.singleTask || r.task === task))
    .flatMap((r) => {
      const value = r.metrics[task]?.values[metric];
      return value === undefined ? [] : [{ split: r.split, seed: r.seed, value }];
    })
    .sort((a, b) => a.split - b.split || a.seed - b.seed);
}

/** The baseline every other variant is compared with: "st", else the first single-task variant. */
export function baselineId(variants: readonly VariantRecord[]): string | undefined {
  return (variants.find((v) => v.id === "st") ?? variants.find((v) => v.singleTask))?.id;
}

/**
 * Per task, every variant's mean and spread over (split, seed) of the task's primary metric; for every
 * variant but the baseline, the mean paired difference against it with a 95% t-interval over the pairs
 * (same split, same seed), the three-way verdict, and the paper's point comparison (mean below ST's).
 */
export function summarize(
  tasks: readonly { name: string; metric: string }[],
  variants: readonly VariantRecord[],
  runs: readonly RunResult[],
): TaskSummary[] {
  const baseline = baselineId(variants);
  return tasks.map(({ name, metric }) => {
    const points = new Map(variants.map((v) => [v.id, pointsOf(runs, v, name, metric)]));
    const cells: Record<string, SummaryCell> = {};
    for (const [id, list] of points) {
      if (list.length === 0) continue;
      const values = list.map((p) => p.value);
      cells[id] = { ...meanStd(values), values };
    }
    const st = baseline ? points.get(baseline) : undefined;
    if (st && st.length > 0) {
      for (const [id, list] of points) {
        if (id === baseline || list.length === 0) continue;
        const pairs = pairUp(st, list);
        if (pairs.length === 0) continue;
        const difference = tInterval(pairs.map((p) => p.b.value - p.a.value));
        const stMean = pairs.reduce((s, p) => s + p.a.value, 0) / pairs.length;
        cells[id] = {
          ...cells[id],
          delta: { absolute: difference.mean, relative: stMean === 0 ? 0 : difference.mean / stMean, lower: difference.lower, upper: difference.upper, n: difference.n },
          verdict: verdictOf(difference),
          belowBaseline: cells[id].mean < cells[baseline!].mean,
        };
      }
    }
    return { task: name, metric, variants: cells };
  });
}

/**
 * Delta_m (Maninis et al., CVPR 2019) per variant with its 95% t-interval: for every (split, seed) pair
 * the mean over tasks of (M_variant - M_ST) / M_ST (all primary metrics are higher-is-better), then the
 * interval over pairs. A pair counts only when both have every task and no ST value is 0.
 */
export function deltaM(
  tasks: readonly { name: string; metric: string }[],
  variants: readonly VariantRecord[],
  runs: readonly RunResult[],
): Record<string, DeltaMRecord> {
  const baseline = variants.find((v) => v.id === baselineId(variants));
  if (!baseline) return {};
  const out: Record<string, DeltaMRecord> = {};
  for (const variant of variants) {
    if (variant.id === baseline.id) continue;
    const perPair = new Map<string, { key: PairKey; relative: number[] }>();
    for (const { name, metric } of tasks) {
      for (const { key, a, b } of pairUp(pointsOf(runs, baseline, name, metric), pointsOf(runs, variant, name, metric))) {
        if (a.value === 0) continue;
        const id = `${key.split}/${key.seed}`;
        const entry = perPair.get(id) ?? { key, relative: [] };
        entry.relative.push((b.value - a.value) / a.value);
        perPair.set(id, entry);
      }
    }
    const complete = [...perPair.values()].filter((p) => p.relative.length === tasks.length);
    if (complete.length === 0) continue;
    const interval = tInterval(complete.map((p) => p.relative.reduce((s, r) => s + r, 0) / p.relative.length));
    out[variant.id] = { mean: interval.mean, lower: interval.lower, upper: interval.upper, n: interval.n, verdict: verdictOf(interval) };
  }
  return out;
}
