import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArff, parseCsv, parseJsonl, readTable } from "../../src/data/readers/index.js";
import { DataError } from "../../src/data/errors.js";

test("csv: header, trimmed string cells, line numbers, quoted fields", () => {
  const table = parseCsv('a,b,c\n1, x ,"p,q"\n\n2,,"multi\nline"\n', "synthetic.csv");
  assert.deepEqual(table.columns, ["a", "b", "c"]);
  assert.equal(table.headerLine, 1);
  assert.deepEqual({ ...table.records[0].values }, { a: "1", b: "x", c: "p,q" });
  assert.equal(table.records[0].line, 2);
  assert.equal(table.records[1].values.b, "");
  assert.equal(table.records[1].line, 5, "a record spanning lines reports the line it ends on");
  assert.equal(table.records[1].file, "synthetic.csv");
});

test("csv: ragged rows and duplicate header names are errors naming file and line", () => {
  assert.throws(() => parseCsv("a,b\n1,2\n1,2,3\n", "ragged.csv"), /^DataError: ragged\.csv:3: malformed CSV/);
  assert.throws(() => parseCsv("a,a\n1,2\n", "dup.csv"), /dup\.csv:1: column "a": duplicate column name/);
});

test("jsonl: union of keys, absent key = null, errors name the line", () => {
  const table = parseJsonl('{"a":1,"b":"x"}\n\n{"a":2,"c":true}\n', "synthetic.jsonl");
  assert.deepEqual(table.columns, ["a", "b", "c"]);
  assert.deepEqual({ ...table.records[1].values }, { a: 2, b: null, c: true });
  assert.equal(table.records[1].line, 3);
  assert.throws(() => parseJsonl('{"a":1}\n{"a":\n', "bad.jsonl"), /bad\.jsonl:2: expected a JSON object, found invalid JSON/);
  assert.throws(() => parseJsonl("[1,2]\n", "arr.jsonl"), /arr\.jsonl:1: expected a JSON object, found an array/);
  assert.throws(() => parseJsonl('{"a":{"b":1}}\n', "nested.jsonl"), /nested\.jsonl:1: column "a": expected a string, number, boolean or null/);
});

const ARFF = `% synthetic ARFF
@relation synthetic
@attribute 'size' numeric
@attribute colour {red, 'dark blue', green}  % trailing comment
@attribute note string
@attribute class {yes,no}

@data
% a comment inside data
1.5, red, 'hello, world', yes
?, 'dark blue', "it's", no
3, ?, plain, ?
`;

test("arff: numeric/nominal/string attributes, quotes, comments, ? = missing", () => {
  const table = parseArff(ARFF, "synthetic.arff");
  assert.deepEqual(table.columns, ["size", "colour", "note", "class"]);
  assert.deepEqual(table.attributes?.[1], { name: "colour", type: "nominal", values: ["red", "dark blue", "green"] });
  assert.equal(table.records.length, 3);
  assert.deepEqual({ ...table.records[0].values }, { size: 1.5, colour: "red", note: "hello, world", class: "yes" });
  assert.equal(table.records[0].line, 10);
  assert.deepEqual({ ...table.records[1].values }, { size: null, colour: "dark blue", note: "it's", class: "no" });
  assert.deepEqual({ ...table.records[2].values }, { size: 3, colour: null, note: "plain", class: null });
});

test("arff: bad values name file, line and column", () => {
  const header = "@relation r\n@attribute x numeric\n@attribute c {a,b}\n@data\n";
  assert.throws(() => parseArff(header + "1,a\nfoo,b\n", "n.arff"), /n\.arff:6: column "x": expected a number, found "foo"/);
  assert.throws(() => parseArff(header + "1,z\n", "c.arff"), /c\.arff:5: column "c": expected one of \{a,b\} or \?, found "z"/);
  assert.throws(() => parseArff(header + "1,a,3\n", "w.arff"), /w\.arff:5: expected 2 values \(one per @attribute\), found 3/);
  assert.throws(() => parseArff("@relation r\n@attribute x numeric\n", "nodata.arff"), /nodata\.arff: expected an @data section/);
  assert.throws(() => parseArff("@relation r\n@attribute x complex\n@data\n", "t.arff"), /t\.arff:2: column "x": expected a type numeric/);
  assert.throws(() => parseArff(header + "{0 1}\n", "s.arff"), /s\.arff:5: sparse ARFF/);
});

test("readTable picks the reader by extension and names the file by its base name", async () => {
  const dir = await mkdtemp(join(tmpdir(), "distmatch-readers-"));
  try {
    await writeFile(join(dir, "t.csv"), "a\n1\n");
    await writeFile(join(dir, "t.tsv"), "a\tb\n1\t2\n");
    await writeFile(join(dir, "t.jsonl"), '{"a":1}\n');
    await writeFile(join(dir, "t.arff"), "@relation r\n@attribute a numeric\n@data\n1\n");
    assert.equal((await readTable(join(dir, "t.csv"))).records[0].values.a, "1");
    assert.deepEqual({ ...(await readTable(join(dir, "t.tsv"))).records[0].values }, { a: "1", b: "2" });
    assert.equal((await readTable(join(dir, "t.jsonl"))).records[0].values.a, 1);
    const arff = await readTable(join(dir, "t.arff"));
    assert.equal(arff.records[0].values.a, 1);
    assert.equal(arff.file, "t.arff");
    await assert.rejects(readTable(join(dir, "t.xlsx")), /unknown table format/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("errors are DataError with file, line and column fields", () => {
  try {
    parseArff("@relation r\n@attribute c {a}\n@data\nb\n", "f.arff");
    assert.fail("expected an error");
  } catch (error) {
    assert.ok(error instanceof DataError);
    assert.equal(error.file, "f.arff");
    assert.equal(error.line, 4);
    assert.equal(error.column, "c");
  }
});
