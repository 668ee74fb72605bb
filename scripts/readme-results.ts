/**
 * Runs the studies behind the README's results section and prints its tables (Markdown):
 * `tsx scripts/readme-results.ts SECTION... [--out runs/readme] [--jobs N]`, sections: default, weighting,
 * tuned, scarce, scarce-tuned, scarce-worst-task, scarce-known, scarce-heads, extensions, images, images-weighting. Runs are cached in <out>/cache, so a section that shares ST or MT runs with
 * another (same data, split, seed and training budget) reuses them, and a rerun only prints.
 * Every study uses the default protocol (3 split repeats x seeds 0, 1, 2); the image studies train on the native
 * engine (`--engine torch`, needs libtorch-dev: see native/).
 */
import * as path from "node:path";
import { describeInformativeness } from "../src/relatedness/informativeness.js";
import { estimateFromAnnotations, saveRelatedness } from "../src/relatedness/index.js";
import { getDataset } from "../src/datasets/index.js";
import { splitTrainValTest } from "../src/data/splits.js";
import type { MultiClassTargets, TaskTargets } from "../src/data/types.js";
import { runStudy, selectedValidationScore } from "../src/study/run.js";
import { mean } from "../src/study/analysis.js";
import { defaultTuningGrid, parseStudyConfig, type StudyConfigInput } from "../src/study/config.js";
import type { StudyResults } from "../src/study/results.js";
import { getVariant, variantIds } from "../src/study/variants.js";
import { resultsMarkdown } from "./results-markdown.js";
import { couplingSettings, TABULAR } from "./study-settings.js";
import { pairUp, tInterval, verdictLabels, verdictOf, type MeanInterval } from "../src/study/statistics.js";

/** The mean paired difference (variant - baseline) of one task's metric over (split, seed), with its t-interval. */
function pairedDifference(r: StudyResults, baseline: string, variant: string, task: string, metric: string): MeanInterval {
  const points = (id: string) => r.runs.filter((run) => run.variant === id).map((run) => ({ split: run.split, seed: run.seed, value: run.metrics[task].values[metric] }));
  return tInterval(pairUp(points(baseline), points(variant)).map((p) => p.b.value - p.a.value));
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}
const outDir = option("--out") ?? "runs/readme";
const jobs = Number(option("--jobs") ?? 1);
const sections = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && !all[i - 1]?.startsWith("--"));

async function study(config: StudyConfigInput): Promise<StudyResults> {
  const started = Date.now();
  const { results } = await runStudy({ outDir, ...config }, { runsDir: `${outDir}/cache`, jobs });
  process.stderr.write(`${config.name}: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return results;
}

const pct = (v: number | null): string => (v === null ? "n/a" : `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(1)}`);

/** Per task: a variant's mean paired difference against plain MT with its interval and verdict. */
function againstPlainMt(r: StudyResults, variant: string): string {
  return r.summary
    .map((t) => {
      const d = pairedDifference(r, "mt", variant, t.task, t.metric);
      return `${t.task} ${pct(d.mean)} [${pct(d.lower)}, ${pct(d.upper)}] (${verdictLabels[verdictOf(d)]})`;
    })
    .join("; ");
}

/** The relatedness check of every coupled pair (src/relatedness/informativeness.ts), as one line. */
function relatednessChecks(r: StudyResults): string {
  return `What R tells before training: ${r.relatedness.flatMap((x) => (x.check ? [describeInformativeness(x.used.from, x.used.to, x.check)] : [])).join("; ")}.`;
}

/** One compact line per study: Δm [CI] and each task's paired Δ [CI] with its verdict. */
function verdictCells(r: StudyResults, variant: string): string[] {
  const dm = r.deltaM[variant];
  const tasks = r.summary.map((t) => {
    const c = t.variants[variant];
    const mark = c?.verdict === "negative-transfer" ? " **NT**" : c?.verdict === "better" ? " ▲" : "";
    return c?.delta ? `${t.task} ${pct(c.delta.absolute)} [${pct(c.delta.lower)}, ${pct(c.delta.upper)}]${mark}` : "";
  });
  return [dm ? `${pct(dm.mean)}% [${pct(dm.lower)}, ${pct(dm.upper)}]` : "", tasks.join("; ")];
}

/** The paper's variants: ST, MT, MT + coupling and its ablations. */
const COUPLING_VARIANTS = ["st", "mt", "mt+coupling", "dm", "sca", "co"];
/** The loss-weighting baselines, alone and with coupling, beside ST, MT and MT + coupling. */
const WEIGHTING_VARIANTS = ["st", "mt", "mt+coupling", ...variantIds.filter((v) => getVariant(v).weighting !== undefined)];

async function defaults(): Promise<void> {
  console.log("### Default settings\n");
  console.log(`\`distmatch study --dataset NAME --variants ${COUPLING_VARIANTS.join(",")}\` (3 splits × 3 seeds):\n`);
  for (const dataset of TABULAR) console.log(resultsMarkdown(await study({ name: dataset, dataset, variants: COUPLING_VARIANTS })));
}

