import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  alignRelatedness,
  RelatednessError,
  ROW_SUM_TOLERANCE,
  validateRelatedness,
  type Relatedness,
} from "../../src/relatedness/index.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";

// Synthetic tasks and matrices.
const emotion = multiClassTask("emotion", ["calm", "joy"]);
const aus = multiLabelTask("aus", ["a", "b", "c"]);
const valence = multiClassTask("valence", ["neg", "pos"]);

const R: Relatedness = {
  from: "emotion",
  to: "aus",
  toKind: "multilabel",
  rows: ["calm", "joy"],
  columns: ["a", "b", "c"],
  values: [
    [0.1, 0.2, 0.3],
    [0.4, 0.5, 0.6],
  ],
};

const V: Relatedness = {
  from: "emotion",
  to: "valence",
  toKind: "multiclass",
  rows: ["calm", "joy"],
  columns: ["neg", "pos"],
  values: [
    [0.25, 0.75],
    [1, 0],
  ],
};

function throwsWith(fn: () => unknown, fragments: readonly string[]): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof RelatednessError, `expected a RelatednessError, got ${e.name}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `${JSON.stringify(e.message)} should include ${JSON.stringify(f)}`);
    return true;
  });
}

describe("validateRelatedness", () => {
  it("accepts valid matrices, also with rows and columns in another order", () => {
    validateRelatedness(R, emotion, aus, "r.json");
    validateRelatedness(V, emotion, valence, "v.json");
    validateRelatedness({ ...R, rows: ["joy", "calm"], columns: ["c", "a", "b"] }, emotion, aus);
  });

  it("names `where` and the cell for out-of-range and non-finite values", () => {
    throwsWith(() => validateRelatedness({ ...R, values: [[0.1, 1.3, 0.3], [0.4, 0.5, 0.6]] }, emotion, aus, "r.json"), [
      'r.json: row "calm", column "b": expected a number in [0, 1], got 1.3',
    ]);
    throwsWith(() => validateRelatedness({ ...R, values: [[0.1, 0.2, 0.3], [0.4, NaN, 0.6]] }, emotion, aus, "r.json"), [
      'row "joy", column "b"',
      "got NaN",
    ]);
    throwsWith(() => validateRelatedness({ ...R, values: [[0.1, 0.2, -0.1], [0.4, 0.5, 0.6]] }, emotion, aus), [
      'relatedness: row "calm", column "c"',
    ]);
  });

  it("wrong shape", () => {
    throwsWith(() => validateRelatedness({ ...R, values: [[0.1, 0.2], [0.4, 0.5, 0.6]] }, emotion, aus, "x"), [
      'x: row "calm": expected 3 values',
    ]);
    throwsWith(() => validateRelatedness({ ...R, values: [[0.1, 0.2, 0.3]] }, emotion, aus, "x"), ["expected 2 rows"]);
  });

  it("lists missing and extra names", () => {
    throwsWith(() => validateRelatedness({ ...R, columns: ["a", "b", "d"] }, emotion, aus, "x"), [
      "x: columns:",
      'labels of task "aus"',
      'missing ["c"]',
      'extra ["d"]',
    ]);
    throwsWith(() => validateRelatedness({ ...R, rows: ["calm", "happy"] }, emotion, aus, "x"), [
      "x: rows:",
      'missing ["joy"]',
      'extra ["happy"]',
    ]);
    throwsWith(() => validateRelatedness({ ...R, rows: ["calm", "calm"] }, emotion, aus, "x"), ["duplicate [\"calm\"]"]);
  });

  it("multi-class rows must sum to 1 within the documented tolerance", () => {
    assert.equal(ROW_SUM_TOLERANCE, 1e-6);
    validateRelatedness({ ...V, values: [[0.25, 0.75 + 5e-7], [1, 0]] }, emotion, valence);
    throwsWith(() => validateRelatedness({ ...V, values: [[0.25, 0.75 + 5e-6], [1, 0]] }, emotion, valence, "v"), [
      'v: row "calm"',
      "must sum to 1",
    ]);
    // A multi-label target has no such rule.
    validateRelatedness(R, emotion, aus);
  });

  it("A must be multi-class; names and kinds must match the tasks", () => {
    throwsWith(() => validateRelatedness(R, aus, aus, "x"), ['x: field from: task A "aus" must be multi-class']);
    throwsWith(() => validateRelatedness(R, { ...emotion, name: "mood" }, aus, "x"), ['expected task A "mood"']);
    throwsWith(() => validateRelatedness({ ...V, to: "aus" }, emotion, aus, "x"), ["field toKind"]);
  });
});

describe("alignRelatedness", () => {
  it("reorders rows, columns, values and support to the tasks' order", () => {
    const shuffled: Relatedness = {
      ...R,
      rows: ["joy", "calm"],
      columns: ["c", "a", "b"],
      values: [
        [0.6, 0.4, 0.5],
        [0.3, 0.1, 0.2],
      ],
      support: [
        [6, 4, 5],
        [3, 1, 2],
      ],
    };
    const aligned = alignRelatedness(shuffled, emotion, aus);
    assert.deepEqual(aligned.rows, ["calm", "joy"]);
    assert.deepEqual(aligned.columns, ["a", "b", "c"]);
    assert.deepEqual(aligned.values, R.values);
    assert.deepEqual(aligned.support, [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("validates before reordering", () => {
    throwsWith(() => alignRelatedness({ ...R, columns: ["a", "b", "x"] }, emotion, aus, "f.csv"), ["f.csv", 'missing ["c"]']);
  });
});
