import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  maskedSigmoidCrossEntropy,
  maskedSoftmaxCrossEntropy,
  supervisedLoss,
  taskProbabilities,
} from "../../src/tasks/losses.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";

const close = (actual: number, expected: number, tol = 1e-5): void =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);

const scalar = (t: tf.Tensor): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

/** Second formula: -log softmax via log-sum-exp, in float64. */
function refSoftmaxCE(logits: number[][], labels: number[]): number {
  let sum = 0;
  let n = 0;
  logits.forEach((row, i) => {
    if (labels[i] < 0) return;
    const top = Math.max(...row);
    const lse = top + Math.log(row.reduce((s, x) => s + Math.exp(x - top), 0));
    sum += lse - row[labels[i]];
    n += 1;
  });
  return n ? sum / n : 0;
}

/** Second formula: BCE from the probability, in float64. */
function refSigmoidCE(logits: number[][], values: number[][], mask: number[][]): number {
  let sum = 0;
  let n = 0;
  logits.forEach((row, i) =>
    row.forEach((x, j) => {
      if (!mask[i][j]) return;
      const p = 1 / (1 + Math.exp(-x));
      sum += values[i][j] ? -Math.log(p) : -Math.log(1 - p);
      n += 1;
    }),
  );
  return n ? sum / n : 0;
}

const oneHotOf = (labels: number[], K: number): tf.Tensor2D =>
  tf.tensor2d(labels.map((y) => Array.from({ length: K }, (_, k) => (k === y ? 1 : 0))));
const maskOf = (labels: number[]): tf.Tensor1D => tf.tensor1d(labels.map((y) => (y >= 0 ? 1 : 0)));

