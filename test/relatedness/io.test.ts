import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  du2014,
  du2014Tasks,
  loadRelatedness,
  saveRelatedness,
  type Relatedness,
  type RelatednessExpectation,
} from "../../src/relatedness/index.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "distmatch-relatedness-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Synthetic tasks for the file-format tests.
const emotion = multiClassTask("emotion", ["calm", "joy"]);
const aus = multiLabelTask("aus", ["a", "b", "c"]);
const valence = multiClassTask("valence", ["neg", "pos"]);

const withSupport: Relatedness = {
  from: "emotion",
  to: "aus",
  toKind: "multilabel",
  rows: ["calm", "joy"],
  columns: ["a", "b", "c"],
  values: [
    [0.1, 1 / 3, 0],
    [1, 0.123456789012, 0.5],
  ],
  support: [
    [4, 3, 0],
    [10, 2, 7],
  ],
  origin: "overlap",
};

const toValence: Relatedness = {
  from: "emotion",
  to: "valence",
  toKind: "multiclass",
  rows: ["calm", "joy"],
  columns: ["neg", "pos"],
  values: [
    [0.7, 0.3],
    [0.1, 0.9],
  ],
};

function withoutOrigin(R: Relatedness): Omit<Relatedness, "origin"> {
  const { origin: _origin, ...rest } = R;
  return rest;
}

