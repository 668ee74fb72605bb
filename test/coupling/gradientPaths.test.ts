import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  buildObjective,
  categoricalDistributionMatchingLoss,
  categoricalSoftCoAnnotationLoss,
  distributionMatchingLoss,
  gradientPaths,
  softCoAnnotationLoss,
  type Divergence,
  type GradientPath,
} from "../../src/coupling/index.js";
import type { MultiClassTask, MultiLabelTask } from "../../src/tasks/types.js";
import type { Relatedness } from "../../src/relatedness/types.js";
import {
  crossEntropy,
  klDivergence,
  refCategoricalDM,
  refCategoricalSCA,
  refDistributionMatching,
  refImpliedClasses,
  sigmoid,
  softmaxRow,
} from "./reference.js";
import { closeAll } from "./helpers.js";

/**
 * The gradient paths of DM and SCA ("both", "matched", "implied") against (1) central differences of the
 * float64 plain-JS references, each head's gradient nonzero only where the path says, and (2) the
 * gradients written out in src/coupling/common.ts (GradientPath), computed here by hand formula.
 */
type Matrix = number[][];
const A0: Matrix = [[0.2, -0.4, 1.0], [1.5, 0.1, -0.3]];
const B0: Matrix = [[0.3, -1, 2, 0.5], [-0.7, 0.4, 0.1, 1]];
const B_CLASS: Matrix = [[0.3, -1], [0.8, 0.2]];
const R: Matrix = [[0.1, 0.5, 0.9, 0.7], [0.8, 0.6, 0.2, 0.3], [0.05, 0.1, 0.1, 0.4]];
const R_CLASS: Matrix = [[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]];
const divergencesUnderTest: Divergence[] = ["cross-entropy", "kl"];

const logit = (p: number): number => Math.log(p / (1 - p));
const bernoulliEntropy = (p: number): number => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** DM reference: mean over samples and labels of H(p_B, q_B), minus H(p_B) under KL. */
function refDM(pA: Matrix, pB: Matrix, divergence: Divergence): number {
  const ce = refDistributionMatching(pA, pB, R);
  return divergence === "kl" ? ce - mean(pB.map((row) => mean(row.map(bernoulliEntropy)))) : ce;
}

function refSCA(pA: Matrix, pB: Matrix, divergence: Divergence): number {
  const per = pA.map((a, i) => {
    const t = refImpliedClasses(pB[i], R, "likelihood");
    return divergence === "kl" ? klDivergence(t, a) : crossEntropy(t, a);
  });
  return mean(per);
}

function refCatSCA(pA: Matrix, pB: Matrix, divergence: Divergence): number {
  // The categorical KL subtracts H(q_A); q_A = sum_j p_B(j) P(a | b = j) (uniform prior).
  const ce = refCategoricalSCA(pA, pB, R_CLASS);
  if (divergence === "cross-entropy") return ce;
  const posterior = R_CLASS[0].map((_, j) => {
    const col = R_CLASS.map((row) => row[j]);
    const z = col.reduce((a, b) => a + b, 0);
    return col.map((v) => v / z);
  });
  const ent = pB.map((b) => {
    const q = R_CLASS.map((_, k) => b.reduce((s, pj, j) => s + pj * posterior[j][k], 0));
    return -q.reduce((s, v) => s + v * Math.log(v), 0);
  });
  return ce - mean(ent);
}

function refCatDM(pA: Matrix, pB: Matrix, divergence: Divergence): number {
  const ce = refCategoricalDM(pA, pB, R_CLASS);
  return divergence === "kl" ? ce - mean(pB.map((b) => -b.reduce((s, v) => s + v * Math.log(v), 0))) : ce;
}

function finiteDifferences(f: (a: Matrix, b: Matrix) => number, a: Matrix, b: Matrix): [number[], number[]] {
  const h = 1e-5;
  const along = (which: "a" | "b"): number[] => {
    const base = which === "a" ? a : b;
    return base.flatMap((row, i) =>
      row.map((_, j) => {
        const plus = base.map((r) => [...r]);
        const minus = base.map((r) => [...r]);
        plus[i][j] += h;
        minus[i][j] -= h;
        const [fp, fm] = which === "a" ? [f(plus, b), f(minus, b)] : [f(a, plus), f(a, minus)];
        return (fp - fm) / (2 * h);
      }),
    );
  };
  return [along("a"), along("b")];
}

type Lib = (pA: tf.Tensor2D, pB: tf.Tensor2D) => tf.Scalar;

