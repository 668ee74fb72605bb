/**
 * Re-derives the coupling defaults without reading any test data:
 * `tsx scripts/derive-defaults.ts [--out runs/derive-defaults] [--datasets soybean,zoo,penguins]`
 *
 * For each tabular built-in data set and each of its 3 split repeats, every candidate of the grid below
 * is trained as MT + coupling (seed 0) and scored by its selected checkpoint's validation score (the mean
 * over tasks of each task's primary validation metric). `tuneStudy` drops the test split as soon as the
 * data is split, so no test label is ever read. The candidate with the highest validation score averaged
 * over data sets and splits becomes the default. Budget: 32 candidates x 3 splits x 3 data sets = 288 runs.
 */
import { tuneStudy } from "../src/study/run.js";
import type { CouplingOverride } from "../src/study/config.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** The settings the README calls extensions, crossed: λ, divergence, SCA rule, stop-gradient, applyTo. */
export const derivationGrid: CouplingOverride[] = [0.1, 1].flatMap((lambda) =>
  (["kl", "cross-entropy"] as const).flatMap((divergence) =>
    (["auto", "product"] as const).flatMap((scaMode) =>
      [true, false].flatMap((stopGradient) =>
        (["missing", "all"] as const).map((applyTo) => ({ lambdaDm: lambda, lambdaSca: lambda, divergence, scaMode, stopGradient, applyTo })),
      ),
    ),
  ),
);

const outDir = arg("--out", "runs/derive-defaults");
const datasets = arg("--datasets", "soybean,zoo,penguins").split(",");
const scores: number[][] = derivationGrid.map(() => []);
for (const dataset of datasets) {
  const { tuning } = await tuneStudy({ dataset, outDir, seeds: [0], tuning: { grid: derivationGrid } }, {
    onEvent: (e) => {
      if (e.type === "tuned") process.stderr.write(`${dataset} split ${e.split}: best ${JSON.stringify(e.chosen)} (${e.score.toFixed(4)})\n`);
    },
  });
  for (const split of tuning.perSplit) split.scores.forEach((s, i) => scores[i].push(s));
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const ranked = derivationGrid.map((c, i) => ({ candidate: c, score: mean(scores[i]) })).sort((a, b) => b.score - a.score);
console.log(`| rank | λ_dm = λ_sca | divergence | SCA rule | stop-gradient | applyTo | mean validation score (${datasets.join(", ")}; 3 splits each) |`);
console.log("|---|---|---|---|---|---|---|");
ranked.forEach(({ candidate: c, score }, i) =>
  console.log(`| ${i + 1} | ${c.lambdaDm} | ${c.divergence} | ${c.scaMode} | ${c.stopGradient} | ${c.applyTo} | ${(score * 100).toFixed(2)} |`),
);
console.log(`\nchosen default: ${JSON.stringify(ranked[0].candidate)}`);
