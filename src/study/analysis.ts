import type { RunResult, SummaryCell, TaskSummary, VariantRecord } from "./results.js";

/** Mean and sample standard deviation (n - 1; 0 for a single value). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return { mean, std: 0 };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * Negative transfer of a multi-task variant on one task: its mean is below the single-task mean by
 * more than the seed-to-seed spread, taken as the larger of the two standard deviations. With one
 * seed there is no spread, so any drop counts.
 */
export function isNegativeTransfer(st: { mean: number; std: number }, mt: { mean: number; std: number }): boolean {
  return st.mean - mt.mean > Math.max(st.std, mt.std);
}

/** The metric value a run reached on a task, or undefined when the run did not evaluate that task. */
function runValue(run: RunResult, task: string, metric: string): number | undefined {
  return run.metrics[task]?.values[metric];
}

/**
 * Per task, every variant's mean and spread over seeds of the task's primary metric, with the
 * delta against ST and the negative-transfer flag. ST runs count for the task they trained.
 */
export function summarize(
  tasks: readonly { name: string; metric: string }[],
  variants: readonly VariantRecord[],
  runs: readonly RunResult[],
): TaskSummary[] {
  return tasks.map(({ name, metric }) => {
    const cells: Record<string, SummaryCell> = {};
    for (const variant of variants) {
      const values = runs
        .filter((r) => r.variant === variant.id && (!variant.singleTask || r.task === name))
        .map((r) => runValue(r, name, metric))
        .filter((v): v is number => v !== undefined);
      if (values.length === 0) continue;
      cells[variant.id] = { ...meanStd(values), values };
    }
    const st = cells["st"];
    if (st) {
      for (const [id, cell] of Object.entries(cells)) {
        if (id === "st") continue;
        cells[id] = {
          ...cell,
          delta: { absolute: cell.mean - st.mean, relative: st.mean === 0 ? 0 : (cell.mean - st.mean) / st.mean },
          negativeTransfer: isNegativeTransfer(st, cell),
        };
      }
    }
    return { task: name, metric, variants: cells };
  });
}

/** Delta_m per multi-task variant: mean over tasks of (M_variant - M_ST) / M_ST (higher-is-better metrics). */
export function deltaM(summary: readonly TaskSummary[]): Record<string, number> {
  const perVariant = new Map<string, number[]>();
  for (const task of summary) {
    for (const [id, cell] of Object.entries(task.variants)) {
      if (!cell.delta) continue;
      perVariant.set(id, [...(perVariant.get(id) ?? []), cell.delta.relative]);
    }
  }
  const out: Record<string, number> = {};
  for (const [id, rel] of perVariant) {
    if (rel.length === summary.length) out[id] = rel.reduce((a, b) => a + b, 0) / rel.length;
  }
  return out;
}
