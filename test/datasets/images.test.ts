import { test } from "node:test";
import assert from "node:assert/strict";
import { measureDigit, thin } from "../../src/datasets/morphometry.js";
import { mnistMorphoDataset, morphologyLabels, readMnist, MORPHOLOGY_LABELS, MNIST_MORPHO_SIZE } from "../../src/datasets/mnistMorpho.js";
import type { Morphometry } from "../../src/datasets/morphometry.js";
import { parseStudyConfig } from "../../src/study/config.js";
import { prepareStudyData } from "../../src/study/data.js";
import { emoji } from "../../src/datasets/emoji.js";

/** A synthetic 28x28 image with ink (255) where `draw(x, y)` is true. */
function synthetic(draw: (x: number, y: number) => boolean): Uint8Array {
  return Uint8Array.from({ length: 784 }, (_, i) => (draw(i % 28, Math.floor(i / 28)) ? 255 : 0));
}

test("morphometry of a synthetic upright bar 3 px wide and 12 px tall", () => {
  const m = measureDigit(synthetic((x, y) => x >= 10 && x < 13 && y >= 8 && y < 20));
  assert.equal(m.area, 36);
  assert.equal(m.width, 3);
  assert.equal(m.height, 12);
  assert.equal(Math.abs(m.slant), 0); // symmetric about its centre: mu11 = 0
  // Thinning leaves a one-pixel line along the bar: at most its height, and well over half of it.
  assert.ok(m.length >= 6 && m.length <= 12, `length ${m.length}`);
  assert.ok(Math.abs(m.thickness - (2 * 36) / m.length) < 1e-12);
});

test("slant is positive for '/' and negative for '\\\\'", () => {
  const forward = measureDigit(synthetic((x, y) => Math.abs(x - (24 - y)) <= 1 && y > 3 && y < 24));
  const backward = measureDigit(synthetic((x, y) => Math.abs(x - y) <= 1 && y > 3 && y < 24));
  assert.ok(forward.slant > 0.3, `forward ${forward.slant}`);
  assert.ok(backward.slant < -0.3, `backward ${backward.slant}`);
});

test("thinning keeps a one-pixel line unchanged and empties nothing that has ink", () => {
  const line = synthetic((x, y) => x === 14 && y >= 5 && y < 20).map((v) => (v ? 1 : 0));
  assert.deepEqual(thin(line, 28), line);
  const blob = synthetic((x, y) => (x - 14) ** 2 + (y - 14) ** 2 <= 16).map((v) => (v ? 1 : 0));
  assert.ok(thin(blob, 28).some((v) => v === 1));
});

test("real MNIST digits: ones are narrower and have shorter strokes than zeros", async () => {
  const { pixels, labels } = await readMnist(500);
  const mean = (digit: number, key: "width" | "length") => {
    const rows = [...labels.keys()].filter((i) => labels[i] === digit);
    return rows.reduce((a, i) => a + measureDigit(pixels.subarray(i * 784, (i + 1) * 784))[key], 0) / rows.length;
  };
  assert.ok(mean(1, "width") < mean(0, "width") - 4, `width 1: ${mean(1, "width")}, 0: ${mean(0, "width")}`);
  assert.ok(mean(1, "length") < mean(0, "length"));
});

test("mnist-morpho loads the documented tasks; each morphology label splits the digits near their median", async () => {
  const ds = mnistMorphoDataset(400);
  const table = await ds.load();
  assert.equal(table.n, 400);
  assert.deepEqual(table.tasks.map((t) => t.name), ["digit", "morphology"]);
  const y = table.targets.morphology;
  assert.equal(y.kind, "multilabel");
  MORPHOLOGY_LABELS.forEach((label, j) => {
    let positives = 0;
    for (let i = 0; i < 400; i++) positives += y.values[i * MORPHOLOGY_LABELS.length + j];
    // strictly above the median: at most half, and ties on integer measures can lower it
    assert.ok(positives <= 200 && positives >= 100, `${label}: ${positives} of 400`);
  });
  const inputs = await table.inputs([]);
  assert.deepEqual(inputs.inputShape, [28, 28, 1]);
  assert.ok(inputs.inputs.every((v) => v >= 0 && v <= 1));
  await assert.rejects(table.inputs([], { representation: "resnet" }), /unknown representation "resnet"/);
});