function libGradients(lib: Lib, b: Matrix, bSoftmax: boolean): [number[], number[]] {
  const [gA, gB] = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
    lib(tf.softmax(x) as tf.Tensor2D, (bSoftmax ? tf.softmax(y) : tf.sigmoid(y)) as tf.Tensor2D),
  )([tf.tensor2d(A0), tf.tensor2d(b)]);
  return [Array.from(gA.dataSync()), Array.from(gB.dataSync())];
}

/** Each head gets the full-dependence gradient when the path reaches it, else exactly zero. */
function checkPath(path: GradientPath, lib: Lib, ref: (pA: Matrix, pB: Matrix) => number, b: Matrix, bSoftmax: boolean, matchedIsA: boolean): void {
  const [gA, gB] = libGradients(lib, b, bSoftmax);
  const [nA, nB] = finiteDifferences((x, y) => ref(x.map(softmaxRow), bSoftmax ? y.map(softmaxRow) : y.map((r) => r.map(sigmoid))), A0, b);
  const reachesMatched = path !== "implied";
  const reachesImplied = path !== "matched";
  const [reachesA, reachesB] = matchedIsA ? [reachesMatched, reachesImplied] : [reachesImplied, reachesMatched];
  closeAll(gA, reachesA ? nA : nA.map(() => 0), 2e-4);
  closeAll(gB, reachesB ? nB : nB.map(() => 0), 2e-4);
  if (reachesA) assert.ok(nA.some((v) => Math.abs(v) > 1e-3), "the reference gradient into A is not trivially 0");
  if (reachesB) assert.ok(nB.some((v) => Math.abs(v) > 1e-3), "the reference gradient into B is not trivially 0");
}

describe("coupling gradient paths against finite differences (cpu)", () => {
  before(async () => {
    await useBackend("cpu");
  });

  for (const divergence of divergencesUnderTest) {
    for (const path of gradientPaths) {
      it(`DM, ${divergence}, ${path}: multi-label and categorical`, () => {
        checkPath(path, (pA, pB) => distributionMatchingLoss(pA, pB, R, { divergence, gradient: path }), (pA, pB) => refDM(pA, pB, divergence), B0, false, false);
        checkPath(
          path,
          (pA, pB) => categoricalDistributionMatchingLoss(pA, pB, R_CLASS, { divergence, gradient: path }),
          (pA, pB) => refCatDM(pA, pB, divergence),
          B_CLASS,
          true,
          false,
        );
      });

      it(`SCA, ${divergence}, ${path}: multi-label (likelihood rule) and categorical`, () => {
        checkPath(
          path,
          (pA, pB) => softCoAnnotationLoss(pA, pB, R, { divergence, gradient: path, mode: "likelihood" }),
          (pA, pB) => refSCA(pA, pB, divergence),
          B0,
          false,
          true,
        );
        checkPath(
          path,
          (pA, pB) => categoricalSoftCoAnnotationLoss(pA, pB, R_CLASS, { divergence, gradient: path }),
          (pA, pB) => refCatSCA(pA, pB, divergence),
          B_CLASS,
          true,
          true,
        );
      });
    }
  }

  it("stopGradient: true is the path \"matched\"; an explicit gradient wins over it", () => {
    const [gA, gB] = libGradients((pA, pB) => distributionMatchingLoss(pA, pB, R, { divergence: "kl", stopGradient: true }), B0, false);
    const [mA, mB] = libGradients((pA, pB) => distributionMatchingLoss(pA, pB, R, { divergence: "kl", gradient: "matched" }), B0, false);
    closeAll(gA, mA, 1e-7);
    closeAll(gB, mB, 1e-7);
    const [iA] = libGradients((pA, pB) => distributionMatchingLoss(pA, pB, R, { divergence: "kl", stopGradient: true, gradient: "implied" }), B0, false);
    assert.ok(iA.some((v) => Math.abs(v) > 1e-3), "head A gets DM's gradient under \"implied\"");
  });
});

