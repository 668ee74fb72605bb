import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/engine/backend.js";
import { buildObjective } from "../../src/coupling/index.js";
import { MultiTaskModel } from "../../src/models/multitask.js";
import { learningRateAt, train, type TrainEvent, type TrainOptions } from "../../src/train/trainer.js";
import { evaluateSource } from "../../src/train/evaluate.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";
import type { Source } from "../../src/data/types.js";
import { Rng } from "../../src/engine/random.js";
import { saveCheckpoint, encodeCheckpoint, decodeCheckpoint, CorruptCheckpointError } from "../../src/train/checkpoint.js";
import * as tf from "@tensorflow/tfjs";

const TASKS = [multiClassTask("a", ["x", "y", "z"]), multiLabelTask("b", ["p", "q"])];

/** Synthetic, learnable data: class = argmax of the first three inputs; label p = x0 > 0, q = x3 > 0. */
function syntheticSource(name: string, n: number, seed: number, annotate: ("a" | "b")[]): Source {
  const rng = new Rng(seed);
  const inputs = new Float32Array(n * 4);
  const labels = new Int32Array(n);
  const values = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < 4; d++) inputs[i * 4 + d] = rng.next() * 2 - 1;
    const row = inputs.subarray(i * 4, i * 4 + 3);
    labels[i] = row.indexOf(Math.max(...row));
    values[i * 2] = inputs[i * 4] > 0 ? 1 : 0;
    values[i * 2 + 1] = inputs[i * 4 + 3] > 0 ? 1 : 0;
  }
  const targets: Source["targets"] = {
    ...(annotate.includes("a") ? { a: { kind: "multiclass" as const, labels } } : {}),
    ...(annotate.includes("b") ? { b: { kind: "multilabel" as const, values, mask: new Float32Array(n * 2).fill(1) } } : {}),
  };
  return { name, n, inputShape: [4], inputs, targets };
}

const sources = [syntheticSource("only-a", 96, 1, ["a"]), syntheticSource("only-b", 64, 2, ["b"])];
const validation = syntheticSource("validation", 64, 3, ["a", "b"]);

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "distmatch-train-"));
}

async function run(options: TrainOptions, modelSeed = 7) {
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [16], dropout: 0.2 }, seed: modelSeed });
  const objective = buildObjective(TASKS, []);
  const result = await train({ model, sources, validation, objective, options });
  const weights = model.model.getWeights().map((w) => Array.from(w.dataSync()));
  return { model, result, weights, dispose: () => (objective.dispose(), model.dispose()) };
}

test("a resumed run reproduces an uninterrupted one exactly (weights, optimizer, sampler, dropout, history)", async () => {
  await useBackend("wasm");
  const dir = await tmpDir();
  const base = { seed: 3, batchSize: 16, learningRate: 0.01, weightDecay: 1e-3, patience: 0 };
  const full = await run({ ...base, epochs: 4, checkpoint: path.join(dir, "full.ckpt") });
  const part = await run({ ...base, epochs: 2, checkpoint: path.join(dir, "part.ckpt") });
  part.dispose();
  // A fresh process would build the model from scratch: a different init seed proves the checkpoint restores it.
  const resumed = await run({ ...base, epochs: 4, checkpoint: path.join(dir, "part.ckpt"), resume: true }, 99);
  assert.equal(resumed.result.history.length, 4);
  assert.deepEqual(
    resumed.result.history.map((h) => h.losses),
    full.result.history.map((h) => h.losses),
  );
  assert.deepEqual(resumed.weights, full.weights);
  full.dispose();
  resumed.dispose();
});

test("without resume, a different seed gives different weights (the equality above is not trivial)", async () => {
  await useBackend("wasm");
  const a = await run({ seed: 1, epochs: 1, batchSize: 16, patience: 0 });
  const b = await run({ seed: 2, epochs: 1, batchSize: 16, patience: 0 });
  assert.notDeepEqual(a.weights, b.weights);
  a.dispose();
  b.dispose();
});

test("training learns both tasks from non-overlapping synthetic sources", async () => {
  await useBackend("wasm");
  const { model, dispose } = await run({ seed: 0, epochs: 25, batchSize: 16, learningRate: 0.02, patience: 0 });
  const metrics = await evaluateSource(model, validation);
  assert.ok(metrics.a.values.accuracy > 0.8, `accuracy ${metrics.a.values.accuracy}`);
  assert.ok(metrics.b.values.meanAccuracy > 0.8, `mean accuracy ${metrics.b.values.meanAccuracy}`);
  dispose();
});

