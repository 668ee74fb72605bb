import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import {
  builtinPriors,
  du2014,
  du2014Tasks,
  formatRelatedness,
  relatednessToTensor,
  reverseRelatedness,
  validateRelatedness,
  type Relatedness,
} from "../../src/relatedness/index.js";

function cell(R: Relatedness, row: string, column: string): number {
  const k = R.rows.indexOf(row);
  const j = R.columns.indexOf(column);
  assert.ok(k >= 0 && j >= 0, `${row}/${column} not in the matrix`);
  return R.values[k][j];
}

describe("du2014 (METHOD.md table)", () => {
  const R = du2014();

  it("has the documented classes, AUs and tasks", () => {
    assert.deepEqual(R.rows, ["neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger"]);
    assert.deepEqual(R.columns, [1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 15, 17, 20, 23, 24, 25, 26].map((n) => `AU${n}`));
    const { expression, au } = du2014Tasks();
    validateRelatedness(R, expression, au, "du2014");
    assert.equal(R.origin, "prior:du2014");
    assert.equal(builtinPriors.du2014, du2014);
  });

  it("spot values from the table", () => {
    assert.equal(cell(R, "sadness", "AU17"), 0.67);
    assert.equal(cell(R, "sadness", "AU1"), 0.6);
    assert.equal(cell(R, "sadness", "AU11"), 0.26);
    assert.equal(cell(R, "happiness", "AU12"), 1);
    assert.equal(cell(R, "happiness", "AU25"), 1);
    assert.equal(cell(R, "happiness", "AU6"), 0.51);
    assert.equal(cell(R, "fear", "AU26"), 0.33);
    assert.equal(cell(R, "fear", "AU20"), 1);
    assert.equal(cell(R, "anger", "AU23"), 0.29);
    assert.equal(cell(R, "surprise", "AU5"), 0.66);
    assert.equal(cell(R, "disgust", "AU24"), 0.26);
    assert.equal(cell(R, "disgust", "AU9"), 1);
    assert.equal(cell(R, "happiness", "AU4"), 0);
    assert.deepEqual(R.values[0], new Array(17).fill(0));
  });

  it("each expression has exactly the table's AU set", () => {
    const related = (row: string): number[] =>
      R.columns.filter((_, j) => R.values[R.rows.indexOf(row)][j] > 0).map((c) => Number(c.slice(2)));
    assert.deepEqual(related("happiness"), [6, 12, 25]);
    assert.deepEqual(related("sadness"), [1, 4, 6, 11, 15, 17]);
    assert.deepEqual(related("fear"), [1, 2, 4, 5, 20, 25, 26]);
    assert.deepEqual(related("anger"), [4, 7, 10, 17, 23, 24]);
    assert.deepEqual(related("surprise"), [1, 2, 5, 25, 26]);
    assert.deepEqual(related("disgust"), [4, 9, 10, 17, 24]);
    assert.deepEqual(related("neutral"), []);
  });

  it("returns a fresh copy each call", () => {
    const first = du2014();
    (first.values[0] as number[])[0] = 0.9;
    assert.equal(du2014().values[0][0], 0);
  });
});

/*
 * R = [[0.5, 1, 0], [0.25, 0, 0]] (rows x, y; columns u, v, w), prior pi = [0.2, 0.8].
 * u: weighted [0.1, 0.2], evidence 0.3 -> [1/3, 2/3]
 * v: weighted [0.2, 0],   evidence 0.2 -> [1, 0]
 * w: evidence 0 -> the prior [0.2, 0.8]
 */
describe("reverseRelatedness", () => {
  const R: Relatedness = {
    from: "A",
    to: "B",
    toKind: "multilabel",
    rows: ["x", "y"],
    columns: ["u", "v", "w"],
    values: [
      [0.5, 1, 0],
      [0.25, 0, 0],
    ],
  };

  it("gives P(a = k | b_j = 1) as an M x K matrix", () => {
    for (const prior of [
      [0.2, 0.8],
      [1, 4], // counts work too: the prior is normalised
    ]) {
      const back = reverseRelatedness(R, prior);
      assert.deepEqual(back.rows, ["u", "v", "w"]);
      assert.deepEqual(back.columns, ["x", "y"]);
      assert.equal(back.from, "B");
      assert.equal(back.to, "A");
      assert.equal(back.toKind, "multiclass");
      const expected = [
        [1 / 3, 2 / 3],
        [1, 0],
        [0.2, 0.8],
      ];
      back.values.forEach((row, j) => row.forEach((v, k) => assert.ok(Math.abs(v - expected[j][k]) < 1e-12)));
    }
  });

  it("on du2014 with a uniform prior: AU12 -> happiness; AU17 split by weight", () => {
    const back = reverseRelatedness(du2014(), new Array(7).fill(1));
    assert.equal(cell(back, "AU12", "happiness"), 1);
    // AU17: sadness 0.67, disgust 1, anger 0.52 -> 0.67 / 2.19
    assert.ok(Math.abs(cell(back, "AU17", "sadness") - 0.67 / 2.19) < 1e-12);
  });

  it("rejects a bad prior", () => {
    assert.throws(() => reverseRelatedness(R, [1]), /expected a prior of 2 values/);
    assert.throws(() => reverseRelatedness(R, [0, 0]), /all zero/);
    assert.throws(() => reverseRelatedness(R, [-1, 2]), /prior\[0\]/);
  });
});

describe("relatednessToTensor", () => {
  it("is a [K, M] float32 tensor of the values", () => {
    const R = du2014();
    const t = relatednessToTensor(R);
    try {
      assert.deepEqual(t.shape, [7, 17]);
      assert.equal(t.dtype, "float32");
      const data = t.arraySync();
      assert.ok(Math.abs(data[2][R.columns.indexOf("AU17")] - 0.67) < 1e-6);
    } finally {
      t.dispose();
    }
    assert.equal(tf.memory().numTensors, 0);
  });
});

describe("formatRelatedness", () => {
  it("prints an aligned table with the title and chosen digits", () => {
    const text = formatRelatedness(du2014(), { digits: 3 });
    const lines = text.trimEnd().split("\n");
    assert.equal(lines[0], "expression -> au (multilabel), 7 x 17, origin: prior:du2014");
    assert.equal(lines.length, 9);
    assert.match(lines[1], /^expression +AU1 +AU2 /);
    assert.match(lines[4], /^sadness +0\.600 /);
    // Aligned: every table line has the same length, and the AU17 column lines up.
    assert.equal(new Set(lines.slice(1).map((l) => l.length)).size, 1);
    const column = lines[1].indexOf("AU17") + "AU17".length;
    assert.equal(lines[4].slice(column - 5, column), "0.670");
  });

  it("shows support counts when present", () => {
    const R: Relatedness = {
      from: "emotion",
      to: "aus",
      toKind: "multilabel",
      rows: ["calm", "joy"],
      columns: ["AU6", "AU12"],
      values: [
        [0.5, 1 / 3],
        [0.75, 0.8],
      ],
      support: [
        [2, 1],
        [2, 1.25],
      ],
    };
    const lines = formatRelatedness(R).trimEnd().split("\n");
    assert.match(lines[0], /value \(support\)/);
    assert.equal(lines[2], "calm     0.50 (2)    0.33 (1)");
    assert.equal(lines[3], "joy      0.75 (2)  0.80 (1.3)");
  });
});
