import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { makeBatch, disposeBatch } from "../../src/data/batching.js";
import { concatSources, keepTasks, subsetSource } from "../../src/data/sources.js";
import type { Source } from "../../src/data/types.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";

const TASKS = [multiClassTask("a", ["x", "y", "z"]), multiLabelTask("b", ["p", "q"])];

// Synthetic sources: s0 annotates only "a" (row 1 missing), s1 only "b" (one label missing on row 0).
const S0: Source = {
  name: "s0",
  n: 2,
  inputShape: [2],
  inputs: Float32Array.from([1, 2, 3, 4]),
  targets: { a: { kind: "multiclass", labels: Int32Array.from([2, -1]) } },
  ids: ["s0-0", "s0-1"],
};
const S1: Source = {
  name: "s1",
  n: 2,
  inputShape: [2],
  inputs: Float32Array.from([5, 6, 7, 8]),
  targets: { b: { kind: "multilabel", values: Float32Array.from([1, 0, 0, 1]), mask: Float32Array.from([1, 0, 1, 1]) } },
};

test("makeBatch: inputs, one-hot + mask, multi-label values + mask, unannotated task all mask 0", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const batch = makeBatch([S0, S1], TASKS, [
    { source: 0, row: 0 },
    { source: 1, row: 0 },
    { source: 0, row: 1 },
    { source: 1, row: 1 },
  ]);
  assert.equal(batch.size, 4);
  assert.deepEqual(batch.inputs.shape, [4, 2]);
  assert.deepEqual([...batch.inputs.dataSync()], [1, 2, 5, 6, 3, 4, 7, 8]);
  const a = batch.targets.a;
  assert.ok(a.kind === "multiclass");
  assert.deepEqual(a.oneHot.arraySync(), [[0, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  assert.deepEqual([...a.mask.dataSync()], [1, 0, 0, 0]);
  const b = batch.targets.b;
  assert.ok(b.kind === "multilabel");
  assert.deepEqual(b.values.arraySync(), [[0, 0], [1, 0], [0, 0], [0, 1]]);
  assert.deepEqual(b.mask.arraySync(), [[0, 0], [1, 0], [0, 0], [1, 1]]);
  disposeBatch(batch);
  assert.equal(tf.memory().numTensors, before, "disposeBatch frees every tensor");
});

test("makeBatch rejects out-of-range picks and mismatched label widths", () => {
  assert.throws(() => makeBatch([S0], TASKS, [{ source: 0, row: 5 }]), /pick 0 \(source 0, row 5\) is out of range/);
  assert.throws(() => makeBatch([S1], [multiLabelTask("b", ["p", "q", "r"])], [{ source: 0, row: 0 }]), /expected 3/);
});

test("subsetSource, keepTasks, concatSources", () => {
  const sub = subsetSource(S0, [1, 0]);
  assert.deepEqual([...sub.inputs], [3, 4, 1, 2]);
  assert.deepEqual(sub.ids, ["s0-1", "s0-0"]);
  assert.ok(sub.targets.a.kind === "multiclass");
  assert.deepEqual([...sub.targets.a.labels], [-1, 2]);
  assert.throws(() => subsetSource(S0, [2]), /row 2 is outside 0\.\.1/);

  assert.deepEqual(Object.keys(keepTasks({ ...S0, targets: { ...S0.targets, ...S1.targets } }, ["b"]).targets), ["b"]);

  const both = concatSources([S0, S1]);
  assert.equal(both.n, 4);
  assert.equal(both.name, "s0+s1");
  assert.deepEqual([...both.inputs], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.ok(both.targets.a.kind === "multiclass" && both.targets.b.kind === "multilabel");
  assert.deepEqual([...both.targets.a.labels], [2, -1, -1, -1]);
  assert.deepEqual([...both.targets.b.mask], [0, 0, 0, 0, 1, 0, 1, 1]);
  assert.equal(both.ids, undefined, "ids only when every source has them");
});
