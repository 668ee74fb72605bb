import * as tf from "../engine/tf.js";
import type { Task } from "../tasks/types.js";
import { headSize } from "../tasks/types.js";
import type { Batch, BatchTargets } from "./batch.js";
import type { SamplePick } from "./samplers.js";
import { inputSize, type Source } from "./types.js";
import { emptyDict, own } from "./names.js";

/** One batch as typed arrays: inputs [B, ...inputShape] row-major and per task its targets. */
export interface BatchArrays {
  readonly inputs: Float32Array;
  readonly inputShape: readonly number[];
  /** Multi-class: one-hot [B, K] and mask [B]; multi-label: values and mask [B, M]. */
  readonly targets: Readonly<Record<string, { readonly kind: Task["kind"]; readonly values: Float32Array; readonly mask: Float32Array }>>;
  readonly size: number;
}

/**
 * Builds the tensors of one batch from sampler picks. Every task gets targets; a task a source does
 * not annotate is all mask 0 on its rows. Data are gathered into typed arrays first, then each tensor
 * is created once. The caller owns (and disposes) the returned tensors.
 */
export function makeBatch(sources: readonly Source[], tasks: readonly Task[], picks: readonly SamplePick[]): Batch {
  const arrays = gatherBatch(sources, tasks, picks);
  const b = arrays.size;
  const targets = emptyDict<BatchTargets>();
  for (const task of tasks) {
    const t = arrays.targets[task.name];
    const k = headSize(task);
    targets[task.name] = task.kind === "multiclass"
      ? { kind: "multiclass", oneHot: tf.tensor2d(t.values, [b, k]), mask: tf.tensor1d(t.mask) }
      : { kind: "multilabel", values: tf.tensor2d(t.values, [b, k]), mask: tf.tensor2d(t.mask, [b, k]) };
  }
  return { inputs: tf.tensor(arrays.inputs, [b, ...arrays.inputShape]), targets, size: b };
}

/** The data of {@link makeBatch} as typed arrays (no tensors), with the same checks. */
export function gatherBatch(sources: readonly Source[], tasks: readonly Task[], picks: readonly SamplePick[]): BatchArrays {
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
  return { inputs, inputShape: shape, targets: gatherTargets(sources, tasks, picks), size: b };
}

/** The targets of {@link gatherBatch} alone (for an engine that gathers the inputs itself). */
export function gatherTargets(sources: readonly Source[], tasks: readonly Task[], picks: readonly SamplePick[]): BatchArrays["targets"] {
  const targets = emptyDict<BatchArrays["targets"][string]>();
  for (const task of tasks) targets[task.name] = batchTargets(sources, task, picks);
  return targets;
}

function batchTargets(sources: readonly Source[], task: Task, picks: readonly SamplePick[]): BatchArrays["targets"][string] {
  const b = picks.length;
  const k = headSize(task);
  if (task.kind === "multiclass") {
    const oneHot = new Float32Array(b * k);
    const mask = new Float32Array(b);
    picks.forEach((pick, i) => {
      const target = own(sources[pick.source].targets, task.name);
      if (target === undefined) return;
      if (target.kind !== "multiclass") throw new Error(`source "${sources[pick.source].name}": task "${task.name}" is multi-class but its targets are multi-label`);
      const label = target.labels[pick.row];
      if (label < 0) return;
      if (label >= k) throw new Error(`source "${sources[pick.source].name}" row ${pick.row}: class ${label} of task "${task.name}" is outside 0..${k - 1}`);
      oneHot[i * k + label] = 1;
      mask[i] = 1;
    });
    return { kind: "multiclass", values: oneHot, mask };
  }
  const values = new Float32Array(b * k);
  const mask = new Float32Array(b * k);
  picks.forEach((pick, i) => {
    const source = sources[pick.source];
    const target = own(source.targets, task.name);
    if (target === undefined) return;
    if (target.kind !== "multilabel") throw new Error(`source "${source.name}": task "${task.name}" is multi-label but its targets are multi-class`);
    if (target.mask.length !== source.n * k) throw new Error(`source "${source.name}": task "${task.name}" has ${target.mask.length / source.n} labels per row, expected ${k}`);
    values.set(target.values.subarray(pick.row * k, (pick.row + 1) * k), i * k);
    mask.set(target.mask.subarray(pick.row * k, (pick.row + 1) * k), i * k);
  });
  return { kind: "multilabel", values, mask };
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