test("early stopping stops after `patience` epochs without improvement and keeps the best epoch's weights", async () => {
  await useBackend("wasm");
  const events: string[] = [];
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [8] }, seed: 1 });
  const objective = buildObjective(TASKS, []);
  // A learning rate this large makes validation stop improving quickly.
  const result = await train({
    model, sources, validation, objective,
    options: { seed: 0, epochs: 60, batchSize: 16, learningRate: 0.5, patience: 2 },
    onEvent: (e) => events.push(e.type),
  });
  assert.ok(result.stoppedEarly);
  assert.equal(result.epochs, result.bestEpoch + 2);
  assert.ok(events.includes("early-stop"));
  const best = result.history[result.bestEpoch - 1].validation;
  const now = await evaluateSource(model, validation);
  assert.ok(Math.abs(now.a.values.accuracy - best.a) < 1e-6, "the model holds the best epoch's weights");
  objective.dispose();
  model.dispose();
});

test("resuming from a checkpoint of another model fails with a clear error naming the file", async () => {
  await useBackend("wasm");
  const dir = await tmpDir();
  const file = path.join(dir, "other.ckpt");
  await run({ seed: 0, epochs: 1, batchSize: 16, checkpoint: file }).then((r) => r.dispose());
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [32, 8] }, seed: 1 });
  const objective = buildObjective(TASKS, []);
  await assert.rejects(
    train({ model, sources, objective, options: { seed: 0, epochs: 2, checkpoint: file, resume: true } }),
    (err: Error) => err.message.includes(file) && /do not match the model/.test(err.message),
  );
  objective.dispose();
  model.dispose();
});

for (const [label, corrupt] of [
  ["truncated", (b: Buffer) => b.subarray(0, b.length - 100)],
  ["a flipped weight byte", (b: Buffer) => flipByte(b, b.length - 200)],
  ["an edited epoch number", (b: Buffer) => Buffer.from(b.toString("latin1").replace('"epoch":1', '"epoch":0'), "latin1")],
] as const) {
  test(`a checkpoint with ${label} is moved aside with a message and the run recomputes it bit-identically`, async () => {
    await useBackend("wasm");
    const dir = await tmpDir();
    const base = { seed: 5, batchSize: 16, learningRate: 0.01, patience: 0, epochs: 2 };
    const full = await run({ ...base, checkpoint: path.join(dir, "full.ckpt") });
    const file = path.join(dir, "bad.ckpt");
    await run({ ...base, epochs: 1, checkpoint: file }).then((r) => r.dispose());
    const corrupted = Buffer.from(corrupt(await fs.readFile(file)));
    assert.notDeepEqual(corrupted, await fs.readFile(file), "the corruption changed the file");
    await fs.writeFile(file, corrupted);
    const events: TrainEvent[] = [];
    const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [16], dropout: 0.2 }, seed: 7 });
    const objective = buildObjective(TASKS, []);
    const result = await train({ model, sources, validation, objective, options: { ...base, checkpoint: file, resume: true }, onEvent: (e) => events.push(e) });
    const warning = events.find((e) => e.type === "checkpoint-corrupt");
    assert.ok(warning && warning.type === "checkpoint-corrupt", "a checkpoint-corrupt event says what happened");
    assert.equal(warning.path, file);
    assert.ok(/checksum|truncated|not a distmatch/.test(warning.reason), warning.reason);
    assert.deepEqual(await fs.readFile(warning.movedTo), corrupted, "the bad bytes are kept aside");
    assert.deepEqual(result.history.map((h) => h.losses), full.result.history.map((h) => h.losses));
    assert.deepEqual(model.model.getWeights().map((w) => Array.from(w.dataSync())), full.weights);
    full.dispose();
    objective.dispose();
    model.dispose();
  });
}

test("a checkpoint's bytes verify: encode/decode round-trips, and a non-finite weight is refused when saving", async () => {
  await useBackend("wasm");
  const tensor = tf.tensor([1, 2, 3, 4], [2, 2]);
  const bytes = await encodeCheckpoint({ state: { k: 1 }, groups: { g: [{ name: "w", tensor }] } });
  const back = await decodeCheckpoint<{ k: number }>(bytes, "mem.ckpt");
  assert.deepEqual(back.state, { k: 1 });
  assert.deepEqual(Array.from(back.groups.g[0].tensor.dataSync()), [1, 2, 3, 4]);
  back.groups.g[0].tensor.dispose();
  const nan = tf.tensor([1, NaN]);
  await assert.rejects(encodeCheckpoint({ state: {}, groups: { g: [{ name: "w", tensor: nan }] } }), /"g\/w" holds a non-finite value/);
  await assert.rejects(decodeCheckpoint(flipByte(Buffer.from(bytes), 20), "mem.ckpt"), (e: Error) => e instanceof CorruptCheckpointError && e.message.startsWith("mem.ckpt: corrupt checkpoint"));
  tensor.dispose();
  nan.dispose();
});

