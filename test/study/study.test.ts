import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStudy, worstTaskGain, type StudyEvent } from "../../src/study/run.js";
import { studyResultsSchema, type RunResult } from "../../src/study/results.js";
import { getDataset } from "../../src/datasets/index.js";
import { scaModeFor } from "../../src/study/relatedness.js";
import { estimateFromAnnotations, saveRelatedness } from "../../src/relatedness/index.js";
import type { MultiClassTargets } from "../../src/data/types.js";

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "distmatch-study-"));
}

test("end to end on real data (UCI Zoo): every variant for every task, valid results.json, cached rerun, stale config not reused", async () => {
  const outDir = await tmpDir();
  const config = { dataset: "zoo", seeds: [0, 1], outDir, variants: ["st", "mt", "mt+coupling"], split: { repeats: 2 }, training: { epochs: 6 } };
  const events: StudyEvent[] = [];
  const first = await runStudy(config, { onEvent: (e) => events.push(e) });
  const parsed = studyResultsSchema.parse(JSON.parse(await fs.readFile(first.resultsFile, "utf8")));
  assert.equal(first.resultsFile, path.join(outDir, "zoo", "results.json"));
  for (const task of ["type", "traits"]) {
    const summary = parsed.summary.find((s) => s.task === task)!;
    assert.deepEqual(Object.keys(summary.variants).sort(), ["mt", "mt+coupling", "st"]);
    assert.equal(summary.variants.mt.values.length, 4, "2 splits x 2 seeds");
    assert.equal(summary.variants.mt.delta?.n, 4, "4 (split, seed) pairs");
    assert.ok(["better", "no-difference", "negative-transfer"].includes(summary.variants.mt.verdict!));
    assert.equal(typeof summary.variants.mt.belowBaseline, "boolean");
  }
  assert.equal(parsed.deltaM.mt.n, 4);
  assert.deepEqual(parsed.protocol.splitRepeats, 2);
  // ST: one run per task, split and seed; MT variants: one per split and seed.
  assert.equal(parsed.runs.length, 2 * (2 * 2 + 2 * 2));
  assert.deepEqual([...new Set(parsed.runs.map((r) => `${r.split}/${r.seed}`))].sort(), ["0/0", "0/1", "1/0", "1/1"]);
  assert.equal(parsed.relatedness.length, 1);
  assert.equal(parsed.relatedness[0].method, "predictions"); // sources share no sample
  assert.equal(parsed.relatedness[0].check?.matrices, 4, "R from predictions: one matrix per split and seed");
  assert.equal(parsed.data.sources.length, 2);
  const [onlyType, onlyTraits] = parsed.data.sources;
  assert.deepEqual(Object.keys(onlyType.annotated), ["type"]);
  assert.deepEqual(Object.keys(onlyTraits.annotated), ["traits"]);
  assert.ok(events.filter((e) => e.type === "run-end").every((e) => e.type === "run-end" && !e.cached));

  const again: StudyEvent[] = [];
  const second = await runStudy(config, { onEvent: (e) => again.push(e) });
  assert.ok(again.filter((e) => e.type === "run-end").every((e) => e.type === "run-end" && e.cached), "unchanged config reuses every run");
  assert.deepEqual(second.results.summary, first.results.summary);

  const changed: StudyEvent[] = [];
  await runStudy({ ...config, training: { epochs: 5 } }, { onEvent: (e) => changed.push(e) });
  assert.ok(changed.filter((e) => e.type === "run-end").every((e) => e.type === "run-end" && !e.cached), "a changed config reuses nothing");
});

