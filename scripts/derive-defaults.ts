/**
 * Re-derives the coupling defaults from validation data only:
 * `tsx scripts/derive-defaults.ts [--out runs/readme]` after `tsx scripts/readme-results.ts extensions`.
 *
 * The candidates are the settings of scripts/study-settings.ts (METHOD.md's literal coupling, each
 * extension alone, the previous defaults). For every tabular built-in, split repeat and seed, each
 * candidate's MT + coupling run kept the checkpoint with the best mean primary validation metric; its
 * score is that validation value. The candidate with the highest score averaged over data sets, splits
 * and seeds becomes the default. Only each run's validation curve and selected epoch are read: the
 * runs' test metrics are dropped before scoring.
 */
import { readResults } from "../src/report/index.js";
import { selectedValidationScore } from "../src/study/run.js";
import { couplingSettings, TABULAR } from "./study-settings.js";

const outIndex = process.argv.indexOf("--out");
const outDir = outIndex >= 0 ? process.argv[outIndex + 1] : "runs/readme";

/** A run reduced to what selection may see. */
interface ValidationOnly {
  readonly curves: { readonly validation: Record<string, number> }[];
  readonly bestEpoch: number;
}

async function validationRuns(dataset: string, index: number): Promise<ValidationOnly[]> {
  const results = await readResults(`${outDir}/${dataset}-ext${index}/results.json`);
  return results.runs
    .filter((r) => r.variant === "mt+coupling")
    .map(({ curves, bestEpoch }) => ({ curves: curves.map(({ validation }) => ({ validation })), bestEpoch }));
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const rows: { label: string; perDataset: number[]; score: number }[] = [];
for (const [i, setting] of couplingSettings.entries()) {
  const perDataset: number[] = [];
  for (const dataset of TABULAR) {
    const runs = await validationRuns(dataset, i);
    perDataset.push(mean(runs.map((r) => selectedValidationScore({ history: r.curves, bestEpoch: r.bestEpoch }))));
  }
  rows.push({ label: setting.label, perDataset, score: mean(perDataset) });
}
console.log(`| coupling setting | ${TABULAR.join(" | ")} | mean |`);
console.log(`|---|${TABULAR.map(() => "---").join("|")}|---|`);
for (const r of rows) console.log(`| ${r.label} | ${r.perDataset.map((v) => (v * 100).toFixed(2)).join(" | ")} | ${(r.score * 100).toFixed(2)} |`);
const best = rows.reduce((a, b) => (b.score > a.score ? b : a));
console.log(`\nHighest mean validation score: ${best.label}`);
