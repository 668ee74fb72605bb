import type * as tf from "../engine/tf.js";

/** A multi-class task: exactly one of K classes per sample (softmax head). */
export interface MultiClassTask {
  readonly kind: "multiclass";
  readonly name: string;
  readonly classes: readonly string[];
}

/** A multi-label task: M independent binary labels per sample (sigmoid head). */
export interface MultiLabelTask {
  readonly kind: "multilabel";
  readonly name: string;
  readonly labels: readonly string[];
}

export type Task = MultiClassTask | MultiLabelTask;
export type TaskKind = Task["kind"];

/** Number of outputs of the task's head: K classes or M labels. */
export function headSize(task: Task): number {
  return task.kind === "multiclass" ? task.classes.length : task.labels.length;
}

/** Class names of a multi-class task, label names of a multi-label one. */
export function outputNames(task: Task): readonly string[] {
  return task.kind === "multiclass" ? task.classes : task.labels;
}

export function multiClassTask(name: string, classes: readonly string[]): MultiClassTask {
  assertTaskShape(name, classes, "classes");
  return { kind: "multiclass", name, classes: [...classes] };
}

export function multiLabelTask(name: string, labels: readonly string[]): MultiLabelTask {
  assertTaskShape(name, labels, "labels");
  return { kind: "multilabel", name, labels: [...labels] };
}

function assertTaskShape(name: string, names: readonly string[], field: string): void {
  if (!name) throw new Error(`task name must be a non-empty string`);
  if (names.length === 0) throw new Error(`task "${name}": ${field} must not be empty`);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`task "${name}": duplicate name "${n}" in ${field}`);
    seen.add(n);
  }
}

/** Batch targets of a multi-class task: one-hot [B, K] and mask [B] (1 = labelled). */
export interface MultiClassBatchTargets {
  readonly kind: "multiclass";
  readonly oneHot: tf.Tensor2D;
  readonly mask: tf.Tensor1D;
}

/** Batch targets of a multi-label task: values [B, M] in {0,1} and mask [B, M] (1 = annotated). */
export interface MultiLabelBatchTargets {
  readonly kind: "multilabel";
  readonly values: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
}

export type BatchTargets = MultiClassBatchTargets | MultiLabelBatchTargets;