test("a short multi-task run on real data (UCI Soybean) learns both tasks well above chance", async () => {
  const outDir = await tmpDir();
  const { results } = await runStudy({ dataset: "soybean", seeds: [0], outDir, variants: ["mt"], split: { repeats: 1 }, training: { epochs: 15 } });
  const run = results.runs[0];
  const table = await getDataset("soybean").load();
  const labels = table.targets.disease;
  assert.equal(labels.kind, "multiclass");
  const counts = new Map<number, number>();
  for (const k of labels.labels) if (k >= 0) counts.set(k, (counts.get(k) ?? 0) + 1);
  const majority = Math.max(...counts.values()) / [...counts.values()].reduce((a, b) => a + b, 0);
  assert.ok(run.metrics.disease.values.accuracy > majority + 0.4, `disease accuracy ${run.metrics.disease.values.accuracy} vs majority ${majority}`);
  // Always predicting "absent" gives F1 = 0 on every label; a model that learned the symptoms does much better.
  assert.ok(run.metrics.symptoms.values.meanF1 > 0.4, `symptoms mean F1 ${run.metrics.symptoms.values.meanF1}`);
});

test("overlap > 0 makes the relatedness come from the co-annotated subset", async () => {
  const outDir = await tmpDir();
  const { results } = await runStudy({ dataset: "zoo", seeds: [0], outDir, variants: ["mt+coupling"], split: { overlap: 0.2, repeats: 1 }, training: { epochs: 2 } });
  assert.equal(results.relatedness[0].method, "overlap");
  assert.ok(results.relatedness[0].used.support, "support counts recorded");
  // The check scores R on every validation animal (all carry both labels), with the one split's matrix.
  const check = results.relatedness[0].check!;
  assert.equal(check.matrices, 1);
  assert.equal(check.classFromLabels.n, results.data.validation.n);
  for (const d of [check.classFromLabels, check.labelsFromClass]) assert.ok(d.accuracy >= 0 && d.accuracy <= 1 && d.baseline >= 0 && d.baseline <= 1);
  assert.equal(results.data.sources.length, 3);
  assert.deepEqual(Object.keys(results.data.sources[2].annotated).sort(), ["traits", "type"]);
});

test("one seed fixes a study: two fresh runs give identical metrics and curves", async () => {
  const config = { dataset: "zoo", seeds: [3], variants: ["st", "mt", "mt+coupling"], split: { repeats: 1 }, training: { epochs: 3 } };
  const a = await runStudy({ ...config, outDir: await tmpDir() });
  const b = await runStudy({ ...config, outDir: await tmpDir() });
  const strip = (r: typeof a.results) => r.runs.map(({ wallSeconds: _w, curves, ...rest }) => ({ ...rest, curves: curves.map(({ seconds: _s, ...c }) => c) }));
  assert.deepEqual(strip(a.results), strip(b.results));
  assert.deepEqual(a.results.relatedness, b.results.relatedness);
});

test("the same selection rule for every variant: the checkpoint with the best mean primary validation metric over the model's tasks", async () => {
  const { results } = await runStudy({ dataset: "zoo", seeds: [0], outDir: await tmpDir(), split: { repeats: 1 }, variants: ["st", "mt", "mt+coupling"], training: { epochs: 12, patience: 4 } });
  for (const run of results.runs) {
    const tasks = run.task ? [run.task] : ["type", "traits"];
    for (const c of run.curves) assert.deepEqual(Object.keys(c.validation).sort(), [...tasks].sort(), "ST validates its own task only, MT every task");
    const score = run.curves.map((c) => tasks.reduce((s, t) => s + c.validation[t], 0) / tasks.length);
    const best = score.indexOf(Math.max(...score)) + 1;
    assert.equal(run.bestEpoch, best, `${run.variant}${run.task ? `[${run.task}]` : ""}: kept epoch ${run.bestEpoch}, best mean validation metric at ${best}`);
    // Patience counts epochs without a better mean metric.
    if (run.epochs < 12) assert.equal(run.epochs - run.bestEpoch, 4);
  }
});

