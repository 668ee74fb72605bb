import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  buildObjective,
  categoricalDistributionMatchingLoss,
  categoricalSoftCoAnnotationLoss,
  distributionMatchingLoss,
  impliedClassDistribution,
  softCoAnnotationLoss,
} from "../../src/coupling/index.js";
import type { MultiClassTask, MultiLabelTask } from "../../src/tasks/types.js";
import type { Relatedness } from "../../src/relatedness/types.js";
import { klDivergence, refImpliedClasses, refSoftCoAnnotation } from "./reference.js";
import { close, closeAll, scalar, syntheticSigmoid, syntheticSoftmax } from "./helpers.js";

const argmax = (v: ArrayLike<number>): number => Array.from(v).indexOf(Math.max(...Array.from(v)));

describe('soft co-annotation, "likelihood" rule (wasm)', () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("matches a hand-worked case, with and without a prior", () => {
    // R = [[0.8], [0.2]], pB = 0.75: score_0 - score_1 = 0.75 ln 4 - 0.25 ln 4 = ln 2, so q = [2/3, 1/3].
    // prior [1, 3] (normalised 0.25, 0.75): q proportional to [0.25 * 2, 0.75 * 1] = [0.4, 0.6].
    const pB = tf.tensor2d([[0.75]]);
    closeAll(impliedClassDistribution(pB, [[0.8], [0.2]], { mode: "likelihood" }).dataSync(), [2 / 3, 1 / 3]);
    closeAll(impliedClassDistribution(pB, [[0.8], [0.2]], { mode: "likelihood", prior: [1, 3] }).dataSync(), [0.4, 0.6]);
    // pA = [0.5, 0.5]: loss = -(2/3 + 1/3) ln 0.5 = ln 2.
    close(scalar(softCoAnnotationLoss(tf.tensor2d([[0.5, 0.5]]), pB, [[0.8], [0.2]], { mode: "likelihood" })), Math.LN2);
  });

  it("on a dense R the product rule picks the class with the least mass, the likelihood rule the matching one", () => {
    // R = [[0.9, 0.9], [0.1, 0.1]], both labels predicted at 0.9 (a class-0 pattern).
    // product: score_0 = 1.8 ln 0.9 = -0.190 < score_1 = 0.2 ln 0.9 = -0.021 -> class 1.
    // likelihood: score_0 = 2 (0.9 ln 0.9 + 0.1 ln 0.1) = -0.650 > score_1 = 2 (0.9 ln 0.1 + 0.1 ln 0.9) = -4.166.
    const R = [[0.9, 0.9], [0.1, 0.1]];
    const pB = tf.tensor2d([[0.9, 0.9]]);
    assert.equal(argmax(impliedClassDistribution(pB, R, { mode: "product" }).dataSync()), 1);
    const q = impliedClassDistribution(pB, R, { mode: "likelihood" }).dataSync();
    assert.equal(argmax(q), 0);
    close(q[0], 1 / (1 + Math.exp(-4.16573 + 0.65016)), 1e-4);
  });

  it("matches the plain-JS formula on synthetic predictions; finite with R entries 0 and 1 (eps clamp)", () => {
    const R = [[0.05, 0.3, 0.95], [0.6, 0.6, 0.6], [0.9, 0.02, 0.2]];
    const pA = syntheticSoftmax(6, 3, 0.7);
    const pB = syntheticSigmoid(6, 3, 1.3);
    const hard = [[0, 0.3, 1], [0.6, 0.6, 0.6], [1, 0, 0.2]];
    assert.ok(Number.isFinite(scalar(softCoAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pB), hard, { mode: "likelihood" }))));
    const q = impliedClassDistribution(tf.tensor2d(pB), R, { mode: "likelihood" }).arraySync() as number[][];
    q.forEach((row, i) => closeAll(row, refImpliedClasses(pB[i], R, "likelihood"), 1e-4));
    const v = scalar(softCoAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pB), R, { mode: "likelihood" }));
    close(v, refSoftCoAnnotation(pA, pB, R, "likelihood"), 1e-4);
  });
});