test("morphologyLabels: each threshold is the median over the fit rows only", () => {
  // thickness of rows 0..4 = 1, 2, 3, 4, 100; fit on rows 0..3: median 2.5 (row 4's 100 moves nothing).
  const m = (v: number): Morphometry => ({ thickness: v, length: v, area: v, slant: v, width: v, height: 20 });
  const measures = [1, 2, 3, 4, 100].map(m);
  const { thresholds, values } = morphologyLabels(measures, [0, 1, 2, 3]);
  assert.deepEqual(thresholds, [2.5, 2.5, 2.5, 2.5, 2.5]);
  const M = MORPHOLOGY_LABELS.length;
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => values[i * M]), [0, 0, 1, 1, 1]);
  // Over all five rows the median would be 3 and row 2 would be negative.
  assert.equal(morphologyLabels(measures, [0, 1, 2, 3, 4]).values[2 * M], 0);
  assert.throws(() => morphologyLabels(measures, []), /no training digits/);
});

test("mnist-morpho in a study: thresholds are medians over the training digits, held-out digits labelled with them", async () => {
  const data = await prepareStudyData(parseStudyConfig({ dataset: "mnist-morpho" }));
  const rowOf = (id: string): number => Number(id.replace("train-", ""));
  const trainRows = data.pool.ids!.map(rowOf);
  const { pixels } = await readMnist(MNIST_MORPHO_SIZE);
  const measures = Array.from({ length: MNIST_MORPHO_SIZE }, (_, i) => measureDigit(pixels.subarray(i * 784, (i + 1) * 784)));
  const keys = ["thickness", "length", "area", "slant", "width"] as const;
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const trainMedians = keys.map((k) => median(trainRows.map((r) => measures[r][k])));
  const allMedians = keys.map((k) => median(measures.map((m) => m[k])));
  assert.ok(trainMedians.some((t, j) => t !== allMedians[j]), "the split changes at least one threshold, so the check below can fail");
  const M = MORPHOLOGY_LABELS.length;
  for (const source of [data.test, data.validation]) {
    const y = source.targets.morphology;
    assert.equal(y.kind, "multilabel");
    source.ids!.forEach((id, i) => {
      keys.forEach((k, j) => assert.equal(y.values[i * M + j], measures[rowOf(id)][k] > trainMedians[j] ? 1 : 0, `${source.name} ${id} ${k}`));
    });
  }
});

test("emoji: two vendors as two sources, one task each, both drawings of an emoji in one group", async () => {
  const table = await emoji.load();
  const [subgroup, tags] = table.tasks;
  assert.equal(subgroup.kind, "multiclass");
  assert.equal(tags.kind, "multilabel");
  assert.equal(tags.kind === "multilabel" && tags.labels.length, 30);
  assert.equal(table.n, emoji.size);
  assert.deepEqual(table.domains?.names, ["twitter", "google"]);
  assert.deepEqual(table.domains?.annotates, { twitter: ["subgroup"], google: ["tags"] });
  const half = table.n / 2;
  for (const i of [0, 17, half - 1]) {
    assert.equal(table.groups![i], table.groups![half + i]);
    assert.equal(table.domains!.domainOf[i], 0);
    assert.equal(table.domains!.domainOf[half + i], 1);
    assert.equal(table.ids![i].replace("twitter:", ""), table.ids![half + i].replace("google:", ""));
  }
  const labels = table.targets.subgroup.kind === "multiclass" ? table.targets.subgroup.labels : new Int32Array();
  const perClass = new Map<number, number>();
  for (let i = 0; i < half; i++) perClass.set(labels[i], (perClass.get(labels[i]) ?? 0) + 1);
  assert.ok([...perClass.values()].every((c) => c >= 15), "every kept subgroup has at least 15 emoji");
});
