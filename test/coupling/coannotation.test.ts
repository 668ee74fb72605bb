import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  categoricalCoAnnotationLoss,
  categoricalCoAnnotationTargets,
  coAnnotationLoss,
  coAnnotationTargets,
} from "../../src/coupling/index.js";
import { bce, crossEntropy, refSoftClassTarget } from "./reference.js";
import { classTargets, close, closeAll, labelTargets, rows, scalar } from "./helpers.js";

// Classes happy, surprise, neutral; labels AU1, AU2, AU6, AU12, AU25.
const R = [
  [0, 0, 0.5, 1, 1],
  [1, 1, 0, 0, 1],
  [0, 0, 0, 0, 0],
];
const HAPPY = 0;
const SURPRISE = 1;

// s0: happy, no AU annotation           -> A -> B target
// s1: no class, AU1 AU2 AU25 on, AU6 AU12 off (all observed)
// s2: no class, only AU25 observed (on)
// s3: no class, only AU6 observed (off)
// s4: surprise and AU1 observed          -> annotated for both: no target either way
// s5: nothing
// s6: no class, every AU on
const A_LABELS = [HAPPY, -1, -1, -1, SURPRISE, -1, -1];
const B_VALUES: (number | null)[][] = [
  [null, null, null, null, null],
  [1, 1, 0, 0, 1],
  [null, null, null, null, 1],
  [null, null, 0, null, null],
  [1, null, null, null, null],
  [null, null, null, null, null],
  [1, 1, 1, 1, 1],
];

describe("co-annotation targets, multi-label B (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("soft A -> B: R's row of the class, weight only where A is known and B absent", () => {
    const t = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R);
    assert.deepEqual(rows(t.toB.values)[0], R[HAPPY]);
    const w = rows(t.toB.weights);
    assert.deepEqual(w[0], [1, 1, 1, 1, 1]);
    for (let i = 1; i < w.length; i++) assert.deepEqual(w[i], [0, 0, 0, 0, 0], `row ${i}`);
  });

  it("soft B -> A: pi_k prod R^b (1-R)^(1-b) over observed labels", () => {
    const t = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R);
    assert.deepEqual(Array.from(t.toA.weights.dataSync()), [0, 1, 1, 1, 0, 0, 1]);
    const probs = rows(t.toA.probs);
    // s3 by hand: only AU6 = 0 observed: happy 1 - 0.5, surprise 1 - 0, neutral 1 - 0 -> [0.2, 0.4, 0.4].
    closeAll(probs[3], [0.2, 0.4, 0.4]);
    // s2 by hand: only AU25 = 1: happy 1, surprise 1, neutral eps -> [0.5, 0.5, ~0].
    closeAll(probs[2], [0.5, 0.5, 0], 1e-6);
    // s6 by hand: all on: happy eps^2 * 0.5, surprise eps^2, neutral eps^5 -> [1/3, 2/3, ~0].
    closeAll(probs[6], [1 / 3, 2 / 3, 0], 1e-5);
    for (const i of [1, 2, 3, 6]) {
      const mask = B_VALUES[i].map((v) => (v === null ? 0 : 1));
      const values = B_VALUES[i].map((v) => v ?? 0);
      closeAll(probs[i], refSoftClassTarget(values, mask, R), 1e-5);
    }
    for (const i of [0, 4, 5]) assert.deepEqual(probs[i], [0, 0, 0], `untargeted row ${i} is zero`);
  });

  it("soft B -> A with a class prior", () => {
    // s3 with prior [0.5, 0.25, 0.25]: 0.5*0.5, 0.25*1, 0.25*1 -> uniform.
    const prior = [0.5, 0.25, 0.25];
    const t = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R, { prior });
    closeAll(rows(t.toA.probs)[3], [1 / 3, 1 / 3, 1 / 3]);
    closeAll(rows(t.toA.probs)[1], refSoftClassTarget([1, 1, 0, 0, 1], [1, 1, 1, 1, 1], R, prior), 1e-5);
  });

  it("hard A -> B: related labels 1 with weight R (prototypical 1), unrelated labels 0 with weight 1", () => {
    const t = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R, { variant: "hard" });
    assert.deepEqual(rows(t.toB.values)[0], [0, 0, 1, 1, 1]);
    assert.deepEqual(rows(t.toB.weights)[0], [1, 1, 0.5, 1, 1]);
    assert.deepEqual(rows(t.toB.weights)[1], [0, 0, 0, 0, 0]);
  });

  it("hard B -> A: all related labels present; ties go to the class with more related labels", () => {
    const hard = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R, { variant: "hard" });
    // s1: surprise's AU1 AU2 AU25 all on, happy's AU12 off -> surprise.
    // s6: happy (AU6 AU12 AU25) and surprise (AU1 AU2 AU25) both complete with 3 labels: exact tie -> none.
    // s2, s3: no class complete; neutral (no related label) is never assigned.
    assert.deepEqual(Array.from(hard.toA.weights.dataSync()), [0, 1, 0, 0, 0, 0, 0]);
    assert.deepEqual(rows(hard.toA.probs)[1], [0, 1, 0]);
    assert.deepEqual(rows(hard.toA.probs)[6], [0, 0, 0]);
    // Only prototypical labels (R > 0.9): happy needs AU12 AU25 (2), surprise AU1 AU2 AU25 (3):
    // s6 has both complete and surprise wins with more related labels.
    const proto = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R, {
      variant: "hard",
      relatedThreshold: 0.9,
    });
    assert.deepEqual(Array.from(proto.toA.weights.dataSync()), [0, 1, 0, 0, 0, 0, 1]);
    assert.deepEqual(rows(proto.toA.probs)[6], [0, 1, 0]);
  });

  it("rejects a bad variant and a wrong-shaped R", () => {
    assert.throws(
      () => coAnnotationTargets(classTargets([0], 3), labelTargets([[1, 1, 1, 1, 1]]), R, { variant: "firm" as "soft" }),
      /variant "firm" is not one of "soft", "hard"/,
    );
    assert.throws(
      () => coAnnotationTargets(classTargets([0], 3), labelTargets([[1, 1, 1, 1]]), R),
      /relatedness has shape \[3, 5\], expected \[3, 4\]/,
    );
  });
});