describe("DM gradients by the hand formulas of GradientPath (cpu)", () => {
  before(async () => {
    await useBackend("cpu");
  });
  const pA = A0.map(softmaxRow);
  const pB = B0.map((r) => r.map(sigmoid));
  const N = pA.length;
  const M = R[0].length;
  const qOf = (i: number, j: number): number => pA[i].reduce((s, a, k) => s + a * R[k][j], 0);

  /** dL/dz_B(i, j) = p (1 - p) dL/dp / (N M), dL/dp = -logit(q) (cross-entropy) or logit(p) - logit(q) (kl). */
  const headB = (divergence: Divergence): number[] =>
    pB.flatMap((row, i) =>
      row.map((p, j) => {
        const dp = divergence === "kl" ? logit(p) - logit(qOf(i, j)) : -logit(qOf(i, j));
        return (p * (1 - p) * dp) / (N * M);
      }),
    );

  /** dL/dz_A(i, c) = sum_k dL/dp_A(k) p_A(k) ([k = c] - p_A(c)), dL/dp_A(k) = sum_j R[k][j] (q - p) / (q (1 - q)) / (N M). */
  const headA = (): number[] =>
    pA.flatMap((a, i) => {
      const dpA = a.map((_, k) =>
        pB[i].reduce((s, p, j) => {
          const q = qOf(i, j);
          return s + (R[k][j] * (q - p)) / (q * (1 - q));
        }, 0) / (N * M),
      );
      return a.map((_, c) => a.reduce((s, ak, k) => s + dpA[k] * ak * ((k === c ? 1 : 0) - a[c]), 0));
    });

  for (const divergence of divergencesUnderTest) {
    it(`${divergence}: "both" = head A by the q formula + head B by the p formula; "implied" = the same head A, B zero`, () => {
      const [bothA, bothB] = libGradients((x, y) => distributionMatchingLoss(x, y, R, { divergence, gradient: "both" }), B0, false);
      closeAll(bothA, headA(), 1e-4);
      closeAll(bothB, headB(divergence), 1e-4);
      const [impliedA, impliedB] = libGradients((x, y) => distributionMatchingLoss(x, y, R, { divergence, gradient: "implied" }), B0, false);
      closeAll(impliedA, headA(), 1e-4);
      closeAll(impliedB, impliedB.map(() => 0), 0);
    });
  }
});

describe("objective: dmGradient and scaGradient (cpu)", () => {
  before(async () => {
    await useBackend("cpu");
  });
  const expr: MultiClassTask = { name: "expr", kind: "multiclass", classes: ["a", "b", "c"] };
  const au: MultiLabelTask = { name: "au", kind: "multilabel", labels: ["x", "y", "z", "w"] };
  const relatedness: Relatedness = { from: "expr", to: "au", toKind: "multilabel", rows: ["a", "b", "c"], columns: ["x", "y", "z", "w"], values: R };
  // No annotations at all: the supervised terms are 0, so every gradient comes from the coupling terms.
  const targets = () => ({
    expr: { kind: "multiclass" as const, oneHot: tf.zeros([2, 3]) as tf.Tensor2D, mask: tf.zeros([2]) as tf.Tensor1D },
    au: { kind: "multilabel" as const, values: tf.zeros([2, 4]) as tf.Tensor2D, mask: tf.zeros([2, 4]) as tf.Tensor2D },
  });

  function objectiveGradients(lambdas: { dm: number; sca: number }, extra: { dmGradient?: GradientPath; scaGradient?: GradientPath; stopGradient?: boolean }): [number[], number[]] {
    const objective = buildObjective([expr, au], [{ relatedness, lambdas: { ...lambdas, co: 0 }, divergence: "kl", scaMode: "likelihood", ...extra }]);
    try {
      const [gA, gB] = tf.grads((a: tf.Tensor, b: tf.Tensor) => objective({ expr: a as tf.Tensor2D, au: b as tf.Tensor2D }, targets()).total)([
        tf.tensor2d(A0),
        tf.tensor2d(B0),
      ]);
      return [Array.from(gA.dataSync()), Array.from(gB.dataSync())];
    } finally {
      objective.dispose();
    }
  }

  it("DM \"implied\" reaches head A only, even with stopGradient: true; SCA \"implied\" reaches head B only", () => {
    const [dmA, dmB] = objectiveGradients({ dm: 1, sca: 0 }, { stopGradient: true, dmGradient: "implied" });
    const [wantA] = libGradients((x, y) => distributionMatchingLoss(x, y, R, { divergence: "kl" }), B0, false);
    closeAll(dmA, wantA, 1e-5);
    closeAll(dmB, dmB.map(() => 0), 0);
    const [scaA, scaB] = objectiveGradients({ dm: 0, sca: 1 }, { scaGradient: "implied" });
    const [, wantB] = libGradients((x, y) => softCoAnnotationLoss(x, y, R, { divergence: "kl", mode: "likelihood" }), B0, false);
    closeAll(scaA, scaA.map(() => 0), 0);
    closeAll(scaB, wantB, 1e-5);
  });

  it("stopGradient: true alone still means \"matched\" for both terms (head A gets no DM gradient)", () => {
    const [dmA] = objectiveGradients({ dm: 1, sca: 0 }, { stopGradient: true });
    closeAll(dmA, dmA.map(() => 0), 0);
  });

  it("rejects an unknown path, naming the field", () => {
    assert.throws(
      () => buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, dmGradient: "head-a" as GradientPath }]),
      /couplings\[0\]\.dmGradient is "head-a", expected one of "both", "matched", "implied"/,
    );
  });
});
