import * as tf from "@tensorflow/tfjs";
import { buildObjective, type Objective } from "../src/coupling/index.js";
import type { Batch, BatchTargets } from "../src/data/batch.js";
import type { Source } from "../src/data/types.js";
import { Rng } from "../src/engine/random.js";
import { buildSmallCnn } from "../src/models/cnn.js";
import { MultiTaskModel } from "../src/models/multitask.js";
import { multiClassTask, multiLabelTask, type Task } from "../src/tasks/types.js";

/*
 * The benchmarked models, built from the library's own parts (MultiTaskModel, buildSmallCnn,
 * buildObjective) with synthetic data. bench/reference/steps.py mirrors them layer for layer and
 * term for term; keep the two in step when either changes.
 */

/** Classes of every task A and labels of every task B. */
export const K = 7;
export const M = 12;

/** Synthetic relatedness, K x M, last class neutral (no related label), like expressions -> AUs. */
export function syntheticRelatedness(k: number, m: number): number[][] {
  return Array.from({ length: k }, (_, c) =>
    Array.from({ length: m }, (_, j) => (c === k - 1 ? 0 : (c * 5 + j * 3) % 7 === 0 ? 1 : (c + j) % 4 === 0 ? 0.5 : 0)));
}

/** Tasks a0, b0, a1, b1, ...: each pair a multi-class task (K classes) and a multi-label task (M labels). */
export function pairTasks(pairs: number): Task[] {
  return Array.from({ length: pairs }, (_, p) => [
    multiClassTask(`a${p}`, Array.from({ length: K }, (_, i) => `c${i}`)),
    multiLabelTask(`b${p}`, Array.from({ length: M }, (_, j) => `l${j}`)),
  ]).flat();
}

/** The objective train() gets: supervised terms plus DM + product-mode SCA (lambdas 1, co 0) per pair. */
export function pairObjective(tasks: readonly Task[]): Objective {
  const values = syntheticRelatedness(K, M);
  const specs = [];
  for (let p = 0; 2 * p + 1 < tasks.length; p++) {
    const [a, b] = [tasks[2 * p], tasks[2 * p + 1]];
    if (a.kind !== "multiclass" || b.kind !== "multilabel") throw new Error(`pairObjective: tasks ${2 * p}, ${2 * p + 1} must be multi-class, multi-label`);
    specs.push({
      relatedness: { from: a.name, to: b.name, toKind: "multilabel" as const, rows: a.classes, columns: b.labels, values },
      lambdas: { dm: 1, sca: 1, co: 0 },
      scaMode: "product" as const,
    });
  }
  return buildObjective(tasks, specs);
}

/** Dropout after the trunk's hidden layer: the study's default (src/study/config.ts). */
export const TRUNK_DROPOUT = 0.2;

/** 512 -> Dense(256) + ReLU + dropout -> one Dense head per task. */
export function libraryMlp(tasks: readonly Task[], inputDim = 512, hidden = 256): MultiTaskModel {
  return new MultiTaskModel({ inputShape: [inputDim], tasks, trunk: { hidden: [hidden], activation: "relu", dropout: TRUNK_DROPOUT }, seed: 1 });
}

/** buildSmallCnn (3 x conv3x3 + BN + ReLU + maxpool, GAP) as the backbone, heads straight on its 64 features. */
export function libraryCnn(tasks: readonly Task[], size = 64): MultiTaskModel {
  const backbone = buildSmallCnn({ inputShape: [size, size, 3], filters: [16, 32, 64], seed: 2 });
  return new MultiTaskModel({ inputShape: [size, size, 3], tasks, backbone, trunk: { hidden: [], dropout: 0 }, seed: 2 });
}

/** Synthetic targets for one batch: the first 60% of rows carry A labels, the last 60% B labels (20% overlap). */
export function syntheticTargets(tasks: readonly Task[], batch: number, seed: number): Record<string, BatchTargets> {
  const source = syntheticSource(tasks, batch, 1, seed, "split");
  return makeTargets(source, tasks);
}

/**
 * A synthetic source of n rows for pair tasks. "split": rows < 60% carry A, rows >= 40% carry B
 * (a fixed layout, for a step benchmark); "random": each row carries A and B with probability 0.6.
 */
