import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { readTable } from "../../src/data/readers/index.js";
import { tableFromRecords } from "../../src/data/table.js";
import { cellText as cellTextOf } from "../../src/data/cells.js";
import { Tally, applyEdits, cellText, outcome, params, textEdit, tmpDir, HOSTILE_NAMES } from "./harness.js";

const tally = new Tally("readers");
const columnName = fc.oneof(fc.constantFrom(...HOSTILE_NAMES), fc.string({ minLength: 1, maxLength: 6 }));

const table = fc.record({
  columns: fc.uniqueArray(columnName, { minLength: 1, maxLength: 5 }),
  rows: fc.array(fc.array(cellText, { minLength: 5, maxLength: 5 }), { maxLength: 6 }),
  bom: fc.boolean(),
});

function quote(cell: string): string {
  return `"${cell.replace(/"/g, '""')}"`;
}

test("CSV: a well-formed file reads back exactly (trimmed cells, own keys only), or its header is refused naming the file", async () => {
  const dir = await tmpDir("csv");
  await fc.assert(
    fc.asyncProperty(table, async ({ columns, rows, bom }) => {
      const file = path.join(dir, "t.csv");
      const text = [columns.map(quote).join(","), ...rows.map((r) => columns.map((_, i) => quote(r[i])).join(","))].join("\n") + "\n";
      await fs.writeFile(file, (bom ? "\uFEFF" : "") + text);
      const read = await outcome(tally, () => readTable(file), ["t.csv"], /t\.csv:1\b/);
      const names = columns.map((c) => c.trim());
      const valid = names.every((n) => n !== "") && new Set(names).size === names.length;
      assert.equal(read !== undefined, valid, `header ${JSON.stringify(columns)}`);
      if (!read) return;
      assert.deepEqual(read.columns, names);
      const kept = rows;
      assert.equal(read.records.length, rows.length);
      read.records.forEach((rec, i) => {
        assert.deepEqual(Object.keys(rec.values).sort(), [...names].sort());
        names.forEach((n, j) => assert.equal(rec.values[n], kept[i][j].trim()));
      });
      // A column the file lacks reads as absent, never as an Object.prototype member.
      for (const rec of read.records) for (const n of ["constructor", "toString", "__proto__"]) if (!names.includes(n)) assert.equal(rec.values[n], undefined);
    }),
    params(),
  );
});

test("JSONL: objects of scalars read back key by key (absent = null), even keys like __proto__", async () => {
  const dir = await tmpDir("jsonl");
  const scalar = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double({ noNaN: true, noDefaultInfinity: true }));
  const records = fc.array(fc.uniqueArray(fc.tuple(columnName, scalar), { selector: ([k]) => k, maxLength: 4 }), { minLength: 1, maxLength: 5 });
  await fc.assert(
    fc.asyncProperty(records, async (recs) => {
      const file = path.join(dir, "t.jsonl");
      await fs.writeFile(file, recs.map((r) => `{${r.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`).join("\n") + "\n");
      const read = await outcome(tally, () => readTable(file), ["t.jsonl"]);
      assert.ok(read, "valid JSON lines are read");
      recs.forEach((r, i) => {
        for (const [k, v] of r) assert.equal(read.records[i].values[k], Object.is(v, -0) ? 0 : v);
        for (const c of read.columns) if (!r.some(([k]) => k === c)) assert.equal(read.records[i].values[c], null);
      });
    }),
    params(),
  );
});

const SPEC = {
  inputs: { numeric: ["x"], categorical: ["site"] },
  tasks: [
    { name: "kind", kind: "multiclass" as const, column: "kind" },
    { name: "flags", kind: "multilabel" as const, columns: ["f1", "f2"] },
  ],
};
const BASE = {
  csv: "x,site,kind,f1,f2\n1.5,a,cat,1,0\n-2,b,dog,0,\n3,a,?,yes,no\n0.25,,dog,,1\n",
  jsonl: '{"x":1.5,"site":"a","kind":"cat","f1":1,"f2":0}\n{"x":-2,"site":"b","kind":"dog","f1":0}\n{"x":3,"site":"a","kind":null,"f1":"yes","f2":"no"}\n',
  arff: "@relation t\n@attribute x numeric\n@attribute site {a,b}\n@attribute kind {cat,dog}\n@attribute f1 {0,1}\n@attribute f2 {0,1}\n@data\n1.5,a,cat,1,0\n-2,b,dog,0,?\n3,a,?,1,0\n",
};

test("CSV/JSONL/ARFF with random edits: a clear error naming the file, or a table whose labels and inputs match its cells", async () => {
  const dir = await tmpDir("edits");
  const format = fc.constantFrom("csv", "jsonl", "arff") as fc.Arbitrary<keyof typeof BASE>;
  await fc.assert(
    fc.asyncProperty(format, fc.array(textEdit, { minLength: 1, maxLength: 4 }), async (ext, edits) => {
      const name = `e.${ext}`;
      const file = path.join(dir, name);
      await fs.writeFile(file, applyEdits(BASE[ext], edits));
      const result = await outcome(tally, async () => {
        const raw = await readTable(file);
        const t = tableFromRecords(raw, SPEC);
        return { raw, t, inputs: await t.inputs(Array.from({ length: t.n }, (_, i) => i)) };
      }, [name]);
      if (!result) return;
      const { raw, t, inputs } = result;
      assert.ok(inputs.inputs.every(Number.isFinite), "inputs are finite");
      const kind = t.tasks.find((x) => x.name === "kind")!;
      const labels = t.targets.kind;
      assert.ok(kind.kind === "multiclass" && labels.kind === "multiclass");
      raw.records.forEach((rec, i) => {
        const k = labels.labels[i];
        if (k >= 0) assert.equal(kind.classes[k], cellTextOf(rec.values.kind));
      });
    }),
    params(),
  );
});

test("tally", (t) => t.diagnostic(tally.line));
