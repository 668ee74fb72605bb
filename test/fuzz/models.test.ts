import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import { MultiTaskModel } from "../../src/models/multitask.js";
import { saveModel } from "../../src/models/io.js";
import { parseCsv } from "../../src/data/readers/index.js";
import { tableFromRecords, type TabularInputMatrix } from "../../src/data/table.js";
import { predictCommand } from "../../src/cli/predict.js";
import { CorruptCheckpointError, decodeCheckpoint, encodeCheckpoint } from "../../src/train/checkpoint.js";
import { readFloat32Verified, readRunResult, writeFloat32Verified, writeRunResult } from "../../src/study/cache.js";
import type { RunResult } from "../../src/study/results.js";
import { Tally, applyEdits, editJson, jsonEdit, outcome, params, textEdit, tmpDir } from "./harness.js";

const tally = new Tally("model directories, checkpoints and run-cache files");
const CSV = "x,y,species,f1,f2\n1,2,Adelie,1,0\n-1,0.5,Gentoo,0,1\n0.3,-2,Chinstrap,1,1\n2,2,Adelie,0,0\n";
const SPEC = { inputs: { numeric: ["x", "y"] }, tasks: [{ name: "species", kind: "multiclass" as const, column: "species" }, { name: "__proto__", kind: "multilabel" as const, columns: ["f1", "f2"] }] };

async function modelFixture(): Promise<{ dir: string; data: string }> {
  await useBackend("wasm");
  const base = await tmpDir("model");
  const data = path.join(base, "data.csv");
  await fs.writeFile(data, CSV);
  const table = tableFromRecords(parseCsv(CSV, "data.csv"), SPEC);
  const inputs = (await table.inputs([0, 1, 2, 3])) as TabularInputMatrix;
  const model = new MultiTaskModel({ inputShape: [2], tasks: table.tasks, trunk: { hidden: [4] }, seed: 1 });
  const dir = path.join(base, "model");
  await saveModel(dir, model.model, { format: "distmatch-model", version: 1, tasks: table.tasks, inputShape: [2], encoder: inputs.encoder.toJSON(), extra: { spec: SPEC } });
  model.dispose();
  return { dir, data };
}

type Mutation =
  | { file: "distmatch.json" | "model.json"; kind: "json"; edits: { pick: number; value: unknown; remove: boolean }[] }
  | { file: "distmatch.json" | "model.json"; kind: "text"; edits: { at: number; remove: number; insert: string }[] }
  | { file: "weights.bin"; kind: "truncate" | "flip" | "nan"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ file: fc.constantFrom("distmatch.json" as const, "model.json" as const), kind: fc.constant("json" as const), edits: fc.array(jsonEdit, { minLength: 1, maxLength: 2 }) }),
  fc.record({ file: fc.constantFrom("distmatch.json" as const, "model.json" as const), kind: fc.constant("text" as const), edits: fc.array(textEdit, { minLength: 1, maxLength: 2 }) }),
  fc.record({ file: fc.constant("weights.bin" as const), kind: fc.constantFrom("truncate" as const, "flip" as const, "nan" as const), at: fc.nat() }),
);

async function mutate(dir: string, m: Mutation): Promise<void> {
  const file = path.join(dir, m.file);
  if (m.file === "weights.bin") {
    const bytes = Buffer.from(await fs.readFile(file));
    if (m.kind === "truncate") return fs.writeFile(file, bytes.subarray(0, m.at % bytes.length));
    if (m.kind === "flip") bytes[m.at % bytes.length] ^= 0xff;
    if (m.kind === "nan") bytes.writeFloatLE(NaN, 4 * (m.at % (bytes.length / 4)));
    return fs.writeFile(file, bytes);
  }
  const text = await fs.readFile(file, "utf8");
  if (m.kind === "json") await fs.writeFile(file, JSON.stringify(m.edits.reduce<unknown>((v, e) => editJson(v, e), JSON.parse(text))));
  else if (m.kind === "text") await fs.writeFile(file, applyEdits(text, m.edits));
}

test("model directories with an edited distmatch.json, model.json or weights.bin: an error naming the file, or finite predictions over the model's classes", async () => {
  const { dir, data } = await modelFixture();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      const caseDir = `${dir}-${n++}`;
      await fs.cp(dir, caseDir, { recursive: true });
      if (process.env.DISTMATCH_FUZZ_DEBUG) process.stderr.write(`${JSON.stringify(m)}\n`);
      await mutate(caseDir, m);
      const output = path.join(caseDir, "out.jsonl");
      const meta = await fs.readFile(path.join(caseDir, "distmatch.json"), "utf8").then((t) => JSON.parse(t) as { tasks: { name: string; kind: string; classes?: string[]; labels?: string[] }[] }).catch(() => undefined);
      const done = await outcome(tally, () => predictCommand({ model: caseDir, data, output }), [caseDir, path.basename(data)]);
      if (done === undefined && !(await fs.access(output).then(() => true, () => false))) return;
      const lines = (await fs.readFile(output, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as Record<string, { class?: string; labels?: string[]; probabilities: Record<string, number> }>);
      assert.equal(lines.length, 4);
      for (const line of lines) {
        for (const task of meta!.tasks) {
          const out = Object.hasOwn(line, task.name) ? line[task.name] : undefined;
          assert.ok(out, `prediction for task "${task.name}"`);
          const probs = Object.values(out.probabilities);
          assert.equal(probs.length, task.kind === "multiclass" ? task.classes!.length : task.labels!.length);
          assert.ok(probs.every((p) => typeof p === "number" && Number.isFinite(p) && p >= 0 && p <= 1), JSON.stringify(out));
          if (task.kind === "multiclass") {
            assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-4);
            assert.ok(task.classes!.includes(out.class!));
          }
        }
      }
    }),
    params(),
  );
});

