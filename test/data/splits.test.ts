import { test } from "node:test";
import assert from "node:assert/strict";
import { apportion, makeDisjointTaskSplit, splitTrainValTest, trainingParts } from "../../src/data/splits.js";
import type { DatasetTable } from "../../src/datasets/types.js";
import { multiClassTask } from "../../src/tasks/types.js";

test("splitTrainValTest: exact sizes, a partition, reproducible per seed", () => {
  const s = splitTrainValTest(100, { validation: 0.1, test: 0.2, seed: 1 });
  assert.equal(s.test.length, 20);
  assert.equal(s.validation.length, 10);
  assert.equal(s.train.length, 70);
  assert.deepEqual([...s.train, ...s.validation, ...s.test].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(splitTrainValTest(100, { validation: 0.1, test: 0.2, seed: 1 }), s);
  assert.notDeepEqual(splitTrainValTest(100, { validation: 0.1, test: 0.2, seed: 2 }).test, s.test);
  assert.throws(() => splitTrainValTest(10, { validation: 0.6, test: 0.5, seed: 1 }), /below 1/);
});

test("splitTrainValTest: groups stay together", () => {
  const groups = Int32Array.from({ length: 90 }, (_, i) => Math.floor(i / 3));
  const s = splitTrainValTest(90, { validation: 0.2, test: 0.2, seed: 7, groups });
  const partOf = new Map<number, string>();
  for (const [name, rows] of Object.entries(s)) {
    for (const r of rows as number[]) {
      const g = groups[r];
      assert.ok(!partOf.has(g) || partOf.get(g) === name, `group ${g} split across parts`);
      partOf.set(g, name);
    }
  }
  assert.equal(s.test.length, 18);
  assert.equal(s.validation.length, 18);
});

test("makeDisjointTaskSplit: disjoint, covers the rows, ratio and overlap honoured, reproducible", () => {
  const rows = Array.from({ length: 1000 }, (_, i) => i * 2);
  const split = makeDisjointTaskSplit(rows, ["A", "B"], { overlap: 0.1, ratio: [1, 3], seed: 3 });
  assert.equal(split.overlap.length, 100);
  assert.equal(split.byTask.A.length, 225);
  assert.equal(split.byTask.B.length, 675);
  const all = [...split.overlap, ...split.byTask.A, ...split.byTask.B];
  assert.equal(new Set(all).size, 1000, "disjoint");
  assert.deepEqual(all.sort((a, b) => a - b), rows, "covers every training row");
  assert.deepEqual(split.parts.map((p) => [p.name, p.tasks]), [["only:A", ["A"]], ["only:B", ["B"]], ["overlap", ["A", "B"]]]);
  assert.deepEqual(makeDisjointTaskSplit(rows, ["A", "B"], { overlap: 0.1, ratio: [1, 3], seed: 3 }), split);
  assert.notDeepEqual(makeDisjointTaskSplit(rows, ["A", "B"], { overlap: 0.1, ratio: [1, 3], seed: 4 }).overlap, split.overlap);
});

test("makeDisjointTaskSplit: default overlap 0, equal sizes, 3 tasks, 1:100", () => {
  const rows = Array.from({ length: 31 }, (_, i) => i);
  const three = makeDisjointTaskSplit(rows, ["A", "B", "C"], { seed: 1 });
  assert.equal(three.overlap.length, 0);
  assert.deepEqual(["A", "B", "C"].map((t) => three.byTask[t].length), [11, 10, 10]);
  assert.equal(three.parts.length, 3);
  const skewed = makeDisjointTaskSplit(Array.from({ length: 505 }, (_, i) => i), ["A", "B"], { ratio: [1, 100], seed: 1 });
  assert.deepEqual([skewed.byTask.A.length, skewed.byTask.B.length], [5, 500]);
  assert.throws(() => makeDisjointTaskSplit(rows, ["A", "B"], { ratio: [1], seed: 1 }), /one non-negative size per task/);
  assert.throws(() => makeDisjointTaskSplit(rows, ["A", "B"], { overlap: 1.5, seed: 1 }), /overlap must be a fraction/);
});

test("apportion sums to the total", () => {
  assert.deepEqual(apportion(10, [1, 1, 1]), [4, 3, 3]);
  assert.deepEqual(apportion(7, [0, 2, 5]), [0, 2, 5]);
});

test("trainingParts: domains keep only their tasks; without domains the disjoint split", () => {
  const base: DatasetTable = {
    tasks: [multiClassTask("A", ["a", "b"]), multiClassTask("B", ["c", "d"])],
    n: 6,
    targets: {},
    inputs: () => Promise.reject(new Error("unused")),
  };
  const withDomains: DatasetTable = {
    ...base,
    domains: { names: ["left", "right"], domainOf: Int32Array.from([0, 0, 0, 1, 1, 1]), annotates: { left: ["A"], right: ["B"] } },
  };
  assert.deepEqual(trainingParts(withDomains, [0, 2, 3, 4], { seed: 1 }), [
    { name: "domain:left", rows: [0, 2], tasks: ["A"] },
    { name: "domain:right", rows: [3, 4], tasks: ["B"] },
  ]);
  const parts = trainingParts(base, [0, 1, 2, 3], { seed: 1 });
  assert.deepEqual(parts.map((p) => p.tasks), [["A"], ["B"]]);
  assert.equal(parts[0].rows.length + parts[1].rows.length, 4);
});
