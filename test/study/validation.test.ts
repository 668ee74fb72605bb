import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStudyConfig, readStudyConfig } from "../../src/study/config.js";
import { runStudy } from "../../src/study/run.js";
import { fileSafeName } from "../../src/data/names.js";
import { fitInputEncoder, meanAndStd } from "../../src/data/encoder.js";
import { parseCsv, readTable } from "../../src/data/readers/index.js";
import { tableFromRecords } from "../../src/data/table.js";
import { tableToSource } from "../../src/data/sources.js";
import { estimateFromSources } from "../../src/relatedness/index.js";

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "distmatch-validation-"));
}

/** A small learnable table: class = x > 0, flag = y > 0; `label(i)` may override the class cell. */
function csv(n: number, options: { classColumn?: string; flagColumn?: string; label?: (i: number) => string; flags?: boolean } = {}): string {
  const c = options.classColumn ?? "kind";
  const f = options.flagColumn ?? "flag";
  const header = ["x", "y", c, ...(options.flags === false ? [] : [f])].join(",");
  const rows = Array.from({ length: n }, (_, i) => {
    const x = Math.sin(i * 1.7) * 3;
    const y = Math.cos(i * 2.3) * 3;
    const label = options.label ? options.label(i) : x > 0 ? "pos" : "neg";
    return [x.toFixed(3), y.toFixed(3), label, ...(options.flags === false ? [] : [y > 0 ? "1" : "0"])].join(",");
  });
  return [header, ...rows].join("\n") + "\n";
}

function spec(classTask = "kind", classColumn = "kind", flagTask = "flag", flagColumn = "flag") {
  return {
    inputs: { numeric: ["x", "y"] },
    tasks: [
      { name: classTask, kind: "multiclass", column: classColumn },
      { name: flagTask, kind: "multilabel", columns: [flagColumn] },
    ],
  };
}

async function study(dir: string, files: Record<string, string>, extra: Record<string, unknown> = {}, taskSpec: Record<string, unknown> = spec()) {
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  const sources = Object.keys(files).filter((f) => f !== "test.csv").map((file) => ({ file }));
  return runStudy(
    { data: { sources, spec: taskSpec, ...("test.csv" in files ? { test: "test.csv" } : {}) }, seeds: [0], variants: ["mt"], training: { epochs: 1 }, outDir: path.join(dir, "out"), ...extra },
    { baseDir: dir },
  );
}

test("a task with one class, too few training labels, or no test labels is refused before training", async () => {
  const dir = await tmpDir();
  await assert.rejects(study(dir, { "a.csv": csv(60, { label: () => "only" }) }), /task "kind": has 1 class/);
  const declared = { ...spec(), tasks: [{ name: "kind", kind: "multiclass", column: "kind", classes: ["neg", "pos"] }, spec().tasks[1]] };
  await assert.rejects(study(dir, { "a.csv": csv(60, { label: (i) => (i === 0 ? "pos" : "") }) }, {}, declared), /task "kind": [01] labelled training sample\(s\)/);
  await assert.rejects(
    study(dir, { "a.csv": csv(60), "test.csv": csv(20, { flags: false }) }),
    (err: Error) => err.message.startsWith("test.csv") && /task "flag" has no labelled sample/.test(err.message),
  );
});

test("a batch size beyond the memory estimate is refused with the numbers; seeds must be unique 32-bit integers; '..' is no name", async () => {
  const dir = await tmpDir();
  await assert.rejects(study(dir, { "a.csv": csv(60) }, { model: { hidden: [4096] }, training: { epochs: 1, batchSize: 60000 } }), /training\.batchSize: 60000 needs about \d+ MB .* use at most \d+/);
  const base = { dataset: "zoo" };
  assert.throws(() => parseStudyConfig({ ...base, training: { batchSize: 1e6 } }, "c.json"), /c\.json[\s\S]*training\.batchSize: .*at most 65536/);
  assert.throws(() => parseStudyConfig({ ...base, seeds: [1, 2, 1] }, "c.json"), /seeds: every seed once/);
  assert.throws(() => parseStudyConfig({ ...base, seeds: [2 ** 32] }, "c.json"), /seeds\.0: at most 4294967295/);
  for (const name of [".", ".."]) assert.throws(() => parseStudyConfig({ ...base, name }, "c.json"), /name: must not be '\.' or '\.\.'/);
});

