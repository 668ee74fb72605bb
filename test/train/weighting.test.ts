import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/engine/backend.js";
import { buildObjective, type CouplingSpec } from "../../src/coupling/index.js";
import { MultiTaskModel } from "../../src/models/multitask.js";
import { train, type TrainOptions } from "../../src/train/trainer.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";
import type { Source } from "../../src/data/types.js";
import { Rng } from "../../src/engine/random.js";
import { makeWeighting, type GradientWeighting, type Weighting, type WeightingName } from "../../src/weighting/index.js";

const TASKS = [multiClassTask("a", ["x", "y", "z"]), multiLabelTask("b", ["p", "q"])];
const COUPLING: CouplingSpec = {
  relatedness: { from: "a", to: "b", toKind: "multilabel", rows: ["x", "y", "z"], columns: ["p", "q"], values: [[0.8, 0.4], [0.3, 0.5], [0.4, 0.6]] },
  lambdas: { dm: 0.5, sca: 0.5, co: 0 },
  divergence: "kl",
  scaMode: "likelihood",
};

/** Learnable synthetic data: class = argmax of the first three inputs; p = x0 > 0, q = x3 > 0. */
function syntheticSource(name: string, n: number, seed: number, annotate: ("a" | "b")[]): Source {
  const rng = new Rng(seed);
  const inputs = Float32Array.from({ length: n * 4 }, () => rng.next() * 2 - 1);
  const labels = Int32Array.from({ length: n }, (_, i) => {
    const row = Array.from(inputs.subarray(i * 4, i * 4 + 3));
    return row.indexOf(Math.max(...row));
  });
  const values = Float32Array.from({ length: n * 2 }, (_, k) => (inputs[Math.floor(k / 2) * 4 + (k % 2 ? 3 : 0)] > 0 ? 1 : 0));
  const targets: Source["targets"] = {
    ...(annotate.includes("a") ? { a: { kind: "multiclass" as const, labels } } : {}),
    ...(annotate.includes("b") ? { b: { kind: "multilabel" as const, values, mask: new Float32Array(n * 2).fill(1) } } : {}),
  };
  return { name, n, inputShape: [4], inputs, targets };
}

const sources = [syntheticSource("only-a", 64, 1, ["a"]), syntheticSource("only-b", 48, 2, ["b"])];
const validation = syntheticSource("validation", 48, 3, ["a", "b"]);

async function run(options: TrainOptions, weighting: Weighting | undefined, coupled: boolean, modelSeed = 7, dropout = 0.2) {
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [12], dropout }, seed: modelSeed });
  const objective = buildObjective(TASKS, coupled ? [COUPLING] : []);
  const result = await train({ model, sources, validation, objective, options, ...(weighting ? { weighting } : {}) });
  const weights = model.model.getWeights().map((w) => Array.from(w.dataSync()));
  const own = weighting?.variables.map((v) => Array.from(v.dataSync())) ?? [];
  const state = weighting?.state();
  objective.dispose();
  model.dispose();
  weighting?.dispose();
  return { result, weights, own, state };
}

const base = { seed: 3, batchSize: 16, learningRate: 0.01, patience: 0 };

for (const [name, coupled] of [["uncertainty", true], ["gradnorm", true], ["pcgrad", false], ["aligned-mtl", true]] as [WeightingName, boolean][]) {
  test(`${name}${coupled ? " with coupling" : ""}: a resumed run reproduces an uninterrupted one exactly (model, weighting variables and state)`, async () => {
    await useBackend("wasm");
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-weighting-"));
    const make = () => makeWeighting(name, { taskCount: 2, seed: 4 });
    const full = await run({ ...base, epochs: 2, checkpoint: path.join(dir, "full.ckpt") }, make(), coupled);
    await run({ ...base, epochs: 1, checkpoint: path.join(dir, "part.ckpt") }, make(), coupled);
    const resumed = await run({ ...base, epochs: 2, checkpoint: path.join(dir, "part.ckpt"), resume: true }, make(), coupled, 99);
    assert.deepEqual(resumed.weights, full.weights);
    assert.deepEqual(resumed.own, full.own);
    assert.deepEqual(resumed.state, full.state);
    assert.deepEqual(resumed.result.history.map((h) => h.losses), full.result.history.map((h) => h.losses));
    if (name === "uncertainty" || name === "gradnorm") {
      assert.ok(full.own[0].some((v) => Math.abs(v - (name === "uncertainty" ? 0 : 1)) > 1e-4), "the weighting's variables moved, so restoring them is tested");
    }
    await fs.rm(dir, { recursive: true, force: true });
  });
}

test("a gradient weighting whose coefficients are all 1 takes the plain objective's step (per-task passes + coupling pass add up)", async () => {
  await useBackend("wasm");
  const identity: GradientWeighting = {
    kind: "gradient",
    name: "pcgrad",
    variables: [],
    combine: (gram) => ({ shared: gram.map(() => 1), heads: gram.map(() => 1) }),
    state: () => ({}),
    restore: () => {},
    dispose: () => {},
  };
  const options = { ...base, epochs: 2 };
  const plain = await run(options, undefined, true, 7, 0);
  const split = await run(options, identity, true, 7, 0);
  plain.weights.forEach((w, i) => w.forEach((v, k) => assert.ok(Math.abs(v - split.weights[i][k]) < 1e-4, `weight ${i}[${k}]: ${v} vs ${split.weights[i][k]}`)));
  // A weighting that zeroes task b's share changes the result, so the check above can fail.
  const onlyA: GradientWeighting = { ...identity, combine: () => ({ shared: [1, 0], heads: [1, 0] }) };
  const other = await run(options, onlyA, false, 7, 0);
  assert.ok(other.weights.some((w, i) => w.some((v, k) => Math.abs(v - plain.weights[i][k]) > 1e-3)));
});

test("resuming a checkpoint written without a weighting into a weighted run fails, naming the file", async () => {
  await useBackend("wasm");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-weighting-"));
  const file = path.join(dir, "plain.ckpt");
  await run({ ...base, epochs: 1, checkpoint: file }, undefined, false);
  await assert.rejects(
    run({ ...base, epochs: 2, checkpoint: file, resume: true }, makeWeighting("uncertainty", { taskCount: 2, seed: 0 }), false),
    (err: Error) => err.message.includes(file) && /without a loss weighting, the run has "uncertainty"/.test(err.message),
  );
  await fs.rm(dir, { recursive: true, force: true });
});