describe("supervised losses (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("softmax cross-entropy on a hand case", () => {
    // Sample 0: logits [0, 0], class 1 -> p = 1/2, loss ln 2 = 0.693147.
    // Sample 1: logits [ln 3, 0], class 0 -> p = 3/4, loss -ln 0.75 = 0.287682.
    // Sample 2: unlabelled, ignored. Mean over 2 labelled: 0.490415.
    const logits = tf.tensor2d([[0, 0], [Math.log(3), 0], [5, -5]]);
    const loss = maskedSoftmaxCrossEntropy(logits, oneHotOf([1, 0, -1], 2), maskOf([1, 0, -1]));
    close(scalar(loss), 0.490415);
  });

  it("softmax cross-entropy matches log-sum-exp on random and extreme logits", () => {
    const logits = [[2.5, -1, 0.3, 7], [-80, 90, 0, 1], [0.1, 0.2, 0.3, 0.4], [1, 1, 1, 1], [-3, 4, 2, 0]];
    const labels = [3, 0, -1, 2, 1];
    const loss = maskedSoftmaxCrossEntropy(tf.tensor2d(logits), oneHotOf(labels, 4), maskOf(labels));
    close(scalar(loss), refSoftmaxCE(logits, labels), 1e-5);
  });

  it("sigmoid cross-entropy on a hand case", () => {
    // (0, y=1): -ln sigmoid(0) = ln 2 = 0.693147; (ln 3, y=0): p = 3/4, -ln(1/4) = 1.386294;
    // the third entry is masked out. Mean over 2 observed pairs: 1.039721.
    const logits = tf.tensor2d([[0, Math.log(3)], [4, 0]]);
    const values = tf.tensor2d([[1, 0], [1, 0]]);
    const mask = tf.tensor2d([[1, 1], [0, 0]]);
    close(scalar(maskedSigmoidCrossEntropy(logits, values, mask)), 1.039721);
  });

  it("sigmoid cross-entropy matches the probability form, finite for large logits", () => {
    const logits = [[3, -2, 0.5], [-40, 40, 0], [1, 1, -1]];
    const values = [[1, 0, 1], [0, 1, 1], [0, 0, 0]];
    const mask = [[1, 1, 0], [1, 1, 1], [0, 1, 1]];
    const loss = scalar(maskedSigmoidCrossEntropy(tf.tensor2d(logits), tf.tensor2d(values), tf.tensor2d(mask)));
    close(loss, refSigmoidCE(logits, values, mask));
    const extreme = scalar(maskedSigmoidCrossEntropy(tf.tensor2d([[200, -200]]), tf.tensor2d([[0, 1]]), tf.tensor2d([[1, 1]])));
    close(extreme, 200, 1e-4);
  });

  it("all-missing batches give exactly 0 with finite zero gradients", () => {
    const logits = tf.tensor2d([[1, 2, 3], [30, -30, 0]]);
    const ce = (x: tf.Tensor) => maskedSoftmaxCrossEntropy(x as tf.Tensor2D, tf.zeros([2, 3]), tf.zeros([2]));
    const bce = (x: tf.Tensor) => maskedSigmoidCrossEntropy(x as tf.Tensor2D, tf.ones([2, 3]), tf.zeros([2, 3]));
    for (const f of [ce, bce]) {
      assert.equal(scalar(f(logits)), 0);
      const g = Array.from(tf.grad(f)(logits).dataSync());
      assert.equal(g.length, 6);
      assert.ok(g.every((v) => v === 0), `gradients ${g.join(", ")} are not all zero`);
    }
  });

  it("gradients are (p - y) * mask / count, also at logit 0", () => {
    const x = [[0, 2], [-1, 0]];
    const y = [[1, 0], [1, 1]];
    const m = [[1, 1], [1, 0]];
    const g = tf.grad((t: tf.Tensor) => maskedSigmoidCrossEntropy(t as tf.Tensor2D, tf.tensor2d(y), tf.tensor2d(m)))(tf.tensor2d(x));
    const expected = x.flatMap((row, i) => row.map((v, j) => (m[i][j] * (1 / (1 + Math.exp(-v)) - y[i][j])) / 3));
    Array.from(g.dataSync()).forEach((v, i) => close(v, expected[i]));

    const logits = [[0.5, -0.5, 2], [1, 1, 1]];
    const gc = tf.grad((t: tf.Tensor) => maskedSoftmaxCrossEntropy(t as tf.Tensor2D, oneHotOf([2, 0], 3), tf.tensor1d([1, 0])))(
      tf.tensor2d(logits),
    );
    const e = logits[0].map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    const expectedC = [...e.map((v, k) => v / z - (k === 2 ? 1 : 0)), 0, 0, 0];
    Array.from(gc.dataSync()).forEach((v, i) => close(v, expectedC[i]));
  });

  it("supervisedLoss dispatches by kind and rejects mismatched targets", () => {
    const expr = multiClassTask("expr", ["a", "b"]);
    const au = multiLabelTask("au", ["x", "y"]);
    const logits = tf.tensor2d([[0, 0]]);
    const mc = { kind: "multiclass" as const, oneHot: oneHotOf([0], 2), mask: tf.tensor1d([1]) };
    const ml = { kind: "multilabel" as const, values: tf.tensor2d([[1, 1]]), mask: tf.tensor2d([[1, 1]]) };
    close(scalar(supervisedLoss(expr, logits, mc)), Math.log(2));
    close(scalar(supervisedLoss(au, logits, ml)), Math.log(2));
    assert.throws(() => supervisedLoss(expr, logits, ml), /task "expr" is multiclass but its targets are multilabel/);
    assert.throws(
      () => maskedSoftmaxCrossEntropy(logits, tf.zeros([1, 3]), tf.ones([1])),
      /oneHot has shape \[1, 3\], expected \[1, 2\]/,
    );
  });

  it("taskProbabilities: softmax for multi-class, sigmoid for multi-label", () => {
    const logits = tf.tensor2d([[0, Math.log(3)]]);
    const soft = Array.from(taskProbabilities(multiClassTask("c", ["a", "b"]), logits).dataSync());
    const sig = Array.from(taskProbabilities(multiLabelTask("l", ["a", "b"]), logits).dataSync());
    close(soft[0], 0.25);
    close(soft[1], 0.75);
    close(sig[0], 0.5);
    close(sig[1], 0.75);
  });
});
