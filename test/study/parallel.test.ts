import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStudy, shardOfKey, type StudyEvent } from "../../src/study/run.js";
import type { RunResult, StudyResults } from "../../src/study/results.js";
import { spawn } from "node:child_process";

/** A run without its timings (the only fields that depend on where and when it ran). */
const comparable = (runs: readonly RunResult[]): unknown[] =>
  runs.map(({ wallSeconds: _wall, curves, ...rest }) => ({ ...rest, curves: curves.map(({ seconds: _seconds, ...epoch }) => epoch) }));

test("jobs 2: the same study results as sequential, bit for bit; progress counts every run once; a rerun reuses the runs folder", async () => {
  const config = (outDir: string) => ({ dataset: "zoo", seeds: [0, 1], outDir, variants: ["st", "mt", "mt+coupling"], split: { repeats: 2 }, training: { epochs: 3 } });
  const sequential = await runStudy(config(await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-seq-"))), { jobs: 1 });
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-par-"));
  const events: StudyEvent[] = [];
  const parallel = await runStudy(config(outDir), { jobs: 2, onEvent: (e) => events.push(e) });
  const total = 2 * 2 * (2 + 2); // repeats x seeds x (ST per task + 2 MT variants)
  assert.equal(parallel.results.runs.length, total);
  assert.deepEqual(comparable(parallel.results.runs), comparable(sequential.results.runs));
  assert.deepEqual(parallel.results.summary, sequential.results.summary);
  assert.deepEqual(parallel.results.relatedness, sequential.results.relatedness);
  const starts = events.flatMap((e) => (e.type === "run-start" ? [e] : []));
  assert.deepEqual(starts.map((e) => e.index), Array.from({ length: total }, (_, i) => i + 1));
  assert.ok(starts.every((e) => e.total === total));
  assert.equal(new Set(starts.map((e) => JSON.stringify(e.run))).size, total, "each run reported once");
  assert.ok(events.some((e) => e.type === "train"), "training progress comes back from the workers");

  const again: StudyEvent[] = [];
  const resumed = await runStudy(config(outDir), { jobs: 2, onEvent: (e) => again.push(e) });
  const ends = again.flatMap((e) => (e.type === "run-end" ? [e] : []));
  assert.equal(ends.length, total);
  assert.ok(ends.every((e) => e.cached), "a rerun reuses every finished run");
  assert.deepEqual(comparable(resumed.results.runs), comparable(sequential.results.runs));
});

test("jobs 2 with tuning: the same choice, scores and results as sequential; each tuning run reported once", async () => {
  const config = (outDir: string) => ({
    dataset: "zoo",
    seeds: [0],
    outDir,
    variants: ["st", "mt+coupling"],
    split: { repeats: 2 },
    training: { epochs: 3 },
    tuning: { grid: [{ lambdaDm: 0.1 }, { lambdaDm: 1, divergence: "cross-entropy" as const }] },
  });
  const sequential = await runStudy(config(await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-seq-"))), { jobs: 1 });
  const events: StudyEvent[] = [];
  const parallel = await runStudy(config(await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-par-"))), { jobs: 2, onEvent: (e) => events.push(e) });
  assert.deepEqual(parallel.results.tuning, sequential.results.tuning);
  assert.deepEqual(comparable(parallel.results.runs), comparable(sequential.results.runs));
  const tuningScores = events.flatMap((e) => (e.type === "tuning-score" ? [e] : []));
  assert.equal(tuningScores.length, 2 * 2, "2 splits x 2 candidates x 1 tuning seed");
  assert.equal(new Set(tuningScores.map((e) => JSON.stringify(e.run))).size, 4);
  const starts = events.flatMap((e) => (e.type === "run-start" ? [e] : []));
  assert.deepEqual(starts.map((e) => e.index), Array.from({ length: starts.length }, (_, i) => i + 1));
  assert.equal(starts.length, starts[0].total);
});

test("--shard 1/2 and 2/2 as two processes over one folder: each trains its share, both write the sequential study's results", async () => {
  const seeds = [0, 1];
  const reference = await runStudy({ dataset: "zoo", seeds, variants: ["st", "mt", "mt+coupling"], split: { repeats: 2 }, training: { epochs: 3 }, outDir: await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-seq-")) }, { jobs: 1 });
  const outDir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-shard-"));
  const cli = path.resolve(import.meta.dirname, "../../src/cli/main.ts");
  const shard = (i: number) =>
    new Promise<string>((resolve, reject) => {
      const args = ["--import", "tsx", cli, "study", "--dataset", "zoo", "--seeds", "0,1", "--repeats", "2", "--epochs", "3", "--out", outDir, "--jobs", "1", "--shard", `${i}/2`, "--no-report"];
      const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("exit", (code) => (code === 0 ? resolve(stderr) : reject(new Error(`shard ${i}/2 exited ${code}: ${stderr}`))));
    });
  const [first, second] = await Promise.all([shard(1), shard(2)]);
  const trained = (log: string) => log.split("\n").filter((l) => /^run .* epochs, /.test(l)).length;
  const total = reference.results.runs.length;
  assert.equal(trained(first) + trained(second), total, `${first}\n${second}`);
  assert.ok(trained(first) > 0 && trained(second) > 0, "each shard trains a share");
  const results = JSON.parse(await fs.readFile(path.join(outDir, "zoo", "results.json"), "utf8")) as StudyResults;
  assert.deepEqual(comparable(results.runs), comparable(reference.results.runs));
  assert.deepEqual(results.summary, reference.results.summary);
});

test("shards: every run key in exactly one shard, the same on every call, roughly even", () => {
  const keys = Array.from({ length: 300 }, (_, i) => ({ variant: i % 3 ? "mt" : "st", split: i % 3, seed: i, ...(i % 3 ? {} : { task: `t${i % 7}` }) }));
  const shards = keys.map((k) => shardOfKey(k, 3));
  assert.ok(shards.every((s) => s >= 0 && s < 3));
  assert.deepEqual(keys.map((k) => shardOfKey(k, 3)), shards);
  for (const s of [0, 1, 2]) assert.ok(shards.filter((x) => x === s).length > 70, `shard ${s} is not starved`);
});
