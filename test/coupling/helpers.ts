import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { MultiClassBatchTargets, MultiLabelBatchTargets } from "../../src/data/batch.js";

export const close = (actual: number, expected: number, tol = 1e-5): void =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} != ${expected} (tol ${tol})`);

export const closeAll = (actual: ArrayLike<number>, expected: readonly number[], tol = 1e-5): void => {
  assert.equal(actual.length, expected.length, `length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol);
};

export const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

export const rows = (t: tf.Tensor): number[][] => t.arraySync() as number[][];

/** Multi-class batch targets from class indices (-1 = missing). */
export function classTargets(labels: readonly number[], K: number): MultiClassBatchTargets {
  return {
    kind: "multiclass",
    oneHot: tf.tensor2d(labels.map((y) => Array.from({ length: K }, (_, k) => (k === y ? 1 : 0))), [labels.length, K]),
    mask: tf.tensor1d(labels.map((y) => (y >= 0 ? 1 : 0))),
  };
}

/** Multi-label batch targets; a null entry is an unannotated label. */
export function labelTargets(values: readonly (readonly (number | null)[])[]): MultiLabelBatchTargets {
  return {
    kind: "multilabel",
    values: tf.tensor2d(values.map((r) => r.map((v) => v ?? 0))),
    mask: tf.tensor2d(values.map((r) => r.map((v) => (v === null ? 0 : 1)))),
  };
}

/** Synthetic probabilities from a fixed formula (deterministic, no RNG needed). */
export function syntheticSoftmax(n: number, k: number, salt: number): number[][] {
  return Array.from({ length: n }, (_, i) => {
    const e = Array.from({ length: k }, (_, j) => Math.exp(Math.sin(1.7 * i + 2.3 * j + salt) * 2));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  });
}

export function syntheticSigmoid(n: number, m: number, salt: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => 1 / (1 + Math.exp(-3 * Math.cos(1.3 * i + 0.7 * j + salt)))));
}
