import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  alignedMtlCoefficients,
  alignedMtlWeighting,
  equalWeighting,
  gradNormStep,
  gradNormWeighting,
  makeWeighting,
  pcgradCoefficients,
  pcgradWeighting,
  symmetricEigen,
  uncertaintyWeighting,
} from "../../src/weighting/index.js";
import { close, closeAll } from "../coupling/helpers.js";

type Vec = number[];
const dot = (a: Vec, b: Vec): number => a.reduce((s, x, i) => s + x * b[i], 0);
const gramOf = (gs: Vec[]): number[][] => gs.map((a) => gs.map((b) => dot(a, b)));
const combine = (gs: Vec[], c: Vec): Vec => gs[0].map((_, d) => gs.reduce((s, g, t) => s + c[t] * g[d], 0));

describe("loss-level weightings (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("equal: sum of the task losses plus the rest", () => {
    const w = equalWeighting();
    close(w.combine([tf.scalar(1), tf.scalar(2)], tf.scalar(0.5)).dataSync()[0], 3.5);
  });

  it("uncertainty: exp(-s) L + s / 2 per task, hand values and gradient; the optimum is exp(-s) = 1 / (2 L)", () => {
    const w = uncertaintyWeighting(2);
    const [s] = w.variables;
    // s = 0: 2 + 3 + rest 1 = 6; d/ds = -exp(-s) L + 1/2 = [-1.5, -2.5].
    close(w.combine([tf.scalar(2), tf.scalar(3)], tf.scalar(1)).dataSync()[0], 6);
    const { grads } = tf.variableGrads(() => w.combine([tf.scalar(2), tf.scalar(3)], tf.scalar(1)), [s]);
    closeAll(grads[s.name].dataSync(), [-1.5, -2.5]);
    // s = [ln 2, -ln 2]: 2/2 + ln2/2 + 3*2 - ln2/2 + 1 = 8.
    s.assign(tf.tensor1d([Math.LN2, -Math.LN2]));
    close(w.combine([tf.scalar(2), tf.scalar(3)], tf.scalar(1)).dataSync()[0], 8);
    // Gradient descent on s alone with fixed losses L = [2, 0.5] reaches s* = log(2 L) = [ln 4, 0].
    s.assign(tf.zeros([2]));
    const sgd = tf.train.sgd(0.2);
    for (let i = 0; i < 400; i++) sgd.minimize(() => w.combine([tf.scalar(2), tf.scalar(0.5)], tf.scalar(0)), false, [s]);
    closeAll(s.dataSync(), [Math.log(4), 0], 1e-3);
    w.dispose();
  });
});

describe("GradNorm", () => {
  it("a worked step: targets G-bar r^alpha and the weight gradient sign(G - target) ||g||", () => {
    // ||g|| = [2, 1], w = [1, 1]: G = [2, 1], G-bar = 1.5. L(0) = [2, 2], L = [1, 0.5]: L~ = [0.5, 0.25],
    // r = [4/3, 2/3]; alpha 1.5: targets = 1.5 * [1.539601, 0.544331] = [2.309401, 0.816497].
    // 2 < 2.309 -> -1 * 2; 1 > 0.816 -> +1 * 1.
    const { targets, weightGradient, norms } = gradNormStep([[4, 0], [0, 1]], [1, 0.5], [2, 2], [1, 1], 1.5);
    closeAll(norms, [2, 1]);
    closeAll(targets, [2.309401, 0.816497]);
    assert.deepEqual(weightGradient, [-2, 1]);
    // With w = [2, 1]: G = [4, 1], G-bar 2.5, targets 2.5 * [1.539601, 0.544331] = [3.849002, 1.360828]: [+2, -1].
    assert.deepEqual(gradNormStep([[4, 0], [0, 1]], [1, 0.5], [2, 2], [2, 1], 1.5).weightGradient, [2, -1]);
  });

  it("the weighting: first losses become L(0); coefficients are the weights; renormalised to sum to T", async () => {
    await useBackend("wasm");
    const w = gradNormWeighting(2, { alpha: 1.5 });
    const first = w.combine([[4, 0], [0, 1]], [2, 2]); // L = L(0): r = 1, targets = G-bar = 1.5
    assert.deepEqual(first.shared, [1, 1]);
    assert.deepEqual(first.own, [[1 * 2, -1 * 1]]); // G = [2, 1] vs 1.5
    assert.deepEqual(w.combine([[4, 0], [0, 1]], [1, 0.5]).own, [[-2, 1]]);
    w.variables[0].assign(tf.tensor1d([3, 1]));
    w.afterStep?.();
    closeAll(w.variables[0].dataSync(), [1.5, 0.5]);
    assert.deepEqual(w.combine([[4, 0], [0, 1]], [1, 0.5]).heads, [1.5, 0.5]);
    assert.deepEqual(w.state(), { initialLosses: [2, 2] });
    w.dispose();
  });
});