test("names that would collide or read Object.prototype are ordinary names: distinct files, own lookups", async () => {
  const names = ["a b", "a_b", "a-b", "a__b", "ab", "__proto__", "constructor", "toString", "", "é"];
  const files = names.map(fileSafeName);
  assert.equal(new Set(files).size, names.length, files.join(" "));
  for (const f of files) assert.match(f, /^[A-Za-z0-9_]*$/);

  const dir = await tmpDir();
  const text = csv(80).replace("kind", "__proto__").replace("flag", "toString");
  const { results } = await study(dir, { "a.csv": text }, { variants: ["st", "mt"] }, spec("constructor", "__proto__", "a b", "toString"));
  const runFiles = await fs.readdir(path.join(dir, "out", "study", "runs"));
  assert.equal(runFiles.filter((f) => f.startsWith("st-") && f.includes("-r0-") && f.endsWith(".json")).length, 2);
  assert.ok(Object.hasOwn(results.summary.find((s) => s.task === "constructor")!.variants, "mt"));
  assert.equal(results.runs.find((r) => r.variant === "mt")!.metrics["constructor"].n > 0, true);
  assert.equal(results.runs.find((r) => r.variant === "mt")!.metrics["a b"].kind, "multilabel");
});

test("1e308 inputs standardise to finite values; a value beyond float32 after standardising names its cell", () => {
  assert.deepEqual(meanAndStd([1e308, -1e308, 1e308, -1e308]), { mean: 0, std: 1e308 });
  const table = parseCsv("x,k\n1e308,a\n-1e308,b\n1e308,a\n", "big.csv");
  const encoder = fitInputEncoder(table.records, { inputs: { numeric: ["x"] }, tasks: [{ name: "k", kind: "multiclass", column: "k" }] }, [0, 1, 2]);
  const encoded = encoder.encode(table.records);
  assert.ok(encoded.inputs.every(Number.isFinite), String(encoded.inputs));
  const small = parseCsv("x,k\n1,a\n2,b\n1e300,a\n", "big.csv");
  const narrow = fitInputEncoder(small.records, { inputs: { numeric: ["x"] }, tasks: [{ name: "k", kind: "multiclass", column: "k" }] }, [0, 1]);
  assert.throws(() => narrow.encode(small.records), /big\.csv:4: column "x": value 1e\+300 is too large/);
});

test("configs with a BOM parse; unreadable files, folders and corrupt gzip are errors naming the file; huge cells are cut", async () => {
  const dir = await tmpDir();
  await fs.writeFile(path.join(dir, "c.json"), '\uFEFF{"dataset":"zoo"}');
  assert.deepEqual(await readStudyConfig(path.join(dir, "c.json")), { dataset: "zoo" });
  await assert.rejects(readStudyConfig(dir), (e: Error) => e.message.startsWith(dir) && /folder/.test(e.message));
  await fs.mkdir(path.join(dir, "folder.csv"));
  await assert.rejects(readTable(path.join(dir, "folder.csv")), (e: Error) => e.message.startsWith(path.join(dir, "folder.csv")) && /folder/.test(e.message));
  await fs.writeFile(path.join(dir, "bad.arff.gz"), "not gzip");
  await assert.rejects(readTable(path.join(dir, "bad.arff.gz")), (e: Error) => e.message.startsWith(path.join(dir, "bad.arff.gz")) && /gzip/.test(e.message));
  const huge = parseCsv(`x,k\n1,${"z".repeat(1e6)}\n`, "huge.csv");
  assert.throws(
    () => tableFromRecords(huge, { inputs: { numeric: ["x"] }, tasks: [{ name: "k", kind: "multiclass", column: "k", classes: ["a", "b"] }] }),
    (e: Error) => e.message.startsWith("huge.csv:2") && e.message.length < 500,
  );
});

test('"null" cells are missing labels; relatedness from a multi-label task A is a clear error', () => {
  const table = tableFromRecords(parseCsv("x,k,f\n1,a,1\n2,null,null\n3,b,0\n", "n.csv"), { inputs: { numeric: ["x"] }, tasks: [{ name: "k", kind: "multiclass", column: "k" }, { name: "f", kind: "multilabel", columns: ["f"] }] });
  assert.deepEqual(table.tasks[0], { kind: "multiclass", name: "k", classes: ["a", "b"] });
  const k = table.targets.k;
  assert.ok(k.kind === "multiclass");
  assert.deepEqual([...k.labels], [0, -1, 1]);
  const source = tableToSource(table, { inputShape: [0], inputs: new Float32Array(0), description: "" }, { name: "n.csv" });
  assert.throws(() => estimateFromSources([source], table.tasks[1], table.tasks[0]), /task A \("f"\) must be multi-class.*swap the tasks: --from k --to f/);
});
