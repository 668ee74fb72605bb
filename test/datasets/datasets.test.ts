import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinDatasets, getDataset, listDatasets } from "../../src/datasets/index.js";
import { splitTrainValTest } from "../../src/data/splits.js";
import type { DatasetTable } from "../../src/datasets/types.js";
import { outputNames } from "../../src/tasks/types.js";
import { SOYBEAN_DISEASES } from "../../src/datasets/soybean.js";
import { majorityAccuracy, perLabelAccuracy, softmaxAccuracy } from "./baseline.js";

test("registry lists the built-ins and names them in the error for an unknown one", () => {
  assert.deepEqual(Object.keys(builtinDatasets).slice(0, 3), ["soybean", "zoo", "penguins"]);
  assert.equal(getDataset("zoo").name, "zoo");
  assert.equal(listDatasets().length, Object.keys(builtinDatasets).length);
  assert.throws(() => getDataset("iris"), /unknown dataset "iris"; built-in datasets: soybean, zoo, penguins/);
  assert.throws(() => getDataset("toString"), /unknown dataset/);
});

function labelCount(table: DatasetTable, task: string): number {
  const t = table.targets[task];
  return t.kind === "multiclass" ? t.labels.filter((k) => k >= 0).length : t.mask.reduce((a, b) => a + b, 0);
}

async function checkLoads(name: string, expected: { n: number; tasks: Record<string, readonly string[]>; inputs: number }): Promise<DatasetTable> {
  const dataset = getDataset(name);
  const table = await dataset.load();
  assert.equal(dataset.size, expected.n);
  assert.equal(table.n, expected.n);
  assert.deepEqual(Object.fromEntries(table.tasks.map((t) => [t.name, outputNames(t)])), expected.tasks);
  assert.deepEqual(dataset.tasks, table.tasks, "the module's task list matches the loaded table");
  assert.deepEqual(dataset.representations, ["features"]);
  for (const [a, b] of dataset.pairs) assert.ok(table.tasks.some((t) => t.name === a && t.kind === "multiclass") && table.tasks.some((t) => t.name === b));
  const inputs = await table.inputs(Array.from({ length: table.n }, (_, i) => i));
  assert.deepEqual(inputs.inputShape, [expected.inputs]);
  assert.equal(inputs.inputs.length, table.n * expected.inputs);
  assert.ok(inputs.inputs.every(Number.isFinite));
  await assert.rejects(table.inputs([0], { representation: "mobilenetv2" }), /unknown representation "mobilenetv2"/);
  return table;
}

/** Both tasks must beat the majority baseline with a plain-JS linear model on a random 70/30 split. */
async function assertLearnable(table: DatasetTable): Promise<void> {
  const split = splitTrainValTest(table.n, { validation: 0, test: 0.3, seed: 1 });
  const inputs = await table.inputs(split.train);
  const x = { data: inputs.inputs, cols: inputs.inputShape[0] };
  for (const task of table.tasks) {
    const t = table.targets[task.name];
    if (t.kind === "multiclass") {
      const k = outputNames(task).length;
      const acc = softmaxAccuracy(x, t.labels, k, split.train, split.test, 60);
      assert.ok(acc > majorityAccuracy(t.labels, k, split.train, split.test) + 0.1, `${task.name}: accuracy ${acc}`);
    } else {
      const per = perLabelAccuracy(x, t.values, t.mask, outputNames(task).length, split.train, split.test);
      const mean = (i: 0 | 1) => per.reduce((a, p) => a + p[i], 0) / per.length;
      assert.ok(mean(0) > mean(1) + 0.03, `${task.name}: mean label accuracy ${mean(0)} vs majority ${mean(1)}`);
    }
  }
}

test("soybean: 683 plants, 19 diseases, 12 symptoms, learnable", async () => {
  const table = await checkLoads("soybean", {
    n: 683,
    tasks: {
      disease: [...SOYBEAN_DISEASES],
      symptoms: [
        "leaves-abnormal", "leaf-spots", "leaf-shredding", "leaf-malformation", "leaf-mildew", "pods-abnormal",
        "fruit-spots", "seed-abnormal", "seed-mold", "seed-discoloration", "small-seeds", "seed-shriveling",
      ],
    },
    // One-hot widths of the 21 input attributes' declared values: 7 + 2 + 3 + 3 + 2 + 4 + 4 + 3 + 3 + 3 + 2 + 2 + 2 + 4 + 4 + 2 + 3 + 2 + 3 + 2 + 3.
    inputs: 63,
  });
  assert.equal(SOYBEAN_DISEASES.length, 19);
  assert.equal(SOYBEAN_DISEASES[18], "herbicide-injury");
  assert.equal(labelCount(table, "disease"), 683);
  const d = table.targets.disease;
  assert.ok(d.kind === "multiclass");
  assert.equal(d.labels.filter((k) => k === 0).length, 20, "diaporthe-stem-canker has 20 plants");
  await assertLearnable(table);
});

test("zoo: 101 animals, 7 types, 6 traits, ids are unique animal names", async () => {
  const table = await checkLoads("zoo", {
    n: 101,
    tasks: {
      type: ["mammal", "bird", "reptile", "fish", "amphibian", "insect", "invertebrate"],
      traits: ["airborne", "aquatic", "predator", "venomous", "domestic", "catsize"],
    },
    inputs: 1 + 9 * 2,
  });
  const type = table.targets.type;
  assert.ok(type.kind === "multiclass");
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((k) => type.labels.filter((l) => l === k).length), [41, 20, 5, 13, 4, 8, 10]);
  assert.equal(new Set(table.ids).size, 101);
  assert.ok(table.ids?.includes("frog#2"));
  await assertLearnable(table);
});

test("penguins: 342 birds kept, species/island/sex, 9 missing sex labels", async () => {
  const table = await checkLoads("penguins", {
    n: 342,
    tasks: { species: ["Adelie", "Chinstrap", "Gentoo"], island: ["Biscoe", "Dream", "Torgersen"], sex: ["FEMALE", "MALE"] },
    inputs: 4,
  });
  assert.equal(labelCount(table, "species"), 342);
  assert.equal(labelCount(table, "sex"), 333);
  await assertLearnable(table);
});
