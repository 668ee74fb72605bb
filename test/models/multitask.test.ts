import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import { MultiTaskModel } from "../../src/models/multitask.js";
import { loadModel, saveModel } from "../../src/models/io.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";

const TASKS = [multiClassTask("a", ["x", "y", "z"]), multiLabelTask("b", ["p", "q"])];
const input = (): tf.Tensor2D => tf.tensor2d([[0.1, -0.3, 0.5, 1], [-1, 0.2, 0.7, -0.4], [0.3, 0.3, -0.9, 0.2]]);

test("headHidden: per-task hidden layers between trunk and output, their own variables, shapes as asked", async () => {
  await useBackend("wasm");
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [8], dropout: 0 }, headHidden: [6, 5], seed: 2 });
  const shapes = (vs: tf.Variable[]) => vs.map((v) => v.shape);
  assert.deepEqual(shapes(model.taskVariables("a")), [[8, 6], [6], [6, 5], [5], [5, 3], [3]]);
  assert.deepEqual(shapes(model.taskVariables("b")), [[8, 6], [6], [6, 5], [5], [5, 2], [2]]);
  assert.deepEqual(shapes(model.sharedVariables), [[4, 8], [8]]);
  assert.equal(model.sharedVariables.length + model.taskVariables("a").length + model.taskVariables("b").length, model.trainableVariables.length);
  // The hand-run forward pass and the stock LayersModel agree.
  const logits = model.forward(input(), false);
  const stock = model.model.predict(input()) as tf.Tensor[];
  assert.deepEqual(Array.from(logits.a.dataSync()), Array.from(stock[0].dataSync()));
  assert.deepEqual(Array.from(logits.b.dataSync()), Array.from(stock[1].dataSync()));
  assert.throws(() => model.taskVariables("c"), /no task "c"/);
  model.dispose();
});

test("headHidden: [] keeps the linear heads and their initial weights", async () => {
  await useBackend("wasm");
  const plain = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [8] }, seed: 5 });
  const empty = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [8] }, headHidden: [], seed: 5 });
  const values = (m: MultiTaskModel) => m.model.getWeights().map((w) => Array.from(w.dataSync()));
  assert.deepEqual(values(empty), values(plain));
  assert.equal(plain.taskVariables("a").length, 2);
  plain.dispose();
  empty.dispose();
});

test("headHidden: saved in TF.js format, loaded back, the same predictions", async () => {
  await useBackend("wasm");
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [8] }, headHidden: [6], seed: 3 });
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-heads-"));
  await saveModel(dir, model.model, { format: "distmatch-model", version: 1, tasks: TASKS, inputShape: [4] });
  const loaded = await loadModel(dir);
  const before = model.model.predict(input()) as tf.Tensor[];
  const after = loaded.model.predict(input()) as tf.Tensor[];
  assert.equal(after.length, 2);
  before.forEach((t, i) => assert.deepEqual(Array.from(after[i].dataSync()), Array.from(t.dataSync())));
  assert.ok(loaded.model.layers.some((l) => l.name === "head_a_hidden_0"));
  model.dispose();
  loaded.model.dispose();
  await fs.rm(dir, { recursive: true, force: true });
});