async function weighting(): Promise<void> {
  console.log("### Loss-weighting baselines beside coupling\n");
  console.log(`\`distmatch study --dataset NAME --variants ${WEIGHTING_VARIANTS.join(",")}\` (3 splits × 3 seeds):\n`);
  for (const dataset of TABULAR) console.log(resultsMarkdown(await study({ name: `${dataset}-weighting`, dataset, variants: WEIGHTING_VARIANTS })));
}

async function tuned(): Promise<void> {
  console.log("### Coupling chosen on validation data (`--tune`)\n");
  console.log(`\`distmatch study --dataset NAME --tune\` (the default ${defaultTuningGrid.length}-candidate grid, chosen per split on the validation split):\n`);
  for (const dataset of TABULAR) {
    const r = await study({ name: `${dataset}-tuned`, dataset, variants: ["st", "mt", "mt+coupling"], tuning: {} });
    const chosen = r.tuning!.perSplit.map((s) => JSON.stringify(r.tuning!.grid[s.chosen])).join("; ");
    console.log(resultsMarkdown(r) + `Chosen per split: ${chosen}\n`);
  }
}

async function scarce(tuned = false, criterion: "mean" | "worst-task" = "mean"): Promise<void> {
  const worst = criterion === "worst-task";
  console.log(`### Scarce labels for the first task (\`--ratio 1:10\`${tuned ? `, coupling chosen on validation${worst ? " by the worst task" : ""}` : ""})\n`);
  const ratios: Record<string, number[]> = { soybean: [1, 10], penguins: [1, 10, 10] };
  for (const [dataset, ratio] of Object.entries(ratios)) {
    console.log(`\`distmatch study --dataset ${dataset} --ratio ${ratio.join(":")} --variants st,mt,mt+coupling${tuned ? (worst ? " --tune-criterion worst-task" : " --tune") : ""}\`:\n`);
    const name = `${dataset}-scarce${tuned ? "-tuned" : ""}${worst ? "-worst" : ""}`;
    const r = await study({ name, dataset, variants: ["st", "mt", "mt+coupling"], split: { ratio }, ...(tuned ? { tuning: { criterion } } : {}) });
    console.log(resultsMarkdown(r));
    const gain = r.summary.map((t) => {
      const st = t.variants["st"];
      const mt = t.variants["mt"];
      const mc = t.variants["mt+coupling"];
      if (!st || !mt || !mc) return "";
      return `${t.task} ${pct(mc.delta!.absolute)} [${pct(mc.delta!.lower)}, ${pct(mc.delta!.upper)}] (${verdictLabels[mc.verdict!]})`;
    });
    console.log(`MT + coupling against ST (points, 95% CI): ${gain.join("; ")}.  `);
    console.log(`MT + coupling against plain MT (paired by split and seed, points, 95% CI): ${againstPlainMt(r, "mt+coupling")}.  `);
    console.log(`${relatednessChecks(r)}\n`);
  }
}

/**
 * R files as a domain expert could give them: estimated from both labels of every row that is in no
 * split's test part (these data sets are fully annotated). A ceiling for R's quality, not a setting a
 * user with scarce labels could estimate; the test rows never enter R.
 */
