import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MultiClassTargets, MultiLabelTargets, Source } from "../../src/data/types.js";
import {
  estimateFromAnnotations,
  estimateFromPredictions,
  estimateFromSources,
  validateRelatedness,
} from "../../src/relatedness/index.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";

// Synthetic tasks and hand-made annotations.
const emotion = multiClassTask("emotion", ["calm", "joy"]);
const aus = multiLabelTask("aus", ["AU6", "AU12"]);
const valence = multiClassTask("valence", ["neg", "neu", "pos"]);

function close(actual: readonly (readonly number[])[], expected: readonly (readonly number[])[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, k) =>
    row.forEach((v, j) => assert.ok(Math.abs(v - expected[k][j]) <= tol, `[${k}][${j}]: ${v} vs ${expected[k][j]}`)),
  );
}

/*
 * sample  emotion   AU6        AU12
 *   0     calm(0)   0          0
 *   1     calm(0)   1          (missing; value 1 must be ignored)
 *   2     joy(1)    1          1
 *   3     joy(1)    1          1
 *   4     joy(1)    (missing)  1
 *   5     missing   1          1          -> ignored (no A label)
 *   6     calm(0)   (missing)  (missing)  -> ignored (no B label observed)
 *
 * calm, AU6:  observed in 0,1: sum 1, n 2 -> (1+1)/(2+2) = 0.5;    alpha 0: 1/2 = 0.5
 * calm, AU12: observed in 0:   sum 0, n 1 -> (0+1)/(1+2) = 1/3;    alpha 0: 0/1 = 0
 * joy,  AU6:  observed in 2,3: sum 2, n 2 -> (2+1)/(2+2) = 0.75;   alpha 0: 2/2 = 1
 * joy,  AU12: observed in 2-4: sum 3, n 3 -> (3+1)/(3+2) = 0.8;    alpha 0: 3/3 = 1
 * support = [[2, 1], [2, 3]]
 */
const a: MultiClassTargets = { kind: "multiclass", labels: Int32Array.from([0, 0, 1, 1, 1, -1, 0]) };
const b: MultiLabelTargets = {
  kind: "multilabel",
  values: Float32Array.from([0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1]),
  mask: Float32Array.from([1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0]),
};

describe("estimateFromAnnotations, multi-label B", () => {
  it("matches the hand-worked Laplace estimate and support", () => {
    const R = estimateFromAnnotations(a, b, emotion, aus);
    close(R.values, [
      [0.5, 1 / 3],
      [0.75, 0.8],
    ]);
    assert.deepEqual(R.support, [
      [2, 1],
      [2, 3],
    ]);
    assert.deepEqual(R.rows, ["calm", "joy"]);
    assert.deepEqual(R.columns, ["AU6", "AU12"]);
    assert.equal(R.origin, "overlap");
    validateRelatedness(R, emotion, aus);
  });

  it("alpha = 0 gives raw frequencies; alpha = 2 doubles the pseudo-counts", () => {
    close(estimateFromAnnotations(a, b, emotion, aus, { alpha: 0 }).values, [
      [0.5, 0],
      [1, 1],
    ]);
    // calm AU12: (0+2)/(1+4) = 0.4; joy AU12: (3+2)/(3+4) = 5/7
    close(estimateFromAnnotations(a, b, emotion, aus, { alpha: 2 }).values, [
      [0.5, 0.4],
      [4 / 6, 5 / 7],
    ]);
  });

  it("a class never seen gets 0.5 with support 0, also with alpha = 0", () => {
    const onlyJoy = { labels: Int32Array.from([1, -1, 1, 1, 1, -1, -1]) };
    for (const alpha of [0, 1]) {
      const R = estimateFromAnnotations(onlyJoy, b, emotion, aus, { alpha });
      assert.deepEqual(R.values[0], [0.5, 0.5]);
      assert.deepEqual(R.support?.[0], [0, 0]);
    }
  });

  it("rejects a multi-label A, wrong lengths and class indices out of range", () => {
    assert.throws(() => estimateFromAnnotations(a, b, aus, aus), /task A "aus" must be multi-class/);
    assert.throws(() => estimateFromAnnotations({ labels: Int32Array.from([0]) }, b, emotion, aus), /1 x 2 values/);
    assert.throws(
      () => estimateFromAnnotations({ labels: Int32Array.from([0, 0, 2, 1, 1, -1, 0]) }, b, emotion, aus),
      /sample 2 has class index 2/,
    );
    assert.throws(() => estimateFromAnnotations(a, b, emotion, aus, { alpha: -1 }), /alpha/);
  });
});

/*
 * Multi-class -> multi-class, J = 3, alpha = 1. Samples (emotion, valence):
 * (calm, neg) (calm, neg) (calm, pos) (joy, neu) (joy, missing) (missing, pos)
 * calm: count 3 -> neg (2+1)/(3+3) = 0.5, neu (0+1)/6 = 1/6, pos (1+1)/6 = 1/3
 * joy:  count 1 -> neg (0+1)/(1+3) = 0.25, neu (1+1)/4 = 0.5, pos 0.25
 */
