import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCsv, parseJsonl } from "../../src/data/readers/index.js";
import { tableFromRecords, recordsToSource, checkTables } from "../../src/data/table.js";
import { fitInputEncoder } from "../../src/data/encoder.js";
import { parseColumnSpec, type ColumnSpec } from "../../src/data/spec.js";

// Synthetic data: two numeric inputs, one categorical, a 3-class task and a 2-label task.
const CSV = `x,y,colour,kind,wet,big
1,10,red,a,1,yes
2,20,blue,b,0,no
3,30,red,c,,true
4,40,green,,1,false
`;

const SPEC: ColumnSpec = {
  inputs: { numeric: ["x", "y"], categorical: ["colour"] },
  tasks: [
    { name: "kind", kind: "multiclass", column: "kind", classes: ["a", "b", "c"] },
    { name: "flags", kind: "multilabel", columns: ["wet", "big"] },
  ],
};

test("tableFromRecords: targets with missing labels and masks", () => {
  const table = tableFromRecords(parseCsv(CSV, "synthetic.csv"), SPEC);
  assert.equal(table.n, 4);
  assert.deepEqual(table.tasks.map((t) => t.name), ["kind", "flags"]);
  const kind = table.targets.kind;
  assert.equal(kind.kind, "multiclass");
  if (kind.kind === "multiclass") assert.deepEqual([...kind.labels], [0, 1, 2, -1]);
  const flags = table.targets.flags;
  assert.equal(flags.kind, "multilabel");
  if (flags.kind === "multilabel") {
    assert.deepEqual([...flags.values], [1, 1, 0, 0, 0, 1, 1, 0]);
    assert.deepEqual([...flags.mask], [1, 1, 1, 1, 0, 1, 1, 1]);
  }
  assert.deepEqual(table.ids, ["synthetic.csv:2", "synthetic.csv:3", "synthetic.csv:4", "synthetic.csv:5"]);
});

test("classes are inferred (sorted) when the spec leaves them out", () => {
  const spec: ColumnSpec = { inputs: { numeric: ["x"], categorical: [] }, tasks: [{ name: "kind", kind: "multiclass", column: "kind" }] };
  const table = tableFromRecords(parseCsv("x,kind\n1,zeta\n2,alpha\n", "s.csv"), spec);
  assert.deepEqual(table.tasks[0].kind === "multiclass" && table.tasks[0].classes, ["alpha", "zeta"]);
});

test("binarised label columns: positive / negative / missing values", () => {
  const spec: ColumnSpec = {
    inputs: { numeric: ["x"], categorical: [] },
    tasks: [{ name: "s", kind: "multilabel", columns: [{ column: "pods", label: "pods-bad", positive: ["diseased"], negative: ["norm"], missing: ["dna"] }] }],
  };
  const table = tableFromRecords(parseCsv("x,pods\n1,diseased\n2,norm\n3,dna\n4,?\n", "p.csv"), spec);
  const s = table.targets.s;
  assert.ok(s.kind === "multilabel");
  assert.deepEqual([...s.values], [1, 0, 0, 0]);
  assert.deepEqual([...s.mask], [1, 1, 0, 0]);
  assert.deepEqual(table.tasks[0].kind === "multilabel" && table.tasks[0].labels, ["pods-bad"]);
  assert.throws(() => tableFromRecords(parseCsv("x,pods\n1,weird\n", "q.csv"), spec), /q\.csv:2: column "pods": expected one of \["diseased","norm","dna"\]/);
});

test("error: unknown input column names the file, header line and column", () => {
  const spec: ColumnSpec = { ...SPEC, inputs: { numeric: ["x", "height"], categorical: [] } };
  assert.throws(() => tableFromRecords(parseCsv(CSV, "synthetic.csv"), spec), /^DataError: synthetic\.csv:1: column "height": unknown column/);
});

test("error: label outside the declared classes names file, line, column", () => {
  const spec: ColumnSpec = { ...SPEC, tasks: [{ name: "kind", kind: "multiclass", column: "kind", classes: ["a", "b"] }] };
  assert.throws(() => tableFromRecords(parseCsv(CSV, "synthetic.csv"), spec), /synthetic\.csv:4: column "kind": label "c" is not one of the classes of task "kind": \["a","b"\]/);
});

test("error: a non-number in a numeric input column names file, line, column", async () => {
  const table = tableFromRecords(parseCsv(CSV.replace("3,30,red", "3,abc,red"), "synthetic.csv"), SPEC);
  await assert.rejects(table.inputs([0, 1, 2, 3]), /synthetic\.csv:4: column "y": expected a number \(numeric input column\), found "abc"/);
});

