/**
 * A small training run on the core's public API only, run both in Node and, bundled for the browser,
 * in Chromium (core.test.ts): two sources that annotate different tasks, a distribution-matching
 * coupling, a checkpoint in the given storage, and a saved model read back.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  buildObjective,
  loadCheckpoint,
  loadModel,
  MultiTaskModel,
  multiClassTask,
  multiLabelTask,
  Rng,
  saveModel,
  train,
  useBackend,
  type BackendName,
  type Relatedness,
  type Source,
  type Storage,
} from "../../src/index.js";

const TASKS = [multiClassTask("a", ["x", "y", "z"]), multiLabelTask("b", ["p", "q"])];

const RELATEDNESS: Relatedness = {
  from: "a",
  to: "b",
  toKind: "multilabel",
  rows: ["x", "y", "z"],
  columns: ["p", "q"],
  values: [[0.9, 0.2], [0.1, 0.5], [0.3, 0.8]],
};

/** Learnable data: class = argmax of the first three inputs; label p = x0 > 0, q = x3 > 0. */
function syntheticSource(name: string, n: number, seed: number, annotate: readonly ("a" | "b")[]): Source {
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

export interface ScenarioOutcome {
  readonly backend: string;
  /** Per epoch, the objective's terms averaged over the epoch. */
  readonly losses: Record<string, number>[];
  readonly checkpointBytes: number;
  readonly checkpointEpoch: number;
  /** The reloaded model's probabilities for the first validation rows equal the trained one's. */
  readonly reloadedMatches: boolean;
}

export async function runScenario(backend: BackendName, storage: Storage, epochs = 3): Promise<ScenarioOutcome> {
  const info = await useBackend(backend);
  const sources = [syntheticSource("only-a", 96, 1, ["a"]), syntheticSource("only-b", 64, 2, ["b"])];
  const validation = syntheticSource("validation", 32, 3, ["a", "b"]);
  const model = new MultiTaskModel({ inputShape: [4], tasks: TASKS, trunk: { hidden: [16], dropout: 0.1 }, seed: 7 });
  const objective = buildObjective(TASKS, [{ relatedness: RELATEDNESS, lambdas: { dm: 1, sca: 1, co: 0 } }]);
  try {
    const result = await train({
      model,
      sources,
      validation,
      objective,
      options: { seed: 5, epochs, batchSize: 16, learningRate: 0.01, patience: 0, checkpoint: "runs/demo/train.ckpt", storage },
    });
    const checkpoint = await loadCheckpoint<{ loop: { epoch: number } }>("runs/demo/train.ckpt", storage);
    Object.values(checkpoint.groups).flat().forEach((t) => t.tensor.dispose());
    await saveModel("runs/demo/model", model.model, { format: "distmatch-model", version: 1, tasks: TASKS, inputShape: [4] }, storage);
    const reloaded = await loadModel("runs/demo/model", storage);
    const x = validation.inputs.slice(0, 8 * 4);
    const before = await predictFirst(model.model, x);
    const after = await predictFirst(reloaded.model, x);
    reloaded.model.dispose();
    return {
      backend: info.name,
      losses: result.history.map((h) => ({ ...h.losses })),
      checkpointBytes: (await storage.read("runs/demo/train.ckpt")).length,
      checkpointEpoch: checkpoint.state.loop.epoch,
      reloadedMatches: before.length > 0 && before.every((v, i) => v === after[i]),
    };
  } finally {
    objective.dispose();
    model.dispose();
  }
}

async function predictFirst(model: MultiTaskModel["model"], inputs: Float32Array): Promise<number[]> {
  const x = tf.tensor2d(inputs, [inputs.length / 4, 4]);
  const outputs = model.predict(x);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const values = (await Promise.all(list.map((t) => t.data()))).flatMap((d) => Array.from(d));
  x.dispose();
  list.forEach((t) => t.dispose());
  return values;
}
