import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_THRESHOLD_GRID,
  multiClassMetrics,
  multiLabelMetrics,
  primaryMetric,
  tuneThresholds,
} from "../../src/eval/metrics.js";

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe("multiClassMetrics", () => {
  // Predictions (arg-max): s0 -> 0, s1 -> 2, s2 -> 2, s3 -> 0 (unlabelled), s4 -> 1.
  const probs = new Float32Array([
    0.7, 0.2, 0.1, 0,
    0.1, 0.3, 0.6, 0,
    0.2, 0.2, 0.6, 0,
    0.9, 0.05, 0.05, 0,
    0.1, 0.8, 0.1, 0,
  ]);
  const labels = new Int32Array([0, 1, 2, -1, 1]);

  it("accuracy, confusion and macro-F1 on a hand case, skipping missing labels", () => {
    // Labelled: 4, correct: s0, s2, s4 -> accuracy 3/4.
    // F1: class 0 = 1; class 1: tp 1, fn 1 -> 2/3; class 2: tp 1, fp 1 -> 2/3.
    // Class 3 never occurs in truth or prediction: left out. macro-F1 = (1 + 2/3 + 2/3) / 3 = 7/9.
    const m = multiClassMetrics(probs, labels, 4);
    assert.equal(m.n, 4);
    close(m.accuracy, 0.75);
    close(m.macroF1, 7 / 9);
    assert.deepEqual(m.confusion, [
      [1, 0, 0, 0],
      [0, 1, 1, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
  });

  it("NaN when nothing is labelled; errors name the problem", () => {
    const m = multiClassMetrics(probs, new Int32Array([-1, -1, -1, -1, -1]), 4);
    assert.equal(m.n, 0);
    assert.ok(Number.isNaN(m.accuracy));
    assert.throws(() => multiClassMetrics(probs, labels, 3), /probs has 20 entries, expected 15/);
    assert.throws(() => multiClassMetrics(probs, new Int32Array([0, 1, 4, -1, 1]), 4), /labels\[2\] = 4/);
  });
});

describe("multiLabelMetrics", () => {
  // 4 samples x 3 labels; label 2 is never annotated.
  const probs = new Float32Array([
    0.9, 0.2, 0.7,
    0.6, 0.4, 0.1,
    0.3, 0.8, 0.5,
    0.1, 0.6, 0.9,
  ]);
  const values = new Float32Array([
    1, 0, 0,
    0, 1, 0,
    1, 1, 0,
    0, 1, 0,
  ]);
  const mask = new Float32Array([
    1, 1, 0,
    1, 1, 0,
    1, 1, 0,
    1, 1, 0,
  ]);

  it("per-label F1, means over annotated labels only, AU score", () => {
    // Label 0 at 0.5: predicted [1,1,0,0], truth [1,0,1,0]: tp 1, fp 1, fn 1, tn 1 -> F1 0.5, acc 0.5.
    // Label 1: predicted [0,0,1,1], truth [0,1,1,1]: tp 2, fn 1, tn 1 -> F1 4/5, acc 3/4.
    // Label 2: no annotated entry -> null, excluded. meanF1 0.65, meanAcc 0.625, score 0.6375.
    const m = multiLabelMetrics(probs, values, mask, 3);
    assert.equal(m.perLabelF1[2], null);
    close(m.perLabelF1[0] as number, 0.5);
    close(m.perLabelF1[1] as number, 0.8);
    close(m.meanF1, 0.65);
    close(m.meanAccuracy, 0.625);
    close(m.score, 0.6375);
    assert.deepEqual(m.perLabelN, [4, 4, 0]);
    assert.equal(m.n, 8);
  });

  it("uses per-label thresholds", () => {
    // Label 0 at 0.95: nothing predicted: tp 0, fn 2 -> F1 0, acc 0.5.
    const m = multiLabelMetrics(probs, values, mask, 3, [0.95, 0.5, 0.5]);
    close(m.perLabelF1[0] as number, 0);
    close(m.perLabelAccuracy[0] as number, 0.5);
    assert.throws(() => multiLabelMetrics(probs, values, mask, 3, [0.5]), /thresholds has 1 entries, expected 3/);
  });

  it("tuneThresholds maximises F1 per label, ties resolved towards 0.5", () => {
    // Label 0: F1 = 0.8 for any t in (0.1, 0.3] -> 0.3 is the grid value closest to 0.5.
    // Label 1: F1 = 1 for any t in (0.2, 0.4] -> 0.4. Label 2: unannotated -> 0.5.
    assert.deepEqual(tuneThresholds(probs, values, mask, 3), [0.3, 0.4, 0.5]);
    assert.equal(DEFAULT_THRESHOLD_GRID.length, 19);
    // Grid {0.5, 0.7}: label 0 F1 1/2 vs 2/3 -> 0.7; label 1 F1 4/5 vs 1/2 -> 0.5.
    assert.deepEqual(tuneThresholds(probs, values, mask, 3, [0.5, 0.7]), [0.7, 0.5, 0.5]);
  });
});

describe("primaryMetric", () => {
  it("accuracy for multi-class, score for multi-label", () => {
    assert.equal(primaryMetric("multiclass"), "accuracy");
    assert.equal(primaryMetric("multilabel"), "score");
  });
});
