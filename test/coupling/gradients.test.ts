import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  categoricalDistributionMatchingLoss,
  categoricalSoftCoAnnotationLoss,
  distributionMatchingLoss,
  softCoAnnotationLoss,
} from "../../src/coupling/index.js";
import {
  refCategoricalDM,
  refCategoricalSCA,
  refDistributionMatching,
  refSoftCoAnnotation,
  sigmoid,
  softmaxRow,
} from "./reference.js";
import { closeAll } from "./helpers.js";

/**
 * Gradient check on the cpu backend: tf.grads of each loss, as a function of the two heads' logits,
 * against central differences of the float64 plain-JS reference (h = 1e-5).
 */
type Matrix = number[][];
type Ref = (pA: Matrix, pB: Matrix) => number;
type Lib = (pA: tf.Tensor2D, pB: tf.Tensor2D) => tf.Scalar;

const A0 = [[0.2, -0.4, 1.0], [1.5, 0.1, -0.3]];
const B_MULTI = [[0.3, -1, 2, 0.5], [-0.7, 0.4, 0.1, 1]];
const B_CLASS = [[0.3, -1], [0.8, 0.2]];
const R_MULTI = [[0, 0.5, 1, 1], [1, 1, 0, 0.3], [0, 0, 0, 0]];
const R_CLASS = [[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]];

function numericGradients(ref: Ref, a: Matrix, b: Matrix, bSoftmax: boolean): [number[], number[]] {
  const value = (x: Matrix, y: Matrix): number => ref(x.map(softmaxRow), bSoftmax ? y.map(softmaxRow) : y.map((r) => r.map(sigmoid)));
  const h = 1e-5;
  const diff = (which: "a" | "b"): number[] => {
    const base = which === "a" ? a : b;
    return base.flatMap((row, i) =>
      row.map((_, j) => {
        const plus = base.map((r) => [...r]);
        const minus = base.map((r) => [...r]);
        plus[i][j] += h;
        minus[i][j] -= h;
        const [fp, fm] = which === "a" ? [value(plus, b), value(minus, b)] : [value(a, plus), value(a, minus)];
        return (fp - fm) / (2 * h);
      }),
    );
  };
  return [diff("a"), diff("b")];
}

function checkGradients(lib: Lib, ref: Ref, b: Matrix, bSoftmax: boolean): void {
  const [gA, gB] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
    lib(tf.softmax(x) as tf.Tensor2D, (bSoftmax ? tf.softmax(y) : tf.sigmoid(y)) as tf.Tensor2D),
  )([tf.tensor2d(A0), tf.tensor2d(b)]);
  const [nA, nB] = numericGradients(ref, A0, b, bSoftmax);
  closeAll(gA.dataSync(), nA, 2e-4);
  closeAll(gB.dataSync(), nB, 2e-4);
}

describe("gradient check against finite differences (cpu)", () => {
  before(async () => {
    await useBackend("cpu");
  });

  it("distribution matching", () => {
    checkGradients((pA, pB) => distributionMatchingLoss(pA, pB, R_MULTI), (pA, pB) => refDistributionMatching(pA, pB, R_MULTI), B_MULTI, false);
  });

  it("soft co-annotation, product and bernoulli", () => {
    for (const mode of ["product", "bernoulli"] as const) {
      checkGradients(
        (pA, pB) => softCoAnnotationLoss(pA, pB, R_MULTI, { mode }),
        (pA, pB) => refSoftCoAnnotation(pA, pB, R_MULTI, mode),
        B_MULTI,
        false,
      );
    }
  });

  it("categorical distribution matching and soft co-annotation", () => {
    checkGradients((pA, pB) => categoricalDistributionMatchingLoss(pA, pB, R_CLASS), (pA, pB) => refCategoricalDM(pA, pB, R_CLASS), B_CLASS, true);
    checkGradients((pA, pB) => categoricalSoftCoAnnotationLoss(pA, pB, R_CLASS), (pA, pB) => refCategoricalSCA(pA, pB, R_CLASS), B_CLASS, true);
  });
});