const stateArb = fc.record({ epoch: fc.nat(100), note: fc.string({ maxLength: 6 }), values: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 3 }) });
const tensorsArb = fc.array(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 });
const byteEdit = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

function editBytes(bytes: Uint8Array, e: fc.Arbitrary<unknown> extends never ? never : { kind: "flip"; at: number; mask: number } | { kind: "truncate"; at: number } | { kind: "append"; bytes: Uint8Array }): Uint8Array {
  if (e.kind === "append") return new Uint8Array([...bytes, ...e.bytes]);
  if (e.kind === "truncate") return bytes.subarray(0, e.at % bytes.length);
  const out = new Uint8Array(bytes);
  out[e.at % out.length] ^= e.mask;
  return out;
}

test("checkpoints: any changed byte, cut or appended bytes are a CorruptCheckpointError naming the file; intact bytes round-trip exactly", async () => {
  await useBackend("wasm");
  await fc.assert(
    fc.asyncProperty(stateArb, tensorsArb, fc.option(byteEdit, { nil: undefined }), async (state, arrays, edit) => {
      const tensors = arrays.map((a, i) => ({ name: `w${i}`, tensor: tf.tensor(a) }));
      const bytes = await encodeCheckpoint({ state, groups: { model: tensors } });
      tensors.forEach((t) => t.tensor.dispose());
      const changed = edit ? editBytes(bytes, edit) : bytes;
      const loaded = await outcome(tally, () => decodeCheckpoint<typeof state>(changed, "run.ckpt"), ["run.ckpt"], /run\.ckpt: corrupt checkpoint/);
      assert.equal(loaded === undefined, edit !== undefined, "exactly the edited checkpoints are refused");
      if (edit !== undefined) await assert.rejects(decodeCheckpoint(changed, "run.ckpt"), CorruptCheckpointError);
      if (!loaded) return;
      assert.deepEqual(loaded.state, JSON.parse(JSON.stringify(state)));
      loaded.groups.model.forEach((t, i) => {
        assert.deepEqual(Array.from(t.tensor.dataSync()), Array.from(Float32Array.from(arrays[i])));
        t.tensor.dispose();
      });
    }),
    params(),
  );
});

const METRICS: RunResult["metrics"][string] = { kind: "multiclass", primary: "accuracy", values: { accuracy: 0.75, macroF1: 0.5 }, confusion: [[1, 0], [1, 2]], n: 4 };
const RUN: RunResult = {
  variant: "mt",
  split: 0,
  seed: 3,
  metrics: Object.fromEntries([["constructor", METRICS]]),
  curves: [{ epoch: 1, losses: { "sup:constructor": 0.7, total: 0.7 }, validation: { constructor: 0.5 }, seconds: 0.1 }],
  bestEpoch: 1,
  epochs: 1,
  wallSeconds: 0.2,
};

test("run-cache files with random edits: the original result, or moved aside with a message naming the file (never a changed result)", async () => {
  const dir = await tmpDir("cache");
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(textEdit, { maxLength: 3 }), fc.option(byteEdit, { nil: undefined }), async (edits, probsEdit) => {
      const file = path.join(dir, `run-${n}.json`);
      const probsFile = path.join(dir, `run-${n++}.pool.f32`);
      await writeRunResult(file, RUN);
      await fs.writeFile(file, applyEdits(await fs.readFile(file, "utf8"), edits));
      const probs = Float32Array.from([0.1, 0.9, 0.5, 0.5]);
      await writeFloat32Verified(probsFile, probs);
      if (probsEdit) await fs.writeFile(probsFile, editBytes(await fs.readFile(probsFile), probsEdit));
      const messages: string[] = [];
      const onCorrupt = (f: string, movedTo: string, reason: string): void => void messages.push(`${f}: ${reason}; moved to ${movedTo}`);
      const result = await readRunResult(file, onCorrupt);
      if (result) {
        assert.deepEqual(result, RUN);
        tally.result();
      } else {
        assert.ok(messages[0]?.startsWith(file) && messages[0].includes(`${file}.corrupt`), messages.join("\n"));
        await fs.access(`${file}.corrupt`);
        tally.error();
      }
      const values = await readFloat32Verified(probsFile, 4, onCorrupt);
      assert.equal(values === undefined, probsEdit !== undefined);
      if (values) assert.deepEqual(values, probs);
      else assert.ok(messages.some((m) => m.startsWith(probsFile)));
    }),
    params(),
  );
});

test("tally", (t) => t.diagnostic(tally.line));