test("tuning reads validation only: a test split of garbage labels leaves the chosen coupling unchanged", async () => {
  const example = path.resolve(import.meta.dirname, "../../examples/penguins-byo");
  const dir = await tmpDir();
  const lines = (await fs.readFile(path.join(example, "test.csv"), "utf8")).trim().split("\n");
  // Garbage: every test label replaced by the next row's (rotated), so test metrics change but nothing else.
  const rows = lines.slice(1).map((l) => l.split(","));
  const garbage = rows.map((r, i) => [...r.slice(0, 4), ...rows[(i + 7) % rows.length].slice(4)].join(","));
  await fs.writeFile(path.join(dir, "garbage.csv"), [lines[0], ...garbage].join("\n") + "\n");
  const spec = JSON.parse(await fs.readFile(path.join(example, "spec.json"), "utf8")) as Record<string, unknown>;
  const study = (test: string, out: string) =>
    runStudy({
      data: { sources: [{ file: path.join(example, "species-survey.csv") }, { file: path.join(example, "island-survey.csv") }], test, spec },
      seeds: [0],
      outDir: path.join(dir, out),
      variants: ["mt+coupling"],
      split: { repeats: 1 },
      training: { epochs: 4 },
      tuning: { grid: [{ lambdaDm: 0.1, lambdaSca: 0.1 }, { lambdaDm: 1, lambdaSca: 1, divergence: "cross-entropy" }, { lambdaSca: 0 }] },
    });
  const real = await study(path.join(example, "test.csv"), "real");
  const fake = await study(path.join(dir, "garbage.csv"), "fake");
  assert.ok(real.results.tuning && fake.results.tuning);
  assert.deepEqual(fake.results.tuning, real.results.tuning);
  assert.equal(real.results.tuning.perSplit[0].scores.length, 3);
  assert.notDeepEqual(fake.results.runs[0].metrics, real.results.runs[0].metrics, "the garbage labels did reach the test evaluation");
});

test("tuning trains each candidate with every study seed by default and scores it by the mean over them", async () => {
  const events: StudyEvent[] = [];
  const { results } = await runStudy(
    { dataset: "zoo", seeds: [0, 1], outDir: await tmpDir(), variants: ["mt+coupling"], split: { repeats: 1 }, training: { epochs: 2 }, tuning: { grid: [{ lambdaDm: 0.1 }, { lambdaDm: 0 }] } },
    { onEvent: (e) => events.push(e) },
  );
  assert.deepEqual(results.tuning!.seeds, [0, 1]);
  const scores = events.flatMap((e) => (e.type === "tuning-score" ? [e] : []));
  assert.equal(scores.length, 2 * 2, "2 candidates x 2 seeds");
  for (const [index, score] of results.tuning!.perSplit[0].scores.entries()) {
    const own = scores.filter((e) => e.run.variant.endsWith(`#${index}`)).map((e) => e.score);
    assert.deepEqual(own.length, 2);
    assert.ok(Math.abs(score - (own[0] + own[1]) / 2) < 1e-12, `candidate ${index}: ${score} vs the mean of ${own.join(", ")}`);
  }
});

test("worst-task gain: the smallest per-task gain over ST, worked by hand", () => {
  assert.equal(worstTaskGain({ a: 0.8, b: 0.6 }, { a: 0.7, b: 0.65 }), 0.6 - 0.65);
  assert.equal(worstTaskGain({ a: 0.9, b: 0.7 }, { a: 0.7, b: 0.65 }), 0.7 - 0.65);
  assert.throws(() => worstTaskGain({ a: 0.9, c: 0.1 }, { a: 0.7 }), /no ST validation value for task "c"/);
});

test('tuning criterion "worst-task": each candidate scored by its worst task against ST of the same split and seed, on validation', async () => {
  const dir = await tmpDir();
  const grid = [{ lambdaDm: 0.1, lambdaSca: 0.1 }, { lambdaDm: 5, lambdaSca: 5, divergence: "cross-entropy" as const }, { lambdaDm: 0, lambdaSca: 0 }];
  // ST is not among the reported variants: the criterion brings its runs in.
  const { results, dir: studyDir } = await runStudy({ dataset: "zoo", seeds: [0], outDir: dir, variants: ["mt+coupling"], split: { repeats: 1 }, training: { epochs: 4 }, tuning: { grid, criterion: "worst-task" } });
  const tuning = results.tuning!;
  assert.equal(tuning.criterion, "worst-task");
  const files = await fs.readdir(path.join(studyDir, "runs"));
  const read = async (prefix: string) => JSON.parse(await fs.readFile(path.join(studyDir, "runs", files.find((f) => f.startsWith(prefix))!), "utf8")) as { validation?: Record<string, number>; result?: RunResult };
  const st: Record<string, number> = {};
  for (const task of ["type", "traits"]) {
    const run = (await read(`st-${task}-r0-s0-`)).result!;
    st[task] = run.curves[run.bestEpoch - 1].validation[task];
  }
  const expected = await Promise.all(grid.map(async (_, i) => worstTaskGain((await read(`tune_mt_coupling_${i}-r0-s0-`)).validation!, st)));
  assert.deepEqual(tuning.perSplit[0].scores, expected);
  assert.equal(tuning.perSplit[0].chosen, expected.indexOf(Math.max(...expected)));
});