async function knownRelatedness(dataset: string, pairs: readonly (readonly [string, string])[]): Promise<string[]> {
  const table = await getDataset(dataset).load();
  const defaults = parseStudyConfig({ dataset });
  const inTest = new Set<number>();
  for (let split = 0; split < defaults.split.repeats; split++) {
    const parts = splitTrainValTest(table.n, { validation: defaults.split.validation, test: defaults.split.test, seed: defaults.split.seed + split, ...(table.groups ? { groups: table.groups } : {}) });
    for (const r of parts.test) inTest.add(r);
  }
  const files: string[] = [];
  for (const [a, b] of pairs) {
    const from = table.tasks.find((t) => t.name === a)!;
    const to = table.tasks.find((t) => t.name === b)!;
    const R = estimateFromAnnotations(withoutRows(table.targets[a], table.n, inTest) as MultiClassTargets, withoutRows(table.targets[b], table.n, inTest), from, to);
    const file = path.resolve(outDir, "relatedness", `${dataset}-${a}-${b}.json`);
    await saveRelatedness(file, { ...R, origin: `both labels of the ${table.n - inTest.size} rows in no split's test part` });
    files.push(file);
  }
  return files;
}

/** The targets of n rows with the given rows' labels removed (missing). */
function withoutRows(t: TaskTargets, n: number, rows: ReadonlySet<number>): TaskTargets {
  if (t.kind === "multiclass") return { kind: "multiclass", labels: t.labels.map((k, i) => (rows.has(i) ? -1 : k)) };
  const width = t.mask.length / n;
  const mask = Float32Array.from(t.mask);
  for (const r of rows) mask.fill(0, r * width, (r + 1) * width);
  return { kind: "multilabel", values: t.values, mask };
}

async function scarceKnown(): Promise<void> {
  console.log("### Scarce labels with relatedness as good as full annotation gives (a ceiling)\n");
  const ratios: Record<string, number[]> = { soybean: [1, 10], penguins: [1, 10, 10] };
  const variants = ["st", "mt", "mt+coupling", "sca", "co"];
  for (const [dataset, ratio] of Object.entries(ratios)) {
    const files = await knownRelatedness(dataset, getDataset(dataset).pairs);
    console.log(`\`distmatch study --dataset ${dataset} --ratio ${ratio.join(":")} --variants ${variants.join(",")} --relatedness-file ${files.map((f) => path.relative(process.cwd(), f)).join(",")}\`:\n`);
    const r = await study({ name: `${dataset}-scarce-known`, dataset, variants, split: { ratio }, relatedness: { method: "file", file: files } });
    console.log(resultsMarkdown(r));
    for (const id of variants.filter((v) => v !== "st" && v !== "mt")) {
      const label = r.variants.find((v) => v.id === id)!.label;
      console.log(`${label} against plain MT (paired, points, 95% CI): ${againstPlainMt(r, id)}.  `);
    }
    console.log(`${relatednessChecks(r)}\n`);
    console.log(`The same with coupling chosen on validation by the worst task (\`--tune-criterion worst-task\`):\n`);
    const tuned = await study({ name: `${dataset}-scarce-known-tuned`, dataset, variants: ["st", "mt", "mt+coupling"], split: { ratio }, relatedness: { method: "file", file: files }, tuning: { criterion: "worst-task" } });
    console.log(resultsMarkdown(tuned));
    const chosen = tuned.tuning!.perSplit.map((x) => JSON.stringify(tuned.tuning!.grid[x.chosen])).join("; ");
    console.log(`MT + coupling against plain MT (paired, points, 95% CI): ${againstPlainMt(tuned, "mt+coupling")}. Chosen per split: ${chosen}\n`);
  }
}

/**
 * Task-specific capacity chosen on validation: each scarce setting runs with linear heads and with one
 * hidden layer of 32 per head (`--head-hidden 32`); the one whose MT + coupling has the higher mean
 * selected validation score over (split, seed) is reported. Test metrics play no part in the choice.
 */
