import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeInformativeness, relatednessInformativeness } from "../../src/relatedness/informativeness.js";
import type { Relatedness } from "../../src/relatedness/types.js";

// Synthetic matrices and labels; the expected counts are worked out by hand in the comments.
const toLabels: Relatedness = { from: "a", to: "b", toKind: "multilabel", rows: ["k0", "k1"], columns: ["j0", "j1"], values: [[0.9, 0.2], [0.1, 0.7]] };
const toClasses: Relatedness = { from: "a", to: "c", toKind: "multiclass", rows: ["k0", "k1"], columns: ["c0", "c1", "c2"], values: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]] };

describe("relatednessInformativeness", () => {
  it("multi-label B: Bayes class from the observed labels, labels from the class, against prior and marginal", () => {
    /*
     * prior [3, 1] -> pi = [0.75, 0.25]; marginal = [0.75*0.9 + 0.25*0.1, 0.75*0.2 + 0.25*0.7] = [0.7, 0.325]
     * sample a  b (mask)   class scores (unnormalised)            class  labels from R[a]  labels from marginal [1, 0]
     *   0    0  [1, 0]    k0 .75*.9*.8=.54   k1 .25*.1*.3=.0075   0 ok   [1, 0] 2 of 2     2 of 2
     *   1    1  [0, 1]    k0 .75*.1*.2=.015  k1 .25*.9*.7=.1575   1 ok   [0, 1] 2 of 2     0 of 2
     *   2    1  [1, -]    k0 .75*.9=.675     k1 .25*.1=.025       0 no   [0]    0 of 1     1 of 1
     *   3   -1  [1, 1]    skipped (no A label)
     *   4    0  [-, -]    skipped (no B label)
     * class: 2 of 3, prior guess k0: 1 of 3; labels: 4 of 5, marginal: 3 of 5
     */
    const s = relatednessInformativeness(
      toLabels,
      [3, 1],
      { kind: "multiclass", labels: Int32Array.from([0, 1, 1, -1, 0]) },
      { kind: "multilabel", values: Float32Array.from([1, 0, 0, 1, 1, 0, 1, 1, 0, 0]), mask: Float32Array.from([1, 1, 1, 1, 1, 0, 1, 1, 0, 0]) },
    );
    assert.deepEqual(s.classFromLabels, { accuracy: 2 / 3, baseline: 1 / 3, n: 3 });
    assert.deepEqual(s.labelsFromClass, { accuracy: 4 / 5, baseline: 3 / 5, n: 5 });
  });

  it("multi-class B: argmax of the Bayes posterior and of R's row, against the prior's and the marginal's argmax", () => {
    /*
     * pi = [0.5, 0.5]; marginal = [0.4, 0.25, 0.35] -> c0
     * (a, b)  class: R[k][b]     row argmax R[a]
     * (0, 0)  .7 vs .1 -> 0 ok   c0 ok
     * (1, 2)  .1 vs .6 -> 1 ok   c2 ok
     * (1, 1)  .2 vs .3 -> 1 ok   c2 no
     * (0, 1)  .2 vs .3 -> 1 no   c0 no
     * class 3 of 4, prior tie -> k0: 2 of 4; labels 2 of 4, marginal c0: 1 of 4
     */
    const s = relatednessInformativeness(toClasses, [1, 1], { kind: "multiclass", labels: Int32Array.from([0, 1, 1, 0, 1]) }, { kind: "multiclass", labels: Int32Array.from([0, 2, 1, 1, -1]) });
    assert.deepEqual(s.classFromLabels, { accuracy: 3 / 4, baseline: 2 / 4, n: 4 });
    assert.deepEqual(s.labelsFromClass, { accuracy: 2 / 4, baseline: 1 / 4, n: 4 });
  });

  it("rejects a prior of the wrong length or with no mass, and targets of the other kind", () => {
    const a = { kind: "multiclass" as const, labels: Int32Array.from([0]) };
    const b = { kind: "multilabel" as const, values: Float32Array.from([1, 0]), mask: Float32Array.from([1, 1]) };
    assert.throws(() => relatednessInformativeness(toLabels, [1], a, b), /prior has 1 entries, R has 2 rows/);
    assert.throws(() => relatednessInformativeness(toLabels, [0, 0], a, b), /positive sum/);
    assert.throws(() => relatednessInformativeness(toClasses, [1, 1], a, b), /targets of "c" are multilabel, R expects multiclass/);
  });

  it("describes both directions with their baselines", () => {
    const text = describeInformativeness("a", "b", { classFromLabels: { accuracy: 0.5, baseline: 0.25, n: 8 }, labelsFromClass: { accuracy: 0.9, baseline: 0.8, n: 16 }, matrices: 3 });
    assert.equal(text, "a from b labels through R: 50.0% right (prior alone 25.0%); b from the a class through R: 90.0% right (marginal alone 80.0%) [validation, mean over 3 matrices, n = 8 and 16]");
  });
});
