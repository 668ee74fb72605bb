import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseColumnSpec } from "../../src/data/spec.js";
import { parseCsv } from "../../src/data/readers/index.js";
import { tableFromRecords } from "../../src/data/table.js";
import { cellText as cellTextOf, missingTest } from "../../src/data/cells.js";
import { MAX_BATCH_SIZE, MAX_SEED, parseStudyConfig } from "../../src/study/config.js";
import { Tally, editJson, jsonEdit, outcome, params, HOSTILE_NAMES } from "./harness.js";

const tally = new Tally("specs and configs");

const SPEC = {
  inputs: { numeric: ["x"], categorical: ["site"] },
  tasks: [
    { name: "kind", kind: "multiclass", column: "kind", classes: ["cat", "dog"] },
    { name: "flags", kind: "multilabel", columns: ["f1", { column: "f2", positive: ["y"], negative: ["n"] }], labels: ["one", "two"] },
  ],
  missing: ["NA"],
};
const CSV = "x,site,kind,f1,f2\n1.5,a,cat,1,n\n-2,b,dog,0,y\n3,a,NA,yes,\n0.25,,dog,,n\n";

/** Multi-class labels must index the task's classes at the cell's text; multi-label values must be the cells' 0/1. */
function assertLabelsMatchCells(table: ReturnType<typeof tableFromRecords>, records: ReturnType<typeof parseCsv>["records"], spec: ReturnType<typeof parseColumnSpec>): void {
  const isMissing = missingTest(spec.missing);
  for (const taskSpec of spec.tasks) {
    const task = table.tasks.find((t) => t.name === taskSpec.name)!;
    const target = Object.hasOwn(table.targets, task.name) ? table.targets[task.name] : undefined;
    assert.ok(target, `targets of task "${task.name}"`);
    if (taskSpec.kind === "multiclass" && task.kind === "multiclass" && target.kind === "multiclass") {
      records.forEach((r, i) => {
        const cell = Object.hasOwn(r.values, taskSpec.column) ? r.values[taskSpec.column] : undefined;
        const k = target.labels[i];
        if (cell === undefined || isMissing(cell)) assert.equal(k, -1);
        else assert.equal(task.classes[k], cellTextOf(cell));
      });
    }
  }
}

test("column specs with random edits: a clear error naming the spec (or the data file), or labels that match the cells", async () => {
  const table = parseCsv(CSV, "s.csv");
  await fc.assert(
    fc.asyncProperty(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
      const value = edits.reduce<unknown>((v, e) => editJson(v, e), SPEC);
      const parsed = await outcome(tally, () => parseColumnSpec(value, "spec.json"), ["spec.json"]);
      if (!parsed) return;
      const built = await outcome(tally, () => tableFromRecords(table, parsed), ["s.csv", "spec", "task", "column"]);
      if (built) assertLabelsMatchCells(built, table.records, parsed);
    }),
    params(),
  );
});

test("hostile task and column names (__proto__, constructor, separators, unicode) are ordinary names", async () => {
  const name = fc.oneof(fc.constantFrom(...HOSTILE_NAMES), fc.string({ minLength: 1, maxLength: 5 }));
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(name, { minLength: 3, maxLength: 3, selector: (n) => n.trim() }), fc.uniqueArray(name, { minLength: 2, maxLength: 2 }), async (columns, tasks) => {
      fc.pre(columns.every((c) => c.trim() !== "" && !/[",\r\n]/.test(c)));
      const [input, classCol, flagCol] = columns.map((c) => c.trim());
      const csv = `${input},${classCol},${flagCol}\n1,a,1\n2,b,0\n3,,1\n4,a,\n`;
      const spec = { inputs: { numeric: [input] }, tasks: [{ name: tasks[0], kind: "multiclass", column: classCol }, { name: tasks[1], kind: "multilabel", columns: [flagCol] }] };
      const parsed = await outcome(tally, () => parseColumnSpec(spec, "spec.json"), ["spec.json"]);
      if (!parsed) return;
      const records = parseCsv(csv, "h.csv");
      const built = await outcome(tally, () => tableFromRecords(records, parsed), ["h.csv", "spec"]);
      assert.ok(built, "a valid spec over a valid file builds");
      assertLabelsMatchCells(built, records.records, parsed);
      assert.deepEqual(built.tasks.map((t) => t.name), tasks);
    }),
    params(),
  );
});

const CONFIG = {
  name: "my-study",
  data: { sources: [{ file: "a.csv" }], test: "t.csv", spec: SPEC },
  seeds: [0, 1, 2],
  variants: ["st", "mt"],
  split: { validation: 0.1, test: 0.2, overlap: 0, seed: 3 },
  model: { hidden: [16, 8], dropout: 0.1 },
  training: { epochs: 3, batchSize: 16, learningRate: 0.01, patience: 2, monitor: "loss" },
  coupling: { lambdaDm: 1, lambdaSca: 1, pairs: [["kind", "flags"]] },
  outDir: "runs",
};

test("study configs with random edits: a clear error naming the file and the field, or a config whose every field is in range", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
      const value = edits.reduce<unknown>((v, e) => editJson(v, e), CONFIG);
      const config = await outcome(tally, () => parseStudyConfig(value, "study.json"), ["study.json"], /study\.json: (invalid configuration\n {2}[^\n]*: |give |relatedness\.file)/);
      if (!config) return;
      assert.equal(new Set(config.seeds).size, config.seeds.length);
      assert.ok(config.seeds.every((s) => Number.isInteger(s) && s >= 0 && s <= MAX_SEED));
      assert.ok(config.name === undefined || (/^[A-Za-z0-9._-]+$/.test(config.name) && !/^\.+$/.test(config.name)));
      assert.ok(Number.isInteger(config.training.batchSize) && config.training.batchSize >= 1 && config.training.batchSize <= MAX_BATCH_SIZE);
      assert.ok(Number.isInteger(config.training.epochs) && config.training.epochs >= 1);
      assert.ok(config.split.validation >= 0 && config.split.validation <= 0.5 && config.split.test >= 0 && config.split.test <= 0.5);
      assert.ok(config.model.hidden.every((h) => Number.isInteger(h) && h > 0));
    }),
    params(),
  );
});

test("tally", (t) => t.diagnostic(tally.line));
