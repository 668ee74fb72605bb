import type { StudyResults } from "../study/results.js";
import { verdictLabels } from "../study/statistics.js";
import { describeInformativeness } from "../relatedness/informativeness.js";

/**
 * The console summary: per task, every variant's mean ± std over (split, seed) runs, the mean paired
 * difference against ST with its 95% interval and the verdict, and the papers' point comparison.
 */
export function formatSummaryTable(results: StudyResults): string {
  const labels = new Map(results.variants.map((v) => [v.id, v.label]));
  const rows: string[][] = [["task", "metric", "variant", "mean ± std", "Δ vs ST [95% CI]", "Δ%", "verdict", "point: below ST"]];
  for (const task of results.summary) {
    for (const [id, cell] of Object.entries(task.variants)) {
      rows.push([
        task.task,
        task.metric,
        labels.get(id) ?? id,
        `${cell.mean.toFixed(4)} ± ${cell.std.toFixed(4)}`,
        cell.delta ? `${signed(cell.delta.absolute, 4)} ${interval(cell.delta.lower, cell.delta.upper, 4)}` : "",
        cell.delta ? `${signed(cell.delta.relative * 100, 2)}%` : "",
        cell.verdict ? verdictLabels[cell.verdict] : "",
        cell.belowBaseline === undefined ? "" : cell.belowBaseline ? "yes" : "no",
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd();
  const out = [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const dm = Object.entries(results.deltaM).map(
    ([id, v]) => `${labels.get(id) ?? id} ${signed(v.mean * 100, 2)}% ${interval(v.lower === null ? null : v.lower * 100, v.upper === null ? null : v.upper * 100, 2, "%")}`,
  );
  if (dm.length) out.push("", `Delta_m (Maninis et al. 2019; per pair, mean relative change vs ST over tasks) [95% CI]: ${dm.join(", ")}`);
  const paper = paperNegativeTransfer(results, labels);
  if (paper.length) out.push(`Point comparison as in the papers (MT mean below any ST mean): ${paper.join("; ")}`);
  const p = results.protocol;
  out.push(
    `pairs: ${p.splitRepeats} split repeat(s) x seeds ${p.seeds.join(", ")}; 95% t-interval over (split, seed) pairs; ` +
      `selection: ${p.selection}${p.preset ? `; preset ${p.preset}` : ""}${results.tuning ? "; coupling tuned on validation" : ""}`,
  );
  for (const r of results.relatedness) if (r.check) out.push(`relatedness check: ${describeInformativeness(r.used.from, r.used.to, r.check)}`);
  out.push(`test samples: ${results.data.test.n} per split; wall time ${results.timing.wallSeconds.toFixed(1)} s`);
  return out.join("\n");
}

/** Per MT variant, the tasks on which its mean is below ST's (the papers' definition, no interval). */
function paperNegativeTransfer(results: StudyResults, labels: ReadonlyMap<string, string>): string[] {
  const below = new Map<string, string[]>();
  for (const task of results.summary) {
    for (const [id, cell] of Object.entries(task.variants)) {
      if (cell.belowBaseline === undefined) continue;
      below.set(id, [...(below.get(id) ?? []), ...(cell.belowBaseline ? [task.task] : [])]);
    }
  }
  return [...below].map(([id, tasks]) => `${labels.get(id) ?? id}: ${tasks.length ? `negative transfer on ${tasks.join(", ")}` : "none"}`);
}

function interval(lower: number | null, upper: number | null, digits: number, unit = ""): string {
  return lower === null || upper === null ? "[n/a: 1 pair]" : `[${signed(lower, digits)}${unit}, ${signed(upper, digits)}${unit}]`;
}

function signed(v: number, digits: number): string {
  return `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;
}
