import * as tf from "../engine/tf.js";
import type { Task } from "../tasks/types.js";
import { headSize } from "../tasks/types.js";
import type { Batch, BatchTargets } from "./batch.js";
import type { SamplePick } from "./samplers.js";
import { inputSize, type Source } from "./types.js";

/**
 * Builds the tensors of one batch from sampler picks. Every task gets targets; a task a source does
 * not annotate is all mask 0 on its rows. Data are gathered into typed arrays first, then each tensor
 * is created once. The caller owns (and disposes) the returned tensors.
 */
export function makeBatch(sources: readonly Source[], tasks: readonly Task[], picks: readonly SamplePick[]): Batch {
  if (sources.length === 0) throw new Error("makeBatch: expected at least one source");
  const shape = sources[0].inputShape;
  const d = inputSize(shape);
  for (const s of sources) {
    if (inputSize(s.inputShape) !== d) throw new Error(`makeBatch: source "${s.name}" has input shape [${s.inputShape}], expected [${shape}]`);
  }
  const b = picks.length;
  const inputs = new Float32Array(b * d);
  picks.forEach((pick, i) => {
    const source = sources[pick.source];
    if (!source || pick.row < 0 || pick.row >= source.n) throw new Error(`makeBatch: pick ${i} (source ${pick.source}, row ${pick.row}) is out of range`);
    inputs.set(source.inputs.subarray(pick.row * d, (pick.row + 1) * d), i * d);
  });
  const targets: Record<string, BatchTargets> = {};
  for (const task of tasks) targets[task.name] = batchTargets(sources, task, picks);
  return { inputs: tf.tensor(inputs, [b, ...shape]), targets, size: b };
}

function batchTargets(sources: readonly Source[], task: Task, picks: readonly SamplePick[]): BatchTargets {
  const b = picks.length;
  const k = headSize(task);
  if (task.kind === "multiclass") {
    const oneHot = new Float32Array(b * k);
    const mask = new Float32Array(b);
    picks.forEach((pick, i) => {
      const target = sources[pick.source].targets[task.name];
      if (target === undefined) return;
      if (target.kind !== "multiclass") throw new Error(`source "${sources[pick.source].name}": task "${task.name}" is multi-class but its targets are multi-label`);
      const label = target.labels[pick.row];
      if (label < 0) return;
      if (label >= k) throw new Error(`source "${sources[pick.source].name}" row ${pick.row}: class ${label} of task "${task.name}" is outside 0..${k - 1}`);
      oneHot[i * k + label] = 1;
      mask[i] = 1;
    });
    return { kind: "multiclass", oneHot: tf.tensor2d(oneHot, [b, k]), mask: tf.tensor1d(mask) };
  }
  const values = new Float32Array(b * k);
  const mask = new Float32Array(b * k);
  picks.forEach((pick, i) => {
    const source = sources[pick.source];
    const target = source.targets[task.name];
    if (target === undefined) return;
    if (target.kind !== "multilabel") throw new Error(`source "${source.name}": task "${task.name}" is multi-label but its targets are multi-class`);
    if (target.mask.length !== source.n * k) throw new Error(`source "${source.name}": task "${task.name}" has ${target.mask.length / source.n} labels per row, expected ${k}`);
    values.set(target.values.subarray(pick.row * k, (pick.row + 1) * k), i * k);
    mask.set(target.mask.subarray(pick.row * k, (pick.row + 1) * k), i * k);
  });
  return { kind: "multilabel", values: tf.tensor2d(values, [b, k]), mask: tf.tensor2d(mask, [b, k]) };
}

/** Disposes every tensor of a batch. */
export function disposeBatch(batch: Batch): void {
  batch.inputs.dispose();
  for (const t of Object.values(batch.targets)) {
    if (t.kind === "multiclass") {
      t.oneHot.dispose();
      t.mask.dispose();
    } else {
      t.values.dispose();
      t.mask.dispose();
    }
  }
}
