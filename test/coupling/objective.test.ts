import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  buildObjective,
  categoricalDistributionMatchingLoss,
  categoricalSoftCoAnnotationLoss,
  coAnnotationLoss,
  coAnnotationTargets,
  distributionMatchingLoss,
  softCoAnnotationLoss,
  type CouplingSpec,
} from "../../src/coupling/index.js";
import type { Relatedness } from "../../src/relatedness/types.js";
import { maskedSigmoidCrossEntropy, maskedSoftmaxCrossEntropy } from "../../src/tasks/losses.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";
import { classTargets, close, labelTargets, scalar } from "./helpers.js";

const expr = multiClassTask("expr", ["happy", "surprise", "neutral"]);
const au = multiLabelTask("au", ["AU1", "AU2", "AU6", "AU12", "AU25"]);
const R = [
  [0, 0, 0.5, 1, 1],
  [1, 1, 0, 0, 1],
  [0, 0, 0, 0, 0],
];
const relatedness: Relatedness = {
  from: "expr",
  to: "au",
  toKind: "multilabel",
  rows: expr.classes,
  columns: au.labels,
  values: R,
};

const logitsExpr = [[0.5, -0.2, 0.1], [2, 0, -1], [-0.5, 0.4, 0.3], [0, 0, 1]];
const logitsAu = [[0.3, -1, 0.8, 1.2, -0.1], [0, 0.5, -0.5, 1, 2], [-1, -1, 0.2, 0.4, 0.9], [1.5, 0.2, 0, -0.3, 0.1]];
const targets = () => ({
  expr: classTargets([0, -1, 1, -1], 3),
  au: labelTargets([
    [null, null, null, null, null],
    [1, 1, 0, 0, 1],
    [1, null, null, null, 0],
    [null, 0, null, null, null],
  ]),
});
const logits = () => ({ expr: tf.tensor2d(logitsExpr), au: tf.tensor2d(logitsAu) });