describe("PCGrad", () => {
  it("two conflicting gradients, by hand: g1 = (1, 0), g2 = (-1, 1) -> (0.5, 0.5) + (0, 1)", () => {
    const gs = [[1, 0], [-1, 1]];
    const c = pcgradCoefficients(gramOf(gs), [[1], [0]]);
    closeAll(c, [2, 1.5]);
    closeAll(combine(gs, c), [0.5, 1.5]);
    // No conflict: plain sum.
    closeAll(pcgradCoefficients(gramOf([[1, 0], [1, 1]]), [[1], [0]]), [1, 1]);
  });

  it("three tasks in a given order equal the projections done on the vectors themselves", () => {
    const gs = [[1, 0.2, -0.5], [-0.8, 1, 0.3], [0.1, -0.9, 0.7]];
    const orders = [[2, 1], [0, 2], [1, 0]];
    const want = gs.map((g, i) => {
      const pc = [...g];
      for (const j of orders[i]) {
        const d = dot(pc, gs[j]);
        if (d < 0) gs[j].forEach((x, k) => (pc[k] -= (d / dot(gs[j], gs[j])) * x));
      }
      return pc;
    });
    const sum = want[0].map((_, k) => want.reduce((s, v) => s + v[k], 0));
    closeAll(combine(gs, pcgradCoefficients(gramOf(gs), orders)), sum, 1e-12);
  });

  it("the weighting: heads keep their gradient, the random order is seeded and checkpointed", () => {
    const gram = gramOf([[1, 0.2, -0.5], [-0.8, 1, 0.3], [0.1, -0.9, 0.7]]);
    const a = pcgradWeighting(3, 5);
    const b = pcgradWeighting(3, 5);
    a.combine(gram, [1, 1, 1]);
    b.restore(a.state());
    assert.deepEqual(b.combine(gram, [1, 1, 1]), a.combine(gram, [1, 1, 1]));
    assert.deepEqual(a.combine(gram, [1, 1, 1]).heads, [1, 1, 1]);
  });
});

describe("Aligned-MTL", () => {
  it("orthogonal gradients (3, 0) and (0, 1): both scaled to sigma_min = 1", () => {
    const gs = [[3, 0], [0, 1]];
    const c = alignedMtlCoefficients(gramOf(gs));
    closeAll(c, [1 / 3, 1]);
    closeAll(combine(gs, c), [1, 1]);
  });

  it("g1 = (1, 0), g2 = (1, 1): the update is sigma_min times the orthogonal polar factor of G applied to 1", () => {
    const gs = [[1, 0], [1, 1]];
    // G has columns g1, g2. Its orthogonal polar factor by Newton's iteration X <- (X + X^-T) / 2 (no eigen-decomposition).
    let X = [[1, 1], [0, 1]];
    for (let i = 0; i < 50; i++) {
      const det = X[0][0] * X[1][1] - X[0][1] * X[1][0];
      const invT = [[X[1][1] / det, -X[1][0] / det], [-X[0][1] / det, X[0][0] / det]];
      X = X.map((row, r) => row.map((x, k) => (x + invT[r][k]) / 2));
    }
    // sigma_min^2 = smallest eigenvalue of G^T G = [[1, 1], [1, 2]]: (3 - sqrt 5) / 2.
    const sigmaMin = Math.sqrt((3 - Math.sqrt(5)) / 2);
    const want = [sigmaMin * (X[0][0] + X[0][1]), sigmaMin * (X[1][0] + X[1][1])];
    const c = alignedMtlCoefficients(gramOf(gs));
    closeAll(combine(gs, c), want, 1e-9);
    // The aligned columns sigma_min U V^T have equal length sigma_min and are orthogonal.
    const aligned = [0, 1].map((t) => [sigmaMin * X[0][t], sigmaMin * X[1][t]]);
    close(dot(aligned[0], aligned[1]), 0, 1e-9);
    close(Math.hypot(...aligned[0]), sigmaMin, 1e-9);
  });

  it("rank-deficient (parallel) gradients keep the non-zero direction; all-zero gradients fall back to 1", () => {
    const gs = [[2, 0], [1, 0]]; // rank 1: lambda = 5, sigma_min = sqrt 5, V_1 = (2, 1) / sqrt 5
    const c = alignedMtlCoefficients(gramOf(gs));
    // c = sqrt5 * v v^T 1 / sqrt5 = v (v . 1) = (2, 1) * 3 / 5
    closeAll(c, [6 / 5, 3 / 5]);
    assert.deepEqual(alignedMtlCoefficients([[0, 0], [0, 0]]), [1, 1]);
    assert.deepEqual(alignedMtlWeighting(2).combine(gramOf(gs), [1, 1]).heads, [1, 1]);
  });

  it("symmetricEigen reconstructs a 3 x 3 matrix with orthonormal vectors", () => {
    const A = [[4, 1, -2], [1, 2, 0.5], [-2, 0.5, 3]];
    const { values, vectors } = symmetricEigen(A);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        close(values.reduce((s, l, k) => s + vectors[i][k] * l * vectors[j][k], 0), A[i][j], 1e-10);
        close(vectors.reduce((s, row) => s + row[i] * row[j], 0), i === j ? 1 : 0, 1e-10);
      }
    }
  });
});

describe("makeWeighting", () => {
  it("builds every method by name and rejects an unknown one", async () => {
    await useBackend("wasm");
    for (const name of ["equal", "uncertainty", "gradnorm", "pcgrad", "aligned-mtl"] as const) {
      const w = makeWeighting(name, { taskCount: 2, seed: 0 });
      assert.equal(w.name, name);
      w.dispose();
    }
    assert.throws(() => makeWeighting("mgda" as "equal", { taskCount: 2, seed: 0 }), /unknown weighting "mgda"/);
  });
});