test("--preset paper: METHOD.md's literal coupling; explicit fields still win; bad grid entries are named", async () => {
  const { parseStudyConfig } = await import("../../src/study/config.js");
  const paper = parseStudyConfig({ dataset: "zoo", preset: "paper" });
  assert.deepEqual(
    { ...paper.coupling, lambdaCo: undefined },
    { lambdaDm: 1, lambdaSca: 1, lambdaCo: undefined, scaMode: "product", stopGradient: false, applyTo: "all", divergence: "cross-entropy" },
  );
  assert.equal(parseStudyConfig({ dataset: "zoo", preset: "paper", coupling: { lambdaDm: 0.5 } }).coupling.lambdaDm, 0.5);
  assert.equal(parseStudyConfig({ dataset: "zoo" }).coupling.lambdaDm, 0.1);
  assert.throws(() => parseStudyConfig({ dataset: "zoo", tuning: { grid: [{ lambdaDm: 1 }, { lamdaSca: 1 }] } }), /tuning\.grid\[1\]: "lamdaSca" is not a tunable coupling option/);
  assert.throws(() => parseStudyConfig({ dataset: "zoo", tuning: { grid: [{ divergence: "l2" }] } }), /tuning\.grid\[0\]: invalid value\n {2}divergence/);
});

test("relatedness.file as a list: each coupled pair takes the file that names it; a pair with none is an error naming it", async () => {
  const dir = await tmpDir();
  const table = await getDataset("penguins").load();
  const species = table.tasks.find((t) => t.name === "species")!;
  const write = async (to: string): Promise<string> => {
    const file = path.join(dir, `species-${to}.json`);
    await saveRelatedness(file, estimateFromAnnotations(table.targets.species as MultiClassTargets, table.targets[to], species, table.tasks.find((t) => t.name === to)!));
    return file;
  };
  const [island, sex] = [await write("island"), await write("sex")];
  const config = { dataset: "penguins", seeds: [0], variants: ["mt+coupling"], split: { repeats: 1 }, training: { epochs: 1 } };
  const { results } = await runStudy({ ...config, outDir: path.join(dir, "both"), relatedness: { method: "file", file: [sex, island] } });
  assert.deepEqual(results.relatedness.map((r) => [r.method, r.used.to, r.used.origin]), [
    ["file", "island", `file:${island} (overlap)`],
    ["file", "sex", `file:${sex} (overlap)`],
  ]);
  await assert.rejects(runStudy({ ...config, outDir: path.join(dir, "one"), relatedness: { method: "file", file: [island, island] } }), /relates "species" to "sex"/);
});

test("scaMode auto: the product rule for a sparse given matrix, the likelihood rule for a dense or estimated one", () => {
  const R = (values: number[][]) => ({ from: "a", to: "b", toKind: "multilabel" as const, rows: ["x", "y"], columns: ["p", "q"], values });
  assert.equal(scaModeFor("auto", "prior", R([[1, 0], [0.5, 0.5]])), "product");
  assert.equal(scaModeFor("auto", "file", R([[1, 0], [0.5, 0.5]])), "product");
  assert.equal(scaModeFor("auto", "file", R([[0.9, 0.1], [0.5, 0.5]])), "likelihood");
  assert.equal(scaModeFor("auto", "predictions", R([[1, 0], [0.5, 0.5]])), "likelihood");
  assert.equal(scaModeFor("bernoulli", "file", R([[0.9, 0.1], [0.5, 0.5]])), "bernoulli");
});