test("error: a bad boolean label names file, line, column", () => {
  assert.throws(() => tableFromRecords(parseCsv(CSV.replace("2,20,blue,b,0,no", "2,20,blue,b,maybe,no"), "synthetic.csv"), SPEC), /synthetic\.csv:3: column "wet": expected a boolean label \(0\/1\/true\/false\/yes\/no\), found "maybe"/);
});

test("error: a task no source annotates", () => {
  const spec: ColumnSpec = { ...SPEC, tasks: [...SPEC.tasks, { name: "age", kind: "multiclass", column: "age", classes: ["young"] }] };
  assert.throws(() => tableFromRecords(parseCsv(CSV, "synthetic.csv"), spec), /task "age" is annotated by no source: none of synthetic\.csv has column\(s\) \["age"\]/);
  const empty: ColumnSpec = { ...SPEC, tasks: [{ name: "kind", kind: "multiclass", column: "kind", classes: ["a"] }] };
  assert.throws(() => tableFromRecords(parseCsv("x,y,colour,kind\n1,2,red,\n", "e.csv"), empty), /task "kind" is annotated by no source: every label cell is missing/);
});

test("column spec validation (zod): bad kind, input used as target, label count", () => {
  assert.throws(() => parseColumnSpec({ inputs: { numeric: [] }, tasks: [{ name: "t", kind: "regression", column: "c" }] }, "spec.json"), /spec\.json: invalid column spec: tasks\.0\.kind/);
  assert.throws(() => parseColumnSpec({ inputs: { numeric: ["c"] }, tasks: [{ name: "t", kind: "multiclass", column: "c" }] }, "spec.json"), /column "c" is both an input and a target/);
  assert.throws(() => parseColumnSpec({ inputs: {}, tasks: [{ name: "t", kind: "multilabel", columns: ["a", "b"], labels: ["x"] }] }, "spec.json"), /expected 2 labels/);
  const ok = parseColumnSpec({ inputs: { numeric: ["x"] }, tasks: [{ name: "t", kind: "multiclass", column: "c" }] });
  assert.deepEqual(ok.inputs.categorical, []);
});

test("several files: each file is a domain annotating the tasks it has columns for", async () => {
  const a = parseCsv("x,y,colour,kind\n1,1,red,a\n2,2,blue,b\n", "a.csv");
  const b = parseJsonl('{"x":3,"y":3,"colour":"red","wet":1,"big":0}\n{"x":4,"y":4,"colour":"green","wet":0,"big":"yes"}\n', "b.jsonl");
  const table = tableFromRecords([a, b], SPEC);
  assert.equal(table.n, 4);
  assert.deepEqual(table.domains?.names, ["a.csv", "b.jsonl"]);
  assert.deepEqual([...(table.domains?.domainOf ?? [])], [0, 0, 1, 1]);
  assert.deepEqual(table.domains?.annotates, { "a.csv": ["kind"], "b.jsonl": ["flags"] });
  const kind = table.targets.kind;
  assert.ok(kind.kind === "multiclass");
  assert.deepEqual([...kind.labels], [0, 1, -1, -1]);
  const flags = table.targets.flags;
  assert.ok(flags.kind === "multilabel");
  assert.deepEqual([...flags.mask], [0, 0, 0, 0, 1, 1, 1, 1]);
  const inputs = await table.inputs([0, 1, 2, 3]);
  assert.deepEqual(inputs.inputShape, [5]);

  // One source per file: a file without a task's columns simply does not annotate it.
  const { tasks } = checkTables(SPEC, [a, b]);
  const encoder = fitInputEncoder([...a.records, ...b.records], SPEC, [0, 1, 2, 3]);
  const sa = recordsToSource(a, SPEC, encoder, { tasks });
  const sb = recordsToSource(b, SPEC, encoder, { tasks });
  assert.deepEqual(Object.keys(sa.targets), ["kind"]);
  assert.deepEqual(Object.keys(sb.targets), ["flags"]);
  assert.equal(sa.name, "a.csv");
  assert.equal(sb.inputs.length, 2 * 5);
});

test("group column gives dense group ids", () => {
  const spec: ColumnSpec = { ...SPEC, group: "g" };
  const table = tableFromRecords(parseCsv("x,y,colour,kind,wet,big,g\n1,1,r,a,1,1,p\n2,2,r,b,1,1,q\n3,3,r,a,1,1,p\n", "g.csv"), spec);
  assert.deepEqual([...(table.groups ?? [])], [0, 1, 0]);
});
