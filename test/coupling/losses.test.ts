import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  categoricalDistributionMatchingLoss,
  categoricalSoftCoAnnotationLoss,
  distributionMatchingLoss,
  impliedClassDistribution,
  softCoAnnotationLoss,
} from "../../src/coupling/index.js";
import {
  refCategoricalDM,
  refCategoricalSCA,
  refDistributionMatching,
  refImpliedClasses,
  refSoftCoAnnotation,
  sigmoid,
  softmaxRow,
} from "./reference.js";
import { close, closeAll, scalar, syntheticSigmoid, syntheticSoftmax } from "./helpers.js";

/** Expression -> AU, a subset of the Du et al. 2014 prior (METHOD.md section 2) with its neutral row. */
const DU_CLASSES = ["happiness", "surprise", "neutral"];
const DU_LABELS = ["AU1", "AU2", "AU5", "AU6", "AU12", "AU25", "AU26"];
const DU_R = [
  [0, 0, 0, 0.51, 1, 1, 0],
  [1, 1, 0.66, 0, 0, 1, 1],
  [0, 0, 0, 0, 0, 0, 0],
];

describe("distribution matching (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("matches a hand-worked case", () => {
    // K=2, M=1, R = [[1],[0]]: pA = [0.75, 0.25] -> q = 0.75. pB = 0.5:
    // H = -(0.5 ln 0.75 + 0.5 ln 0.25) = 0.5 (0.287682 + 1.386294) = 0.836988.
    const loss = distributionMatchingLoss(tf.tensor2d([[0.75, 0.25]]), tf.tensor2d([[0.5]]), [[1], [0]]);
    close(scalar(loss), 0.836988);
  });

  it("matches the plain-JS formula on synthetic predictions, R as array or tensor", () => {
    const pA = syntheticSoftmax(6, 3, 0.1);
    const pB = syntheticSigmoid(6, 7, 0.4);
    const expected = refDistributionMatching(pA, pB, DU_R);
    close(scalar(distributionMatchingLoss(tf.tensor2d(pA), tf.tensor2d(pB), DU_R)), expected);
    const R = tf.tensor2d(DU_R);
    close(scalar(distributionMatchingLoss(tf.tensor2d(pA), tf.tensor2d(pB), R)), expected);
    assert.equal(R.isDisposed, false, "a caller-owned R must not be disposed");
  });

  it("stays finite when q hits 0 or 1 (eps clamp)", () => {
    // q = 0 for a label no class relates to, q = 1 for a label every class has.
    // Mean of 0.3 * 16 and 0.1 * 16 = 3.2 with eps = 1e-7.
    // (With the default eps = 1e-7, float32 rounds 1 - eps to 1 - 1.19e-7; eps = 1e-4 keeps the
    // comparison with the float64 reference exact to 1e-5.)
    const R = [[0, 1], [0, 1]];
    const v = scalar(distributionMatchingLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.3, 0.9]]), R));
    assert.ok(Number.isFinite(v) && v > 3, `clamped log of q = 0 and q = 1 is large but finite, got ${v}`);
    const v4 = scalar(distributionMatchingLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.3, 0.9]]), R, { eps: 1e-4 }));
    close(v4, refDistributionMatching([[1, 0]], [[0.3, 0.9]], R, 1e-4));
  });

  it("sample weights: weighted mean, exactly 0 when all weights are 0", () => {
    const pA = syntheticSoftmax(3, 3, 1);
    const pB = syntheticSigmoid(3, 7, 2);
    const per = pA.map((a, i) => refDistributionMatching([a], [pB[i]], DU_R));
    const w = [2, 0, 1];
    const weighted = scalar(distributionMatchingLoss(tf.tensor2d(pA), tf.tensor2d(pB), DU_R, { sampleWeights: tf.tensor1d(w) }));
    close(weighted, (2 * per[0] + per[2]) / 3);
    const zero = (x: tf.Tensor) =>
      distributionMatchingLoss(tf.softmax(x) as tf.Tensor2D, tf.tensor2d(pB), DU_R, { sampleWeights: tf.zeros([3]) });
    const logits = tf.tensor2d(syntheticSoftmax(3, 3, 5));
    assert.equal(scalar(zero(logits)), 0);
    assert.ok(Array.from(tf.grad(zero)(logits).dataSync()).every((g) => g === 0));
  });

  it("rejects a relatedness of the wrong shape", () => {
    assert.throws(
      () => distributionMatchingLoss(tf.tensor2d([[0.5, 0.5]]), tf.tensor2d([[0.5]]), [[1, 0]]),
      /distributionMatchingLoss: relatedness has shape \[1, 2\], expected \[2, 1\]/,
    );
  });
});

