import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCsv } from "../../src/data/readers/index.js";
import { fitInputEncoder, inputEncoderFromJSON } from "../../src/data/encoder.js";
import type { ColumnSpec } from "../../src/data/spec.js";

const SPEC: ColumnSpec = {
  inputs: { numeric: ["x"], categorical: ["colour"] },
  tasks: [{ name: "t", kind: "multiclass", column: "t" }],
};
// Synthetic: rows 0-2 train, row 3 test with an unseen category and a far value, row 4 missing values.
const TABLE = parseCsv("x,colour,t\n1,red,a\n2,blue,a\n6,red,b\n100,purple,b\n,,a\n", "synthetic.csv");

test("standardisation uses the training rows' mean and std only", () => {
  const encoder = fitInputEncoder(TABLE.records, SPEC, [0, 1, 2]);
  const mean = 3;
  const std = Math.sqrt(((1 - 3) ** 2 + (2 - 3) ** 2 + (6 - 3) ** 2) / 3);
  const { inputs, inputShape, inputNames } = encoder.encode(TABLE.records);
  assert.deepEqual(inputShape, [3]);
  assert.deepEqual(inputNames, ["x", "colour=blue", "colour=red"]);
  assert.ok(Math.abs(inputs[0] - (1 - mean) / std) < 1e-6);
  assert.ok(Math.abs(inputs[3 * 3] - (100 - mean) / std) < 1e-4, "test value uses train stats");
});

test("a category seen only in test rows, and a missing one, encode as all zeros; missing numeric = train mean", () => {
  const encoder = fitInputEncoder(TABLE.records, SPEC, [0, 1, 2]);
  const { inputs } = encoder.encode(TABLE.records);
  assert.deepEqual([...inputs.subarray(3 * 3 + 1, 3 * 3 + 3)], [0, 0], "purple unseen in training");
  assert.deepEqual([...inputs.subarray(4 * 3, 5 * 3)], [0, 0, 0], "missing x -> mean -> 0; missing colour -> zeros");
  assert.deepEqual([...inputs.subarray(1, 3)], [0, 1], "red one-hot");
  // Fitting on all rows instead makes purple a category: proves the vocabulary comes from trainRows.
  assert.equal(fitInputEncoder(TABLE.records, SPEC, [0, 1, 2, 3]).size, 4);
});

test("encoder JSON round trip gives identical encodings; bad JSON is rejected", () => {
  const encoder = fitInputEncoder(TABLE.records, SPEC, [0, 1, 2]);
  const json = JSON.parse(JSON.stringify(encoder.toJSON()));
  const restored = inputEncoderFromJSON(json, "enc.json");
  assert.deepEqual([...restored.encode(TABLE.records).inputs], [...encoder.encode(TABLE.records).inputs]);
  assert.throws(() => inputEncoderFromJSON({ ...json, numeric: [{ column: "x", mean: 0, std: 0 }] }, "enc.json"), /enc\.json: invalid input encoder: numeric\.0\.std/);
});

test("a constant training column gets std 1 (no division by zero)", () => {
  const table = parseCsv("x,colour,t\n5,a,a\n5,a,a\n7,a,a\n", "c.csv");
  const { inputs } = fitInputEncoder(table.records, SPEC, [0, 1]).encode(table.records);
  assert.deepEqual([inputs[0], inputs[2 * 2]], [0, 2]);
});