describe("estimateFromAnnotations, multi-class B", () => {
  const ea = { labels: Int32Array.from([0, 0, 0, 1, 1, -1]) };
  const vb: MultiClassTargets = { kind: "multiclass", labels: Int32Array.from([0, 0, 2, 1, -1, 2]) };

  it("matches the hand-worked estimate; rows sum to 1; support is the row count", () => {
    const R = estimateFromAnnotations(ea, vb, emotion, valence);
    close(R.values, [
      [0.5, 1 / 6, 1 / 3],
      [0.25, 0.5, 0.25],
    ]);
    assert.deepEqual(R.support, [
      [3, 3, 3],
      [1, 1, 1],
    ]);
    assert.equal(R.toKind, "multiclass");
    validateRelatedness(R, emotion, valence);
  });

  it("rejects targets of the wrong kind", () => {
    assert.throws(() => estimateFromAnnotations(ea, vb, emotion, aus), /are multiclass, but the task is multilabel/);
  });
});

describe("estimateFromSources", () => {
  const source = (name: string, n: number, targets: Source["targets"]): Source => ({
    name,
    n,
    inputShape: [1],
    inputs: new Float32Array(n),
    targets,
  });
  const emotionOnly = source("emotion-only", 2, { emotion: { kind: "multiclass", labels: Int32Array.from([1, 1]) } });
  const ausOnly = source("aus-only", 1, {
    aus: { kind: "multilabel", values: Float32Array.from([1, 1]), mask: Float32Array.from([1, 1]) },
  });

  it("uses only sources annotating both tasks, pooled", () => {
    // Split the hand-worked samples over two overlapping sources: the pooled estimate is the same.
    const first = source("both-1", 3, {
      emotion: { kind: "multiclass", labels: a.labels.slice(0, 3) },
      aus: { kind: "multilabel", values: b.values.slice(0, 6), mask: b.mask.slice(0, 6) },
    });
    const second = source("both-2", 4, {
      emotion: { kind: "multiclass", labels: a.labels.slice(3) },
      aus: { kind: "multilabel", values: b.values.slice(6), mask: b.mask.slice(6) },
    });
    const R = estimateFromSources([emotionOnly, first, ausOnly, second], emotion, aus);
    close(R.values, [
      [0.5, 1 / 3],
      [0.75, 0.8],
    ]);
    assert.deepEqual(R.support, [
      [2, 1],
      [2, 3],
    ]);
  });

  it("throws when no sample is co-annotated", () => {
    assert.throws(
      () => estimateFromSources([emotionOnly, ausOnly], emotion, aus),
      /no sample is annotated for both "emotion" and "aus" in sources emotion-only, aus-only/,
    );
  });
});

/*
 * Two pool inputs. pA = [[0.8, 0.2], [0.4, 0.6]].
 * Multi-label, pB = [[0.5, 0.0], [1.0, 0.5]]:
 *   calm: mass 1.2; AU6 (0.8*0.5 + 0.4*1.0)/1.2 = 0.8/1.2 = 2/3;  AU12 (0 + 0.4*0.5)/1.2 = 1/6
 *   joy:  mass 0.8; AU6 (0.2*0.5 + 0.6*1.0)/0.8 = 0.7/0.8 = 0.875; AU12 (0.6*0.5)/0.8 = 0.375
 * Multi-class, pB = [[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]:
 *   calm: (0.8*[.2,.3,.5] + 0.4*[.6,.3,.1]) / 1.2 = [.40, .36, .44] / 1.2 = [1/3, 0.3, 11/30]
 *   joy:  (0.2*[.2,.3,.5] + 0.6*[.6,.3,.1]) / 0.8 = [.40, .24, .16] / 0.8 = [0.5, 0.3, 0.2]
 */
describe("estimateFromPredictions", () => {
  const pA = Float32Array.from([0.8, 0.2, 0.4, 0.6]);

  it("multi-label B: soft co-occurrence, support = soft class mass", () => {
    const R = estimateFromPredictions(pA, Float32Array.from([0.5, 0, 1, 0.5]), emotion, aus);
    close(R.values, [
      [2 / 3, 1 / 6],
      [0.875, 0.375],
    ]);
    close(R.support ?? [], [
      [1.2, 1.2],
      [0.8, 0.8],
    ]);
    assert.equal(R.origin, "predictions");
  });

  it("multi-class B: matches the hand case and rows sum to 1", () => {
    const R = estimateFromPredictions(pA, Float32Array.from([0.2, 0.3, 0.5, 0.6, 0.3, 0.1]), emotion, valence);
    close(R.values, [
      [1 / 3, 0.3, 11 / 30],
      [0.5, 0.3, 0.2],
    ]);
    for (const row of R.values) assert.ok(Math.abs(row.reduce((x, y) => x + y, 0) - 1) < 1e-12);
    validateRelatedness(R, emotion, valence);
  });

  it("rejects mismatched sizes and non-probabilities", () => {
    assert.throws(() => estimateFromPredictions(pA, Float32Array.from([0.5, 0, 1]), emotion, aus), /N x 2/);
    assert.throws(() => estimateFromPredictions(Float32Array.from([0.8, 0.8, 0.4, 0.6]), Float32Array.from([0.5, 0, 1, 0.5]), emotion, aus), /sample 0: softmax probabilities must sum to 1/);
    assert.throws(() => estimateFromPredictions(pA, Float32Array.from([0.5, 1.5, 1, 0.5]), emotion, aus), /sample 0, output 1/);
  });
});