describe("soft co-annotation (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("matches a hand-worked case with a neutral row", () => {
    // classes {smile, neutral}, one label, R = [[1],[0]], pB = 0.8.
    // product: score_smile = 1 * ln 0.8; neutral (all-zero row) scores ln(1 - 0.8) = ln 0.2.
    // q = softmax = [0.8, 0.2]. pA = [0.9, 0.1]: loss = -(0.8 ln 0.9 + 0.2 ln 0.1) = 0.084289 + 0.460517 = 0.544806.
    const loss = softCoAnnotationLoss(tf.tensor2d([[0.9, 0.1]]), tf.tensor2d([[0.8]]), [[1], [0]]);
    close(scalar(loss), 0.544806);
    closeAll(impliedClassDistribution(tf.tensor2d([[0.8]]), [[1], [0]]).dataSync(), [0.8, 0.2]);
  });

  it("du2014 neutral row: neutral wins when no related AU is likely, happiness when 12 and 25 are", () => {
    const quiet = DU_LABELS.map(() => 0.05);
    const smiling = DU_LABELS.map((l) => (l === "AU12" || l === "AU25" ? 0.95 : l === "AU6" ? 0.6 : 0.05));
    const q = impliedClassDistribution(tf.tensor2d([quiet, smiling]), DU_R).arraySync() as number[][];
    assert.equal(q[0].indexOf(Math.max(...q[0])), DU_CLASSES.indexOf("neutral"));
    assert.equal(q[1].indexOf(Math.max(...q[1])), DU_CLASSES.indexOf("happiness"));
    closeAll(q[0], refImpliedClasses(quiet, DU_R, "product"));
    closeAll(q[1], refImpliedClasses(smiling, DU_R, "product"));
    // Neutral's score is sum of log(1 - p) over AUs related to some class: here all 7, so
    // q_neutral / q_happiness = 0.95^7 / (0.05^0.51 * 0.05 * 0.05) for the quiet face.
    close(q[0][2] / q[0][0], 0.95 ** 7 / (0.05 ** 0.51 * 0.05 * 0.05), 1e-4);
  });

  it("product and bernoulli modes differ as the formulas say", () => {
    // R = [[1, 0.5], [0, 0]], pB = [0.7, 0.4].
    // product:   smile = ln 0.7 + 0.5 ln 0.4;                 neutral = ln 0.3 + ln 0.6
    // bernoulli: smile = ln 0.7 + 0.5 ln 0.4 + 0.5 ln 0.6;    neutral = ln 0.3 + ln 0.6
    const R = [[1, 0.5], [0, 0]];
    const pB = [[0.7, 0.4]];
    const product = impliedClassDistribution(tf.tensor2d(pB), R, { mode: "product" }).dataSync();
    const bernoulli = impliedClassDistribution(tf.tensor2d(pB), R, { mode: "bernoulli" }).dataSync();
    const smileP = 0.7 * Math.sqrt(0.4);
    const smileB = smileP * Math.sqrt(0.6);
    const neutral = 0.3 * 0.6;
    closeAll(product, [smileP / (smileP + neutral), neutral / (smileP + neutral)]);
    closeAll(bernoulli, [smileB / (smileB + neutral), neutral / (smileB + neutral)]);
    const pA = syntheticSoftmax(5, 3, 0.3);
    const pBs = syntheticSigmoid(5, 7, 1.1);
    for (const mode of ["product", "bernoulli"] as const) {
      const v = scalar(softCoAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pBs), DU_R, { mode }));
      close(v, refSoftCoAnnotation(pA, pBs, DU_R, mode));
    }
    assert.throws(
      () => softCoAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pBs), DU_R, { mode: "prod" as "product" }),
      /mode "prod" is not one of "product", "bernoulli"/,
    );
  });
});

