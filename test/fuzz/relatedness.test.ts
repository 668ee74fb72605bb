import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRelatedness, relatednessToCsv, relatednessToJson } from "../../src/relatedness/io.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";
import type { Relatedness } from "../../src/relatedness/types.js";
import { Tally, applyEdits, editJson, jsonEdit, outcome, params, textEdit } from "./harness.js";

const tally = new Tally("relatedness files");
const FROM = multiClassTask("expression", ["happy", "sad", "constructor"]);
const TO_LABELS = multiLabelTask("au", ["AU1", "AU2", "__proto__"]);
const TO_CLASSES = multiClassTask("valence", ["neg", "pos"]);

const R_LABELS: Relatedness = { from: "expression", to: "au", toKind: "multilabel", rows: ["happy", "sad", "constructor"], columns: ["AU1", "AU2", "__proto__"], values: [[0.1, 0.9, 0], [0.5, 0.5, 1], [0, 0.2, 0.3]] };
const R_CLASSES: Relatedness = { from: "expression", to: "valence", toKind: "multiclass", rows: ["happy", "sad", "constructor"], columns: ["neg", "pos"], values: [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]] };

/** A loaded matrix is in the tasks' order, finite, in [0, 1], with rows summing to 1 for a multi-class B. */
function assertValid(R: Relatedness, to: typeof TO_LABELS | typeof TO_CLASSES): void {
  assert.deepEqual(R.rows, FROM.classes);
  assert.deepEqual(R.columns, to.kind === "multiclass" ? to.classes : to.labels);
  for (const row of R.values) {
    assert.equal(row.length, R.columns.length);
    for (const v of row) assert.ok(Number.isFinite(v) && v >= 0 && v <= 1, String(v));
    if (R.toKind === "multiclass") assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) <= 1e-6);
  }
}

const which = fc.constantFrom([R_LABELS, TO_LABELS] as const, [R_CLASSES, TO_CLASSES] as const);

test("relatedness JSON with random field edits: an error naming the file and field, or a valid matrix in the tasks' order", async () => {
  await fc.assert(
    fc.asyncProperty(which, fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), async ([R, to], edits) => {
      const value = edits.reduce<unknown>((v, e) => editJson(v, e), JSON.parse(relatednessToJson(R)));
      const loaded = await outcome(tally, () => parseRelatedness(JSON.stringify(value), "r.json", { from: FROM, to }), ["r.json"]);
      if (loaded) assertValid(loaded, to);
    }),
    params(),
  );
});

test("relatedness JSON/CSV text with random edits: an error naming the file, or a valid matrix", async () => {
  await fc.assert(
    fc.asyncProperty(which, fc.constantFrom("json", "csv"), fc.array(textEdit, { minLength: 1, maxLength: 3 }), async ([R, to], format, edits) => {
      const text = format === "json" ? relatednessToJson(R) : relatednessToCsv(R);
      const file = `r.${format}`;
      const loaded = await outcome(tally, () => parseRelatedness(applyEdits(text, edits), file, { from: FROM, to }), [file]);
      if (loaded) assertValid(loaded, to);
    }),
    params(),
  );
});

test("a relatedness file with rows and columns in any order loads in the tasks' order with each value in its cell", async () => {
  await fc.assert(
    fc.asyncProperty(which, fc.constantFrom("json", "csv"), fc.nat(), fc.nat(), async ([R, to], format, rowSeed, colSeed) => {
      const rowOrder = rotate(R.rows.map((_, i) => i), rowSeed);
      const colOrder = rotate(R.columns.map((_, j) => j), colSeed);
      const shuffled: Relatedness = { ...R, rows: rowOrder.map((i) => R.rows[i]), columns: colOrder.map((j) => R.columns[j]), values: rowOrder.map((i) => colOrder.map((j) => R.values[i][j])) };
      const text = format === "json" ? relatednessToJson(shuffled) : relatednessToCsv(shuffled);
      const loaded = await outcome(tally, () => parseRelatedness(text, `r.${format}`, { from: FROM, to }), [`r.${format}`]);
      assert.ok(loaded, "a valid file loads");
      assert.deepEqual(loaded.values, R.values);
    }),
    params(),
  );
});

function rotate(order: number[], by: number): number[] {
  const k = by % order.length;
  return by % 2 === 0 ? [...order.slice(k), ...order.slice(0, k)] : [...order.slice(k), ...order.slice(0, k)].reverse();
}

test("tally", (t) => t.diagnostic(tally.line));