async function scarceHeads(): Promise<void> {
  console.log("### Scarce labels, head layers chosen on validation\n");
  const settings: { dataset: string; ratio: number[]; known: boolean }[] = [
    { dataset: "soybean", ratio: [1, 10], known: false },
    { dataset: "penguins", ratio: [1, 10, 10], known: false },
    { dataset: "soybean", ratio: [1, 10], known: true },
    { dataset: "penguins", ratio: [1, 10, 10], known: true },
  ];
  const variants = ["st", "mt", "mt+coupling"];
  for (const { dataset, ratio, known } of settings) {
    const relatedness = known ? { relatedness: { method: "file" as const, file: await knownRelatedness(dataset, getDataset(dataset).pairs) } } : {};
    const name = `${dataset}-scarce${known ? "-known" : ""}`;
    const candidates: { headHidden: number[]; r: StudyResults }[] = [];
    for (const headHidden of [[], [32]]) {
      const model = headHidden.length ? { model: { headHidden } } : {};
      candidates.push({ headHidden, r: await study({ name: `${name}${headHidden.length ? "-hh32" : ""}`, dataset, variants, split: { ratio }, ...relatedness, ...model }) });
    }
    const score = (r: StudyResults): number => mean(r.runs.filter((x) => x.variant === "mt+coupling").map((x) => selectedValidationScore({ history: x.curves, bestEpoch: x.bestEpoch })));
    const chosen = candidates.reduce((a, b) => (score(b.r) > score(a.r) ? b : a));
    const scores = candidates.map((c) => `${c.headHidden.length ? "`--head-hidden 32`" : "linear heads"} ${(score(c.r) * 100).toFixed(2)}`).join(", ");
    console.log(`\`distmatch study --dataset ${dataset} --ratio ${ratio.join(":")} --variants ${variants.join(",")}${known ? " --relatedness-file (the ceiling R above)" : ""}\`: MT + coupling's mean validation score (%): ${scores}; chosen: ${chosen.headHidden.length ? "`--head-hidden 32`" : "linear heads"}.\n`);
    console.log(resultsMarkdown(chosen.r));
    console.log(`MT + coupling against plain MT (paired, points, 95% CI): ${againstPlainMt(chosen.r, "mt+coupling")}.\n`);
  }
}

async function extensions(): Promise<void> {
  console.log("### METHOD.md's literal coupling and each extension\n");
  const settings = couplingSettings;
  console.log(`| setting | ${TABULAR.map((d) => `${d}: Δm [95% CI] | ${d}: per task Δ [95% CI]`).join(" | ")} |`);
  console.log(`|---|${TABULAR.map(() => "---|---").join("|")}|`);
  for (const [i, { label, config }] of settings.entries()) {
    const cells: string[] = [];
    for (const dataset of TABULAR) cells.push(...verdictCells(await study({ name: `${dataset}-ext${i}`, dataset, variants: ["st", "mt+coupling"], ...config }), "mt+coupling"));
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
  console.log("");
}

async function images(): Promise<void> {
  console.log("### Image studies (3 splits × 3 seeds, native engine)\n");
  const variants = ["st", "mt", "mt+coupling"];
  for (const dataset of ["emoji", "mnist-morpho"]) {
    // The native engine makes the full protocol affordable on 2 cores; it is not bit-identical to tfjs.
    const training = { engine: "torch" as const };
    console.log(`\`distmatch study --dataset ${dataset} --engine torch --variants ${variants.join(",")}\` (defaults), then with \`--tune\`:\n`);
    console.log(resultsMarkdown(await study({ name: `${dataset}-torch`, dataset, variants, training })));
    const r = await study({ name: `${dataset}-torch-tuned`, dataset, variants, training, tuning: {} });
    const chosen = r.tuning!.perSplit.map((s) => JSON.stringify(r.tuning!.grid[s.chosen])).join("; ");
    console.log(resultsMarkdown(r) + `Chosen per split: ${chosen}\n`);
  }
}

/** The weighting baselines alone (not combined with coupling, to halve the CNN budget) beside ST, MT and MT + coupling. */
async function imagesWeighting(): Promise<void> {
  console.log("### Image studies: loss-weighting baselines (3 splits × 3 seeds)\n");
  const variants = ["st", "mt", "mt+coupling", ...variantIds.filter((v) => getVariant(v).weighting !== undefined && !getVariant(v).terms.dm && !getVariant(v).terms.sca)];
  for (const dataset of ["emoji", "mnist-morpho"]) {
    // ST, MT and MT + coupling come from the native engine's cache; the weighting runs fall back to TensorFlow.js.
    const training = { engine: "torch" as const };
    console.log(`\`distmatch study --dataset ${dataset} --engine torch --variants ${variants.join(",")}\`:\n`);
    console.log(resultsMarkdown(await study({ name: `${dataset}-weighting`, dataset, variants, training })));
  }
}

const all: Record<string, () => Promise<void>> = { default: defaults, weighting, tuned, scarce: () => scarce(), "scarce-tuned": () => scarce(true), "scarce-worst-task": () => scarce(true, "worst-task"), "scarce-known": scarceKnown, "scarce-heads": scarceHeads, extensions, images, "images-weighting": imagesWeighting };
for (const section of sections) {
  const run = all[section];
  if (!run) throw new Error(`unknown section "${section}" (expected ${Object.keys(all).join(", ")})`);
  await run();
}