describe("stopGradient stops the gradient into the head that produced q (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  const logitsA = () => tf.tensor2d([[0.2, -0.4, 1.0], [1.5, 0.1, -0.3]]);
  const logitsB = () => tf.tensor2d([[0.3, -1, 2, 0.5, -0.2, 1.2, 0], [-0.7, 0.4, 0.1, 1, 2, -1.5, 0.6]]);
  const norm = (t: tf.Tensor): number => scalar(tf.sum(tf.abs(t)));

  function gradNorms(loss: (pA: tf.Tensor2D, pB: tf.Tensor2D) => tf.Scalar): [number, number] {
    const [gA, gB] = tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(tf.softmax(a) as tf.Tensor2D, tf.sigmoid(b) as tf.Tensor2D))([
      logitsA(),
      logitsB(),
    ]);
    return [norm(gA), norm(gB)];
  }

  it("distribution matching: q comes from head A", () => {
    const [a, b] = gradNorms((pA, pB) => distributionMatchingLoss(pA, pB, DU_R));
    assert.ok(a > 1e-4 && b > 1e-4, `both heads learn by default (${a}, ${b})`);
    const [sa, sb] = gradNorms((pA, pB) => distributionMatchingLoss(pA, pB, DU_R, { stopGradient: true }));
    assert.equal(sa, 0);
    close(sb, b);
  });

  it("soft co-annotation: q comes from head B", () => {
    const [a, b] = gradNorms((pA, pB) => softCoAnnotationLoss(pA, pB, DU_R));
    assert.ok(a > 1e-4 && b > 1e-4, `both heads learn by default (${a}, ${b})`);
    const [sa, sb] = gradNorms((pA, pB) => softCoAnnotationLoss(pA, pB, DU_R, { stopGradient: true }));
    assert.equal(sb, 0);
    close(sa, a);
  });
});

describe("categorical coupling, multi-class B (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });
  const R = [[0.9, 0.1], [0.2, 0.8]];

  it("distribution matching on a hand case and against the plain-JS formula", () => {
    // pA = [1, 0] -> q = [0.9, 0.1]; pB = [0.5, 0.5]: H = -(0.5 ln 0.9 + 0.5 ln 0.1) = 1.203973.
    close(scalar(categoricalDistributionMatchingLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0.5, 0.5]]), R)), 1.203973);
    const pA = syntheticSoftmax(4, 2, 0.2);
    const pB = syntheticSoftmax(4, 2, 0.9);
    close(scalar(categoricalDistributionMatchingLoss(tf.tensor2d(pA), tf.tensor2d(pB), R)), refCategoricalDM(pA, pB, R));
  });

  it("soft co-annotation via the Bayes reverse of R, uniform and given prior", () => {
    // Uniform prior: P(a | b=0) = [0.9, 0.2] / 1.1 = [0.818182, 0.181818].
    // pB = [1, 0], pA = [0.8, 0.2]: loss = -(0.818182 ln 0.8 + 0.181818 ln 0.2) = 0.475197.
    close(scalar(categoricalSoftCoAnnotationLoss(tf.tensor2d([[0.8, 0.2]]), tf.tensor2d([[1, 0]]), R)), 0.475197);
    const pA = syntheticSoftmax(4, 2, 0.5);
    const pB = syntheticSoftmax(4, 2, 1.5);
    close(scalar(categoricalSoftCoAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pB), R)), refCategoricalSCA(pA, pB, R));
    const prior = [3, 1];
    close(
      scalar(categoricalSoftCoAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pB), R, { prior })),
      refCategoricalSCA(pA, pB, R, [0.75, 0.25]),
    );
  });

  it("a class of B that no class of A produces falls back to the prior", () => {
    // Column 1 is all zero: P(a | b=1) = prior = [0.5, 0.5]; pB = [0, 1], pA = [0.5, 0.5] -> ln 2.
    const loss = categoricalSoftCoAnnotationLoss(tf.tensor2d([[0.5, 0.5]]), tf.tensor2d([[0, 1]]), [[1, 0], [1, 0]]);
    close(scalar(loss), Math.log(2));
  });
});

describe("no leaks (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("the losses free their intermediates", () => {
    const pA = tf.tensor2d(syntheticSoftmax(3, 3, 0));
    const pB = tf.tensor2d(syntheticSigmoid(3, 7, 0));
    const before = tf.memory().numTensors;
    tf.dispose([
      distributionMatchingLoss(pA, pB, DU_R, { stopGradient: true }),
      softCoAnnotationLoss(pA, pB, DU_R, { mode: "bernoulli" }),
      categoricalSoftCoAnnotationLoss(pA, tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
    ]);
    // The one-hot pB above is created outside the measured calls' own tidies: count it.
    assert.equal(tf.memory().numTensors, before + 1);
    // Sanity for the helpers the references rely on.
    close(sigmoid(0), 0.5);
    closeAll(softmaxRow([0, 0]), [0.5, 0.5]);
  });
});