function flipByte(bytes: Buffer, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] ^= 0xff;
  return out;
}

test("checkpoints are written atomically: no temp file is left and the old file survives a failed write", async () => {
  await useBackend("wasm");
  const dir = await tmpDir();
  const file = path.join(dir, "atomic.ckpt");
  await run({ seed: 0, epochs: 2, batchSize: 16, checkpoint: file }).then((r) => r.dispose());
  assert.deepEqual((await fs.readdir(dir)).sort(), ["atomic.ckpt"]);
  const before = await fs.readFile(file);
  const bad = { toJSON: () => { throw new Error("boom"); } };
  await assert.rejects(saveCheckpoint(file, { state: bad, groups: {} }), /boom/);
  assert.deepEqual(await fs.readFile(file), before);
});

test("learningRateAt: constant, and cosine from the base rate towards 0 over the budget", () => {
  assert.equal(learningRateAt(0.01, 7, 10), 0.01);
  assert.equal(learningRateAt(0.01, 0, 10, "cosine"), 0.01);
  assert.ok(Math.abs(learningRateAt(0.01, 5, 10, "cosine") - 0.005) < 1e-15);
  assert.ok(Math.abs(learningRateAt(0.01, 10, 10, "cosine")) < 1e-15);
  assert.ok(Math.abs(learningRateAt(0.02, 1, 3, "cosine") - 0.02 * (1 + Math.cos(Math.PI / 3)) / 2) < 1e-15);
  assert.throws(() => learningRateAt(0.01, 1, 10, "step" as "cosine"), /learningRateSchedule/);
});

/** Weights after training on the synthetic sources, with no validation (so the last epoch's weights are kept). */
async function lastWeights(options: TrainOptions): Promise<Float32Array[]> {
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [16], dropout: 0 }, seed: 7 });
  const objective = buildObjective(TASKS, []);
  try {
    await train({ model, sources, objective, options });
    return model.model.getWeights().map((w) => w.dataSync() as Float32Array);
  } finally {
    objective.dispose();
    model.dispose();
  }
}

test("the cosine schedule reaches the optimizer: epoch 2 of 2 makes exactly half the constant run's update", async () => {
  await useBackend("wasm");
  const base = { seed: 5, batchSize: 16, learningRate: 0.01, weightDecay: 0, patience: 0, stepsPerEpoch: 1 };
  // Epoch 1 runs at the base rate either way, so both runs reach epoch 2 with the same weights, gradient and moments.
  const first = await lastWeights({ ...base, epochs: 1 });
  const constant = await lastWeights({ ...base, epochs: 2 });
  const cosine = await lastWeights({ ...base, epochs: 2, learningRateSchedule: "cosine" });
  let compared = 0;
  first.forEach((w1, i) => w1.forEach((w, j) => {
    const full = constant[i][j] - w;
    const half = cosine[i][j] - w;
    assert.ok(Math.abs(half - full / 2) <= 1e-6 + 1e-4 * Math.abs(full), `weight ${i}[${j}]: ${half} vs half of ${full}`);
    if (Math.abs(full) > 1e-4) compared++;
  }));
  assert.ok(compared > 50, `only ${compared} weights moved`);
});

test("a long epoch lets timers and messages run between its steps (a study pool feeds its workers meanwhile)", async () => {
  await useBackend("wasm");
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [16], dropout: 0.2 }, seed: 1 });
  const objective = buildObjective(TASKS, []);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const atStep: { ticks: number; at: number }[] = [];
  try {
    await train({ model, sources, objective, options: { seed: 1, epochs: 1, batchSize: 4, stepsPerEpoch: 400, patience: 0 }, onEvent: (e) => {
      if (e.type === "step") atStep.push({ ticks, at: performance.now() });
    } });
  } finally {
    clearInterval(timer);
    objective.dispose();
    model.dispose();
  }
  const first = atStep[0];
  const last = atStep[atStep.length - 1];
  assert.equal(atStep.length, 400);
  assert.ok(last.at - first.at > 120, `the epoch must outlast a few turns to test anything (took ${(last.at - first.at).toFixed(0)} ms)`);
  assert.ok(last.ticks - first.ticks >= 2, `the timer ran ${last.ticks - first.ticks} times during the epoch`);
});