describe('divergence "kl" (wasm)', () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("soft co-annotation: cross-entropy minus the entropy of q, by hand and against the plain-JS KL", () => {
    // q = [2/3, 1/3] (case above), pA = [0.5, 0.5]: CE = ln 2 = 0.693147, H(q) = 0.636514, KL = 0.056633.
    const pB = tf.tensor2d([[0.75]]);
    const R = [[0.8], [0.2]];
    close(scalar(softCoAnnotationLoss(tf.tensor2d([[0.5, 0.5]]), pB, R, { mode: "likelihood", divergence: "kl" })), 0.056633, 1e-5);
    const pA = syntheticSoftmax(4, 3, 0.5);
    const pBs = syntheticSigmoid(4, 2, 0.9);
    const R3 = [[0.9, 0.1], [0.5, 0.5], [0.2, 0.7]];
    const want = pA.reduce((s, a, i) => s + klDivergence(refImpliedClasses(pBs[i], R3, "product"), a), 0) / pA.length;
    close(scalar(softCoAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pBs), R3, { divergence: "kl" })), want, 1e-5);
  });

  it("distribution matching: 0 when p_B = q_B, else CE minus the Bernoulli entropy", () => {
    // pA = [1, 0], R = [[0.8], [0.2]]: q_B = 0.8. pB = 0.8 -> 0. pB = 0.5: CE = -(0.5 ln 0.8 + 0.5 ln 0.2) = 0.916291,
    // H(0.5) = ln 2, KL = 0.223144.
    const pA = tf.tensor2d([[1, 0]]);
    const R = [[0.8], [0.2]];
    close(scalar(distributionMatchingLoss(pA, tf.tensor2d([[0.8]]), R, { divergence: "kl" })), 0, 1e-6);
    close(scalar(distributionMatchingLoss(pA, tf.tensor2d([[0.5]]), R, { divergence: "kl" })), 0.223144, 1e-5);
    close(scalar(distributionMatchingLoss(pA, tf.tensor2d([[0.5]]), R)), 0.916291, 1e-5);
  });

  it("categorical DM and SCA: hand values, and 0 when the two heads agree", () => {
    // R = [[0.7, 0.3], [0.2, 0.8]], pA = [1, 0]: q_B = [0.7, 0.3]; pB = [0.5, 0.5]:
    // CE = 0.5 (ln 1/0.7 + ln 1/0.3) = 0.780324, H = ln 2, KL = 0.087177.
    const R = [[0.7, 0.3], [0.2, 0.8]];
    const half = tf.tensor2d([[0.5, 0.5]]);
    close(scalar(categoricalDistributionMatchingLoss(tf.tensor2d([[1, 0]]), half, R, { divergence: "kl" })), 0.087177, 1e-5);
    // Uniform prior: P(a | b = 0) = [0.7, 0.2] / 0.9; pB = [1, 0] gives q_A = [7/9, 2/9]; pA = q_A -> KL 0, CE = H(q_A) = 0.529706.
    const pA = tf.tensor2d([[7 / 9, 2 / 9]]);
    const pB = tf.tensor2d([[1, 0]]);
    close(scalar(categoricalSoftCoAnnotationLoss(pA, pB, R, { divergence: "kl" })), 0, 1e-6);
    close(scalar(categoricalSoftCoAnnotationLoss(pA, pB, R)), 0.529706, 1e-5);
  });

  it("gives the matched head the cross-entropy's gradient, and no push to head B once the heads agree", () => {
    const R = [[0.8, 0.3], [0.2, 0.6], [0.5, 0.1]];
    const logitsB = tf.tensor2d([[0.4, -1.2], [1.5, 0.3]]);
    const q = impliedClassDistribution(tf.sigmoid(logitsB) as tf.Tensor2D, R, { mode: "likelihood" });
    const logitsAgree = tf.log(q) as tf.Tensor2D; // softmax(log q) = q: head A agrees with q
    const grads = (divergence: "kl" | "cross-entropy", logitsA: tf.Tensor2D) =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        softCoAnnotationLoss(tf.softmax(a) as tf.Tensor2D, tf.sigmoid(b) as tf.Tensor2D, R, { mode: "likelihood", divergence }),
      )([logitsA, logitsB]);
    const other = tf.tensor2d([[0.3, -0.5, 1], [2, 0, -1]]);
    const [ceA, ceB] = grads("cross-entropy", other);
    const [klA, klB] = grads("kl", other);
    closeAll(Array.from(klA.dataSync()), Array.from(ceA.dataSync()), 1e-5);
    assert.ok(scalar(tf.sum(tf.abs(tf.sub(klB, ceB)))) > 1e-3, "head B's gradients differ by the entropy term");
    const [, agreeKlB] = grads("kl", logitsAgree);
    const [, agreeCeB] = grads("cross-entropy", logitsAgree);
    assert.ok(scalar(tf.max(tf.abs(agreeKlB))) < 1e-5, "KL: nothing to match, no gradient into B");
    assert.ok(scalar(tf.max(tf.abs(agreeCeB))) > 1e-2, "cross-entropy: B is still pushed towards a sharper q");
  });
});

describe("objective: divergence and likelihood rule pass through (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });
  const expr: MultiClassTask = { name: "expr", kind: "multiclass", classes: ["a", "b", "c"] };
  const au: MultiLabelTask = { name: "au", kind: "multilabel", labels: ["x", "y"] };
  const relatedness: Relatedness = {
    from: "expr",
    to: "au",
    toKind: "multilabel",
    rows: ["a", "b", "c"],
    columns: ["x", "y"],
    values: [[0.8, 0.3], [0.2, 0.6], [0.5, 0.1]],
  };
  const logitsExpr = [[0.3, -0.5, 1], [2, 0, -1]];
  const logitsAu = [[0.4, -1.2], [1.5, 0.3]];
  const targets = () => ({
    expr: { kind: "multiclass" as const, oneHot: tf.tensor2d([[1, 0, 0], [0, 0, 0]]), mask: tf.tensor1d([1, 0]) },
    au: { kind: "multilabel" as const, values: tf.tensor2d([[0, 0], [1, 0]]), mask: tf.tensor2d([[0, 0], [1, 1]]) },
  });

  it("terms equal the standalone losses with the same options", () => {
    const objective = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, scaMode: "likelihood", divergence: "kl" }]);
    const { terms } = objective({ expr: tf.tensor2d(logitsExpr), au: tf.tensor2d(logitsAu) }, targets());
    const pA = tf.softmax(tf.tensor2d(logitsExpr)) as tf.Tensor2D;
    const pB = tf.sigmoid(tf.tensor2d(logitsAu)) as tf.Tensor2D;
    const R = relatedness.values as number[][];
    close(scalar(terms["dm:expr->au"]), scalar(distributionMatchingLoss(pA, pB, R, { divergence: "kl" })));
    close(scalar(terms["sca:expr<-au"]), scalar(softCoAnnotationLoss(pA, pB, R, { mode: "likelihood", divergence: "kl" })));
    objective.dispose();
  });

  it("rejects an unknown divergence, naming the field", () => {
    assert.throws(
      () => buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, divergence: "js" as "kl" }]),
      /couplings\[0\]\.divergence is "js", expected "cross-entropy" or "kl"/,
    );
  });
});
