import type { StudyResults } from "../study/results.js";

/** The console summary: per task, every variant's mean ± std over seeds, delta vs ST and the negative-transfer flag. */
export function formatSummaryTable(results: StudyResults): string {
  const labels = new Map(results.variants.map((v) => [v.id, v.label]));
  const rows: string[][] = [["task", "metric", "variant", "mean ± std", "Δ vs ST", "Δ%", "neg. transfer"]];
  for (const task of results.summary) {
    for (const [id, cell] of Object.entries(task.variants)) {
      rows.push([
        task.task,
        task.metric,
        labels.get(id) ?? id,
        `${cell.mean.toFixed(4)} ± ${cell.std.toFixed(4)}`,
        cell.delta ? signed(cell.delta.absolute, 4) : "",
        cell.delta ? `${signed(cell.delta.relative * 100, 2)}%` : "",
        cell.negativeTransfer === undefined ? "" : cell.negativeTransfer ? "YES" : "no",
      ]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd();
  const out = [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const dm = Object.entries(results.deltaM).map(([id, v]) => `${labels.get(id) ?? id} ${signed(v * 100, 2)}%`);
  if (dm.length) out.push("", `Delta_m (mean relative change vs ST over tasks): ${dm.join(", ")}`);
  out.push(`seeds: ${results.seeds.join(", ")}; test samples: ${results.data.test.n}; wall time ${results.timing.wallSeconds.toFixed(1)} s`);
  return out.join("\n");
}

function signed(v: number, digits: number): string {
  return `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`;
}
