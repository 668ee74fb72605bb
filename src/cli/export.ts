import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { readResults } from "../report/load.js";
import type { StudyResults } from "../study/results.js";
import { UsageError } from "./usage.js";
import { csvField } from "../data/cells.js";

function cell(value: string | number | boolean | undefined): string {
  return csvField(value === undefined ? "" : String(value));
}

const csv = (rows: readonly (readonly (string | number | boolean | undefined)[])[]): string => rows.map((r) => r.map(cell).join(",")).join("\n") + "\n";

/** One row per run, task and metric: every number of every seed, as results.json has it. */
export function runsTable(results: StudyResults): string {
  const rows: (string | number | boolean | undefined)[][] = [["variant", "seed", "trained_task", "task", "metric", "value", "primary", "n", "best_epoch", "epochs", "wall_seconds"]];
  for (const run of results.runs) {
    for (const [task, m] of Object.entries(run.metrics)) {
      for (const [metric, value] of Object.entries(m.values)) {
        rows.push([run.variant, run.seed, run.task, task, metric, value, metric === m.primary, m.n, run.bestEpoch, run.epochs, run.wallSeconds]);
      }
    }
  }
  return csv(rows);
}

/** One row per task and variant: mean and spread over seeds, change against ST, the paired 95% interval and the verdict. */
export function summaryTable(results: StudyResults): string {
  const rows: (string | number | boolean | undefined)[][] = [["task", "metric", "variant", "mean", "std", "seeds", "values", "delta_vs_st", "relative_delta_vs_st", "delta_ci_lower", "delta_ci_upper", "pairs", "verdict", "delta_m"]];
  for (const task of results.summary) {
    for (const [variant, c] of Object.entries(task.variants)) {
      rows.push([task.task, task.metric, variant, c.mean, c.std, c.values.length, c.values.join(";"), c.delta?.absolute, c.delta?.relative, c.delta?.lower ?? undefined, c.delta?.upper ?? undefined, c.delta?.n, c.verdict, results.deltaM[variant]?.mean]);
    }
  }
  return csv(rows);
}

/** `distmatch export <runDir> --csv`: writes runs.csv and summary.csv next to results.json (or into --out). */
export async function exportCommand(runDir: string, flags: { csv?: boolean; out?: string }): Promise<void> {
  if (!flags.csv) throw new UsageError("export: choose a format, e.g. --csv");
  const resultsFile = runDir.endsWith(".json") ? runDir : path.join(runDir, "results.json");
  const results = await readResults(resultsFile);
  const dir = flags.out ?? path.dirname(resultsFile);
  const files = { "runs.csv": runsTable(results), "summary.csv": summaryTable(results) };
  for (const [name, text] of Object.entries(files)) {
    await writeFileAtomic(path.join(dir, name), text);
    process.stdout.write(`${path.join(dir, name)}\n`);
  }
}