describe("buildObjective (wasm)", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("terms equal the separate functions; total = supervised + lambda-weighted couplings", () => {
    const spec: CouplingSpec = { relatedness, lambdas: { dm: 0.5, sca: 2, co: 1 } };
    const objective = buildObjective([expr, au], [spec]);
    assert.deepEqual(objective.termNames, ["sup:expr", "sup:au", "dm:expr->au", "sca:expr<-au", "co:expr->au", "co:expr<-au"]);
    const l = logits();
    const t = targets();
    const { terms, total } = objective(l, t);
    assert.deepEqual(Object.keys(terms).sort(), [...objective.termNames].sort());
    const pA = tf.softmax(l.expr) as tf.Tensor2D;
    const pB = tf.sigmoid(l.au) as tf.Tensor2D;
    const sup = scalar(maskedSoftmaxCrossEntropy(l.expr, t.expr.oneHot, t.expr.mask)) +
      scalar(maskedSigmoidCrossEntropy(l.au, t.au.values, t.au.mask));
    const dm = scalar(distributionMatchingLoss(pA, pB, R));
    const sca = scalar(softCoAnnotationLoss(pA, pB, R));
    const co = coAnnotationLoss(pA, pB, coAnnotationTargets(t.expr, t.au, R));
    const coB = scalar(co.toB);
    const coA = scalar(co.toA);
    close(scalar(terms["dm:expr->au"]), dm);
    close(scalar(terms["sca:expr<-au"]), sca);
    close(scalar(terms["co:expr->au"]), coB);
    close(scalar(terms["co:expr<-au"]), coA);
    close(scalar(total), sup + 0.5 * dm + 2 * sca + coB + coA);
    objective.dispose();
  });

  it("a term whose lambda is 0 is not computed; options reach the terms", () => {
    const objective = buildObjective(
      [expr, au],
      [{ relatedness, lambdas: { dm: 0, sca: 1, co: 0 }, scaMode: "bernoulli" }],
    );
    const l = logits();
    const { terms } = objective(l, targets());
    assert.deepEqual(Object.keys(terms).sort(), ["sca:expr<-au", "sup:au", "sup:expr"]);
    const expected = softCoAnnotationLoss(tf.softmax(l.expr) as tf.Tensor2D, tf.sigmoid(l.au) as tf.Tensor2D, R, { mode: "bernoulli" });
    close(scalar(terms["sca:expr<-au"]), scalar(expected));
    objective.dispose();
  });

  it('applyTo "missing": DM only on rows without any AU annotation, SCA only on rows without an expression label', () => {
    const objective = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, applyTo: "missing" }]);
    const l = logits();
    const { terms } = objective(l, targets());
    // AU annotations: rows 1, 2, 3 have some -> DM on row 0 only. Expression labels: rows 0, 2 -> SCA on rows 1, 3.
    const rowsOf = (m: number[][], idx: number[]) => tf.tensor2d(idx.map((i) => m[i]));
    const pA = (idx: number[]) => tf.softmax(rowsOf(logitsExpr, idx)) as tf.Tensor2D;
    const pB = (idx: number[]) => tf.sigmoid(rowsOf(logitsAu, idx)) as tf.Tensor2D;
    close(scalar(terms["dm:expr->au"]), scalar(distributionMatchingLoss(pA([0]), pB([0]), R)));
    close(scalar(terms["sca:expr<-au"]), scalar(softCoAnnotationLoss(pA([1, 3]), pB([1, 3]), R)));
    objective.dispose();
  });

  it("minConfidence gates DM on head A's confidence and SCA on head B's; gated-out rows add 0 to the mean", () => {
    const softmaxMax = (row: number[]) => Math.max(...row.map((v) => Math.exp(v))) / row.reduce((s, v) => s + Math.exp(v), 0);
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const labelConfidence = (row: number[]) => row.reduce((s, v) => s + Math.max(sigmoid(v), 1 - sigmoid(v)), 0) / row.length;
    const tau = 0.6;
    const confidentA = logitsExpr.map((r, i) => (softmaxMax(r) >= tau ? i : -1)).filter((i) => i >= 0);
    const confidentB = logitsAu.map((r, i) => (labelConfidence(r) >= tau ? i : -1)).filter((i) => i >= 0);
    // The fixture must gate some rows in and some out, or the test proves nothing.
    assert.deepEqual(confidentA, [1]);
    assert.deepEqual(confidentB, [0, 1, 2]);
    const rowsOf = (m: number[][], idx: number[]) => tf.tensor2d(idx.map((i) => m[i]));
    const pA = (idx: number[]) => tf.softmax(rowsOf(logitsExpr, idx)) as tf.Tensor2D;
    const pB = (idx: number[]) => tf.sigmoid(rowsOf(logitsAu, idx)) as tf.Tensor2D;

    const all = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, minConfidence: tau }]);
    const { terms } = all(logits(), targets());
    close(scalar(terms["dm:expr->au"]), (scalar(distributionMatchingLoss(pA(confidentA), pB(confidentA), R)) * confidentA.length) / 4);
    close(scalar(terms["sca:expr<-au"]), (scalar(softCoAnnotationLoss(pA(confidentB), pB(confidentB), R)) * confidentB.length) / 4);
    all.dispose();

    // With applyTo "missing" the mean runs over the term's scope: DM over row 0 (gated out), SCA over rows 1 and 3.
    const missing = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, applyTo: "missing", minConfidence: tau }]);
    const scoped = missing(logits(), targets()).terms;
    close(scalar(scoped["dm:expr->au"]), 0);
    const scaRows = [1, 3].filter((i) => confidentB.includes(i));
    const expectedSca = scaRows.length === 0 ? 0 : (scalar(softCoAnnotationLoss(pA(scaRows), pB(scaRows), R)) * scaRows.length) / 2;
    close(scalar(scoped["sca:expr<-au"]), expectedSca);
    missing.dispose();
  });

  it("minConfidence 0 is the ungated objective; a value outside [0, 1) is rejected, naming the field", () => {
    const plain = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 } }]);
    const zero = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, minConfidence: 0 }]);
    close(scalar(zero(logits(), targets()).total), scalar(plain(logits(), targets()).total));
    plain.dispose();
    zero.dispose();
    for (const bad of [1, -0.1, Number.NaN]) {
      assert.throws(() => buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, minConfidence: bad }]), /couplings\[0\]\.minConfidence/);
    }
  });

  it('rejects an unknown applyTo, naming the field', () => {
    assert.throws(
      () => buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 0 }, applyTo: "some" as "all" }]),
      /couplings\[0\]\.applyTo/,
    );
  });

  it("aligns a relatedness given in another row/column order", () => {
    const permuted: Relatedness = {
      ...relatedness,
      rows: ["neutral", "happy", "surprise"],
      columns: ["AU25", "AU1", "AU2", "AU6", "AU12"],
      values: [
        [0, 0, 0, 0, 0],
        [1, 0, 0, 0.5, 1],
        [1, 1, 1, 0, 0],
      ],
    };
    const a = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 1 } }]);
    const b = buildObjective([expr, au], [{ relatedness: permuted, lambdas: { dm: 1, sca: 1, co: 1 } }]);
    close(scalar(b(logits(), targets()).total), scalar(a(logits(), targets()).total));
    a.dispose();
    b.dispose();
  });

  it("rejects relatedness that does not match the tasks, naming the field", () => {
    const lambdas = { dm: 1, sca: 1, co: 1 };
    assert.throws(
      () => buildObjective([expr, au], [{ relatedness: { ...relatedness, columns: ["AU1", "AU2", "AU6", "AU12", "AU26"] }, lambdas }]),
      /couplings\[0\]\.relatedness/,
    );
    assert.throws(
      () => buildObjective([expr, au], [{ relatedness: { ...relatedness, to: "aus" }, lambdas }]),
      /couplings\[0\]\.relatedness\.to is "aus", expected one of the tasks: expr, au/,
    );
    assert.throws(
      () => buildObjective([expr, au], [{ relatedness, lambdas: { dm: -1, sca: 1, co: 1 } }]),
      /couplings\[0\]\.lambdas\.dm is -1, expected a finite number >= 0/,
    );
    const objective = buildObjective([expr, au], []);
    assert.throws(() => objective({ expr: tf.tensor2d(logitsExpr) }, targets()), /no logits for task "au"/);
  });

  it("multi-class B pairs use the categorical losses", () => {
    const pose = multiClassTask("pose", ["left", "right"]);
    const Rc = [[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]];
    const rel: Relatedness = { from: "expr", to: "pose", toKind: "multiclass", rows: expr.classes, columns: pose.classes, values: Rc };
    const objective = buildObjective([expr, pose], [{ relatedness: rel, lambdas: { dm: 1, sca: 1, co: 1 } }], {
      priors: { expr: [0.5, 0.3, 0.2] },
    });
    const l = { expr: tf.tensor2d(logitsExpr), pose: tf.tensor2d([[0, 1], [1, 0], [0.5, 0.5], [2, -2]]) };
    const t = { expr: classTargets([0, -1, 1, -1], 3), pose: classTargets([-1, 1, 0, -1], 2) };
    const { terms } = objective(l, t);
    const pA = tf.softmax(l.expr) as tf.Tensor2D;
    const pB = tf.softmax(l.pose) as tf.Tensor2D;
    close(scalar(terms["dm:expr->pose"]), scalar(categoricalDistributionMatchingLoss(pA, pB, Rc)));
    close(scalar(terms["sca:expr<-pose"]), scalar(categoricalSoftCoAnnotationLoss(pA, pB, Rc, { prior: [0.5, 0.3, 0.2] })));
    // co A -> B: only sample 0 (expr happy, pose missing): -sum_j R[0][j] log pB(0, j).
    const pB0 = pB.arraySync()[0];
    close(scalar(terms["co:expr->pose"]), -(0.9 * Math.log(pB0[0]) + 0.1 * Math.log(pB0[1])));
    assert.throws(
      () => buildObjective([expr, pose], [{ relatedness: rel, lambdas: { dm: 0, sca: 0, co: 1 }, coVariant: "hard" }]),
      /couplings\[0\]\.coVariant: "hard" needs a multi-label task B/,
    );
    objective.dispose();
  });

  it("leaks nothing per step, dispose frees its constants, gradients are finite", () => {
    const before = tf.memory().numTensors;
    const objective = buildObjective([expr, au], [{ relatedness, lambdas: { dm: 1, sca: 1, co: 1 }, coVariant: "hard", stopGradient: true }]);
    const l = logits();
    const t = targets();
    const afterBuild = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {
      const result = objective(l, t);
      tf.dispose(result as unknown as tf.TensorContainer);
    }
    assert.equal(tf.memory().numTensors, afterBuild);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
      const r = objective({ expr: a as tf.Tensor2D, au: b as tf.Tensor2D }, t);
      return r.total;
    })([l.expr, l.au]);
    for (const g of grads) assert.ok(Array.from(g.dataSync()).every(Number.isFinite));
    tf.dispose([...grads, l.expr, l.au, t.expr.oneHot, t.expr.mask, t.au.values, t.au.mask]);
    const held = afterBuild - before - 6; // the 6 logits/targets tensors
    assert.ok(held > 0, "the objective holds its relatedness tensors");
    objective.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