describe("co-annotation loss (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  const pA = [
    [0.7, 0.2, 0.1],
    [0.2, 0.4, 0.4],
    [0.1, 0.1, 0.8],
    [0.3, 0.3, 0.4],
    [0.5, 0.25, 0.25],
    [0.6, 0.3, 0.1],
    [0.2, 0.7, 0.1],
  ];
  const pB = pA.map((_, i) => [0.1, 0.9, 0.3, 0.6, 0.5].map((v, j) => (v + 0.07 * i * (j + 1)) % 1));

  it("weighted soft cross-entropy (toA) and weighted BCE (toB), per targeted entry", () => {
    const t = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R, { variant: "hard" });
    const loss = coAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pB), t);
    // toA: only s1, target surprise: -ln pA[1][1] = -ln 0.4.
    close(scalar(loss.toA), -Math.log(0.4));
    // toB: s0 with targets [0,0,1,1,1] and weights [1,1,0.5,1,1], divided by 5 targeted entries.
    const targets = [0, 0, 1, 1, 1];
    const weights = [1, 1, 0.5, 1, 1];
    const expected = targets.reduce((s, y, j) => s + weights[j] * bce(y, pB[0][j]), 0) / 5;
    close(scalar(loss.toB), expected);
  });

  it("soft variant against the plain-JS targets", () => {
    const t = coAnnotationTargets(classTargets(A_LABELS, 3), labelTargets(B_VALUES), R);
    const loss = coAnnotationLoss(tf.tensor2d(pA), tf.tensor2d(pB), t);
    const targeted = [1, 2, 3, 6];
    const toA =
      targeted.reduce((s, i) => {
        const mask = B_VALUES[i].map((v) => (v === null ? 0 : 1));
        const values = B_VALUES[i].map((v) => v ?? 0);
        return s + crossEntropy(refSoftClassTarget(values, mask, R), pA[i]);
      }, 0) / targeted.length;
    close(scalar(loss.toA), toA, 1e-5);
    close(scalar(loss.toB), R[HAPPY].reduce((s, r, j) => s + bce(r, pB[0][j]), 0) / 5);
  });

  it("is exactly 0 with zero gradients when no sample is targeted", () => {
    const a = classTargets([-1, -1], 3);
    const b = labelTargets([[null, null, null, null, null], [null, null, null, null, null]]);
    const t = coAnnotationTargets(a, b, R);
    const total = (x: tf.Tensor, y: tf.Tensor): tf.Scalar => {
      const l = coAnnotationLoss(tf.softmax(x) as tf.Tensor2D, tf.sigmoid(y) as tf.Tensor2D, t);
      return tf.add(l.toA, l.toB);
    };
    const x = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
    const y = tf.tensor2d([[1, -1, 0, 2, 3], [0, 0, 0, 0, 0]]);
    assert.equal(scalar(total(x, y)), 0);
    for (const g of tf.grads(total)([x, y])) assert.ok(Array.from(g.dataSync()).every((v) => v === 0));
  });
});

describe("co-annotation, multi-class B (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("A -> B target is R's row, B -> A target is the Bayes posterior", () => {
    const Rc = [[0.9, 0.1], [0.2, 0.8]];
    const t = categoricalCoAnnotationTargets(classTargets([0, -1, 1, -1], 2), classTargets([-1, 0, 1, -1], 2), Rc);
    closeAll(rows(t.toB.probs).flat(), [0.9, 0.1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(t.toB.weights.dataSync()), [1, 0, 0, 0]);
    // P(a | b = 0) = [0.9, 0.2] / 1.1 with the uniform prior.
    closeAll(rows(t.toA.probs)[1], [0.9 / 1.1, 0.2 / 1.1]);
    assert.deepEqual(Array.from(t.toA.weights.dataSync()), [0, 1, 0, 0]);
    const loss = categoricalCoAnnotationLoss(tf.tensor2d([[0.6, 0.4], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), tf.tensor2d([[0.3, 0.7], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), t);
    close(scalar(loss.toA), Math.log(2));
    close(scalar(loss.toB), -(0.9 * Math.log(0.3) + 0.1 * Math.log(0.7)));
  });
});
