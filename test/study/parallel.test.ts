import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStudy, type StudyEvent } from "../../src/study/run.js";
import type { RunResult } from "../../src/study/results.js";

/** A run without its timings (the only fields that depend on where and when it ran). */
const comparable = (runs: readonly RunResult[]): unknown[] =>
  runs.map(({ wallSeconds: _wall, curves, ...rest }) => ({ ...rest, curves: curves.map(({ seconds: _seconds, ...epoch }) => epoch) }));

test("--jobs 2: the same study results as sequential, bit for bit; progress counts every run; resume reuses the runs folder", async () => {
  const config = (outDir: string): { dataset: string; seeds: number[]; outDir: string; variants: string[]; training: { epochs: number } } =>
    ({ dataset: "zoo", seeds: [0, 1], outDir, variants: ["st", "mt+coupling"], training: { epochs: 3 } });
  const sequential = await runStudy(config(await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-seq-"))), { jobs: 1 });
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-par-"));
  const events: StudyEvent[] = [];
  const parallel = await runStudy(config(outDir), { jobs: 2, onEvent: (e) => events.push(e) });
  assert.equal(parallel.results.runs.length, 2 * 2 + 2);
  assert.deepEqual(comparable(parallel.results.runs), comparable(sequential.results.runs));
  assert.deepEqual(parallel.results.summary, sequential.results.summary);
  assert.deepEqual(parallel.results.relatedness, sequential.results.relatedness);
  const starts = events.filter((e) => e.type === "run-start");
  assert.deepEqual(starts.map((e) => e.type === "run-start" && e.index), [1, 2, 3, 4, 5, 6]);
  assert.ok(events.some((e) => e.type === "train"), "training progress comes back from the workers");

  const again: StudyEvent[] = [];
  const resumed = await runStudy(config(outDir), { jobs: 2, onEvent: (e) => again.push(e) });
  const ends = again.filter((e) => e.type === "run-end");
  assert.equal(ends.length, 6);
  assert.ok(ends.every((e) => e.type === "run-end" && e.cached), "a rerun with --jobs 2 reuses every finished run");
  assert.deepEqual(comparable(resumed.results.runs), comparable(sequential.results.runs));
});