/** Writes `text` to a fresh file and expects loading it to fail with every fragment in the message. */
async function expectLoadError(
  name: string,
  text: string,
  fragments: readonly string[],
  expect: RelatednessExpectation = {},
): Promise<void> {
  const path = join(dir, name);
  await writeFile(path, text);
  await assert.rejects(loadRelatedness(path, expect), (e: Error) => {
    for (const f of [path, ...fragments]) {
      assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} should include ${JSON.stringify(f)}`);
    }
    return true;
  });
}

describe("save and load round trip", () => {
  it("JSON keeps names, values (full precision) and support", async () => {
    const path = join(dir, "rt.json");
    await saveRelatedness(path, withSupport);
    const back = await loadRelatedness(path);
    assert.deepEqual(withoutOrigin(back), withoutOrigin(withSupport));
    assert.equal(back.origin, `file:${path} (overlap)`);
  });

  it("CSV keeps names and values (full precision), drops support", async () => {
    const path = join(dir, "rt.csv");
    await saveRelatedness(path, withSupport);
    const back = await loadRelatedness(path);
    const { support: _support, ...expected } = withoutOrigin(withSupport);
    assert.deepEqual(withoutOrigin(back), expected);
    assert.equal(back.origin, `file:${path}`);
  });

  it("CSV round trip of a multi-class target keeps toKind via the header", async () => {
    const path = join(dir, "valence.csv");
    await saveRelatedness(path, toValence);
    const back = await loadRelatedness(path, { from: emotion, to: valence });
    assert.equal(back.toKind, "multiclass");
    assert.deepEqual(back.values, toValence.values);
  });

  it("du2014 round-trips through both formats", async () => {
    for (const ext of ["json", "csv"]) {
      const path = join(dir, `du.${ext}`);
      await saveRelatedness(path, du2014());
      const { expression, au } = du2014Tasks();
      assert.deepEqual(withoutOrigin(await loadRelatedness(path, { from: expression, to: au })), withoutOrigin(du2014()));
    }
  });

  it("the shipped data/relatedness/du2014.csv equals du2014()", async () => {
    const { expression, au } = du2014Tasks();
    const path = new URL("../../data/relatedness/du2014.csv", import.meta.url).pathname;
    assert.deepEqual(withoutOrigin(await loadRelatedness(path, { from: expression, to: au })), withoutOrigin(du2014()));
  });

  it("writes atomically: no temporary file is left behind, and a bad matrix is not written", async () => {
    const sub = join(dir, "atomic", "nested");
    await saveRelatedness(join(sub, "r.json"), withSupport);
    const bad = { ...toValence, values: [[1.3, 0], [0.1, 0.9]] };
    await assert.rejects(saveRelatedness(join(sub, "bad.csv"), bad), /bad\.csv: row "calm", column "neg": expected a number in \[0, 1\], got 1\.3/);
    assert.deepEqual(await readdir(sub), ["r.json"]);
  });

  it("rejects unknown extensions", async () => {
    await assert.rejects(saveRelatedness(join(dir, "r.txt"), withSupport), /r\.txt: expected a \.json or \.csv file/);
  });
});

describe("CSV: metadata and order", () => {
  it("takes task names from a plain header with `expect`, and reorders to the tasks' order", async () => {
    const path = join(dir, "plain.csv");
    await writeFile(path, "# a comment\nclass,c,a,b\njoy,0.3,0.1,0.2\ncalm,0.6,0.4,0.5\n");
    const R = await loadRelatedness(path, { from: emotion, to: aus });
    assert.equal(R.from, "emotion");
    assert.equal(R.to, "aus");
    assert.deepEqual(R.rows, ["calm", "joy"]);
    assert.deepEqual(R.columns, ["a", "b", "c"]);
    assert.deepEqual(R.values, [
      [0.4, 0.5, 0.6],
      [0.1, 0.2, 0.3],
    ]);
  });

  it("handles quoted names with commas", async () => {
    const R: Relatedness = { ...withSupport, columns: ["a,1", 'b "2"', "#c"], support: undefined };
    const path = join(dir, "quoted.csv");
    await saveRelatedness(path, R);
    assert.deepEqual((await loadRelatedness(path)).columns, R.columns);
  });
});

describe("JSON: bad input names the file and the field", () => {
  const good = {
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
  const json = (patch: Record<string, unknown>): string => JSON.stringify({ ...good, ...patch }, null, 2);

  it("wrong shape", () =>
    expectLoadError("shape.json", json({ values: [[0.1, 0.2, 0.3], [0.4, 0.5]] }), [
      'field values[1] (row "joy")',
      "expected 3 values",
    ]));
  it("too few rows", () =>
    expectLoadError("rows.json", json({ values: [[0.1, 0.2, 0.3]] }), ["field values", "expected 2 rows"]));
  it("value 1.3", () =>
    expectLoadError("big.json", json({ values: [[0.1, 1.3, 0.3], [0.4, 0.5, 0.6]] }), [
      'field values[0][1] (row "calm", column "b")',
      "expected a number in [0, 1], got 1.3",
    ]));
  it('value "abc"', () =>
    expectLoadError("abc.json", json({ values: [[0.1, "abc", 0.3], [0.4, 0.5, 0.6]] }), [
      "field values[0][1]",
      "expected number",
    ]));
  it("NaN (as Python writes it)", () =>
    expectLoadError(
      "nan.json",
      '{"from": "emotion", "to": "aus", "toKind": "multilabel", "rows": ["calm", "joy"],\n' +
        '"columns": ["a", "b", "c"],\n"values": [[0.1, 0.2, 0.3],\n  [0.4, NaN, 0.6]]}',
      ["line 4, column 9", "NaN is not valid JSON"],
    ));
  it("a missing field", () => {
    const { toKind: _toKind, ...rest } = good;
    return expectLoadError("nokind.json", JSON.stringify(rest), ["field toKind"]);
  });
  it("an unknown field", () => expectLoadError("typo.json", json({ colums: [] }), ["colums"]));
  it("name mismatch against the tasks", () =>
    expectLoadError("names.json", json({ rows: ["calm", "happy"] }), [
      "field rows",
      'missing ["joy"]',
      'extra ["happy"]',
    ], { from: emotion, to: aus }));
  it("missing column against the tasks", () =>
    expectLoadError("cols.json", json({ columns: ["a", "b"], values: [[0.1, 0.2], [0.4, 0.5]] }), [
      "field columns",
      'missing ["c"]',
    ], { from: emotion, to: aus }));
  it("multi-class rows not summing to 1", () =>
    expectLoadError(
      "sum.json",
      json({ to: "valence", toKind: "multiclass", columns: ["neg", "pos"], values: [[0.5, 0.5], [0.5, 0.4]] }),
      ['field values[1] (row "joy")', "must sum to 1", "0.9"],
    ));
  it("A not multi-class", () =>
    expectLoadError("notmc.json", json({}), ["field from", 'task A "aus" must be multi-class'], { from: aus }));
  it("toKind disagreeing with task B", () =>
    expectLoadError("kind.json", json({ to: "valence", columns: ["neg", "pos"], values: [[0.5, 0.5], [0.5, 0.5]] }), [
      "field toKind",
      "is multiclass",
    ], { to: valence }));
  it("invalid JSON", () => expectLoadError("broken.json", '{"from": ', ["invalid JSON"]));
});

describe("CSV: bad input names the file, line and column", () => {
  it("wrong shape: a row with an extra cell", () =>
    expectLoadError("shape.csv", "emotion\\aus,a,b,c\ncalm,0.1,0.2,0.3\njoy,0.4,0.5,0.6,0.7\n", [
      "line 3",
      "expected 3 values after the row name, got 4",
    ]));
  it("missing column: a row without its last value", () =>
    expectLoadError("short.csv", "emotion\\aus,a,b,c\ncalm,0.1,0.2,0.3\njoy,0.4,0.5\n", [
      "line 3",
      'no value for column "c"',
    ]));
  it("missing column against the tasks", () =>
    expectLoadError("cols.csv", "emotion\\aus,a,b\ncalm,0.1,0.2\njoy,0.4,0.5\n", ["line 1 (header)", 'missing ["c"]'], {
      from: emotion,
      to: aus,
    }));
  it("value 1.3 (line numbers count comment lines)", () =>
    expectLoadError("big.csv", "# note\nemotion\\aus,a,b,c\ncalm,0.1,0.2,0.3\njoy,0.4,0.5,1.3\n", [
      'line 4, column 4 ("c")',
      "expected a number in [0, 1], got 1.3",
    ]));
  it('value "abc"', () =>
    expectLoadError("abc.csv", "emotion\\aus,a,b,c\ncalm,0.1,abc,0.3\njoy,0.4,0.5,0.6\n", [
      'line 2, column 3 ("b")',
      'got "abc"',
    ]));
  it("NaN", () =>
    expectLoadError("nan.csv", "emotion\\aus,a,b,c\ncalm,NaN,0.2,0.3\njoy,0.4,0.5,0.6\n", [
      'line 2, column 2 ("a")',
      'got "NaN"',
    ]));
  it("an empty cell", () =>
    expectLoadError("empty.csv", "emotion\\aus,a,b,c\ncalm,0.1,,0.3\njoy,0.4,0.5,0.6\n", ['line 2, column 3 ("b")']));
  it("name mismatch against the tasks", () =>
    expectLoadError("names.csv", "emotion\\aus,a,b,c\ncalm,0.1,0.2,0.3\nhappy,0.4,0.5,0.6\n", [
      "column 1 (row names)",
      'missing ["joy"]',
      'extra ["happy"]',
    ], { from: emotion, to: aus }));
  it("multi-class rows not summing to 1", () =>
    expectLoadError("sum.csv", "emotion\\valence (multiclass),neg,pos\ncalm,0.5,0.5\njoy,0.5,0.4\n", [
      'line 3 (row "joy")',
      "must sum to 1",
    ]));
  it("A not multi-class", () =>
    expectLoadError("notmc.csv", "aus\\emotion,calm,joy\na,0.1,0.2\n", ["line 1, column 1", 'task A "aus" must be multi-class'], {
      from: aus,
    }));
  it("header naming other tasks than expected", () =>
    expectLoadError("other.csv", "feeling\\aus,a,b,c\ncalm,0.1,0.2,0.3\njoy,0.4,0.5,0.6\n", [
      "line 1, column 1",
      'expected task A "emotion", got "feeling"',
    ], { from: emotion, to: aus }));
  it("a plain header without tasks to name them", () =>
    expectLoadError("plain.csv", "class,a,b,c\ncalm,0.1,0.2,0.3\n", ["line 1, column 1", "A\\B"]));
  it("a duplicate column name", () =>
    expectLoadError("dup.csv", "emotion\\aus,a,a,c\ncalm,0.1,0.2,0.3\n", ["line 1 (header)", 'duplicate column name "a"']));
  it("a header only", () => expectLoadError("header.csv", "emotion\\aus,a,b,c\n", ["at least one line per class"]));
  it("a missing file", async () => {
    const path = join(dir, "absent.csv");
    await assert.rejects(loadRelatedness(path), (e: Error) => e.message.startsWith(`${path}: cannot read the file`));
  });
});
