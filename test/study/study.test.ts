import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStudy, type StudyEvent } from "../../src/study/run.js";
import { studyResultsSchema } from "../../src/study/results.js";
import { getDataset } from "../../src/datasets/index.js";

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "distmatch-study-"));
}

test("end to end on real data (UCI Zoo): every variant for every task, valid results.json, cached rerun, stale config not reused", async () => {
  const outDir = await tmpDir();
  const config = { dataset: "zoo", seeds: [0, 1], outDir, variants: ["st", "mt", "mt+coupling"], training: { epochs: 6 } };
  const events: StudyEvent[] = [];
  const first = await runStudy(config, { onEvent: (e) => events.push(e) });
  const parsed = studyResultsSchema.parse(JSON.parse(await fs.readFile(first.resultsFile, "utf8")));
  assert.equal(first.resultsFile, path.join(outDir, "zoo", "results.json"));
  for (const task of ["type", "traits"]) {
    const summary = parsed.summary.find((s) => s.task === task)!;
    assert.deepEqual(Object.keys(summary.variants).sort(), ["mt", "mt+coupling", "st"]);
    assert.equal(summary.variants.mt.values.length, 2);
    assert.equal(typeof summary.variants.mt.negativeTransfer, "boolean");
  }
  // ST: one run per task and seed; MT variants: one per seed.
  assert.equal(parsed.runs.length, 2 * 2 + 2 * 2);
  assert.equal(parsed.relatedness.length, 1);
  assert.equal(parsed.relatedness[0].method, "predictions"); // sources share no sample
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
  const { results } = await runStudy({ dataset: "soybean", seeds: [0], outDir, variants: ["mt"], training: { epochs: 15 } });
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
  const { results } = await runStudy({ dataset: "zoo", seeds: [0], outDir, variants: ["mt+coupling"], split: { overlap: 0.2 }, training: { epochs: 2 } });
  assert.equal(results.relatedness[0].method, "overlap");
  assert.ok(results.relatedness[0].used.support, "support counts recorded");
  assert.equal(results.data.sources.length, 3);
  assert.deepEqual(Object.keys(results.data.sources[2].annotated).sort(), ["traits", "type"]);
});

test("one seed fixes a study: two fresh runs give identical metrics and curves", async () => {
  const config = { dataset: "zoo", seeds: [3], variants: ["st", "mt", "mt+coupling"], training: { epochs: 3 } };
  const a = await runStudy({ ...config, outDir: await tmpDir() });
  const b = await runStudy({ ...config, outDir: await tmpDir() });
  const strip = (r: typeof a.results) => r.runs.map(({ wallSeconds: _w, curves, ...rest }) => ({ ...rest, curves: curves.map(({ seconds: _s, ...c }) => c) }));
  assert.deepEqual(strip(a.results), strip(b.results));
  assert.deepEqual(a.results.relatedness, b.results.relatedness);
});