export function syntheticSource(tasks: readonly Task[], n: number, inputDim: number, seed: number, layout: "split" | "random"): Source {
  const rng = new Rng(seed);
  const inputs = new Float32Array(n * inputDim);
  for (let i = 0; i < inputs.length; i++) inputs[i] = gaussian(rng);
  const targets: Source["targets"] = Object.fromEntries(tasks.map((task) => {
    const has = (row: number, a: boolean): boolean =>
      layout === "split" ? (a ? row < 0.6 * n : row >= 0.4 * n) : rng.next() < 0.6;
    if (task.kind === "multiclass") {
      const labels = Int32Array.from({ length: n }, (_, row) => (has(row, true) ? rng.int(K) : -1));
      return [task.name, { kind: "multiclass" as const, labels }];
    }
    const values = new Float32Array(n * M);
    const mask = new Float32Array(n * M);
    for (let row = 0; row < n; row++) {
      if (!has(row, false)) continue;
      for (let j = 0; j < M; j++) {
        mask[row * M + j] = 1;
        values[row * M + j] = rng.next() < 0.3 ? 1 : 0;
      }
    }
    return [task.name, { kind: "multilabel" as const, values, mask }];
  }));
  return { name: "synthetic", n, inputShape: [inputDim], inputs, targets };
}

function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function makeTargets(source: Source, tasks: readonly Task[]): Record<string, BatchTargets> {
  return Object.fromEntries(tasks.map((task): [string, BatchTargets] => {
    const t = source.targets[task.name];
    if (t.kind === "multiclass") {
      const oneHot = new Float32Array(source.n * K);
      const mask = new Float32Array(source.n);
      t.labels.forEach((label, row) => { if (label >= 0) { oneHot[row * K + label] = 1; mask[row] = 1; } });
      return [task.name, { kind: "multiclass", oneHot: tf.tensor2d(oneHot, [source.n, K]), mask: tf.tensor1d(mask) }];
    }
    return [task.name, { kind: "multilabel", values: tf.tensor2d(t.values, [source.n, M]), mask: tf.tensor2d(t.mask, [source.n, M]) }];
  }));
}

export function targetTensors(targets: Readonly<Record<string, BatchTargets>>): tf.Tensor[] {
  return Object.values(targets).flatMap((t) => (t.kind === "multiclass" ? [t.oneHot, t.mask] : [t.values, t.mask]));
}

/*
 * The training step of src/train/trainer.ts (its private trainStep and the per-epoch accumulation of
 * runEpoch), copied here because the trainer does not export them: optimizer.minimize over
 * model.forward(inputs, true, rng) + objective, the terms kept and summed on the backend, read back
 * once per epoch. Keep in step with the trainer.
 */
export function trainerStep(
  model: MultiTaskModel,
  objective: Objective,
  optimizer: tf.Optimizer,
  batch: Pick<Batch, "inputs" | "targets">,
  rng: Rng,
  variables: tf.Variable[],
): Record<string, tf.Scalar> {
  let kept: Record<string, tf.Scalar> = {};
  optimizer.minimize(
    () => {
      const logits = model.forward(batch.inputs, true, rng);
      const { terms, total } = objective(logits, batch.targets);
      kept = Object.fromEntries(Object.entries({ ...terms, total: total.clone() }).map(([k, v]) => [k, tf.keep(v)]));
      return total;
    },
    false,
    variables,
  );
  return kept;
}

/** Sums the kept terms across steps (runEpoch's accumulate). */
export function accumulate(sums: Map<string, tf.Tensor>, terms: Record<string, tf.Scalar>): void {
  for (const [name, value] of Object.entries(terms)) {
    const prev = sums.get(name);
    if (prev) {
      sums.set(name, tf.add(prev, value));
      prev.dispose();
      value.dispose();
    } else {
      sums.set(name, value);
    }
  }
}

/** Reads the mean of each term (runEpoch's readMeans): the one sync point of an epoch. */
export async function readMeans(sums: Map<string, tf.Tensor>, steps: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, sum] of sums) {
    out[name] = (await sum.data())[0] / Math.max(steps, 1);
    sum.dispose();
  }
  sums.clear();
  return out;
}
