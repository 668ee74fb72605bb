import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStudyConfig, readStudyConfig } from "../../src/study/config.js";

test("a minimal config gets every default", () => {
  const c = parseStudyConfig({ dataset: "zoo" });
  assert.deepEqual(c.seeds, [0, 1, 2]);
  assert.deepEqual(c.variants, ["st", "mt", "mt+coupling"]);
  assert.equal(c.split.overlap, 0);
  assert.equal(c.coupling.lambdaDm, 0.1);
  assert.equal(c.coupling.scaMode, "auto");
  assert.equal(c.coupling.applyTo, "missing");
  assert.equal(c.coupling.divergence, "kl");
});

test("errors name the offending field by its path", () => {
  const cases: [unknown, RegExp][] = [
    [{ dataset: "zoo", training: { epochs: -1 } }, /training\.epochs/],
    [{ dataset: "zoo", seeds: [0, 1.5] }, /seeds\.1/],
    [{ dataset: "zoo", variants: ["mt", "nope"] }, /variants\.1/],
    [{ dataset: "zoo", split: { overlap: 2 } }, /split\.overlap/],
    [{ dataset: "zoo", trainig: {} }, /trainig/],
    [{ dataset: "zoo", name: "../escape" }, /name/],
  ];
  for (const [input, field] of cases) {
    assert.throws(() => parseStudyConfig(input, "my.json"), (err: Error) => err.message.startsWith("my.json") && field.test(err.message), JSON.stringify(input));
  }
});

test("data source rules: one of dataset / data, and a file for relatedness method 'file'", () => {
  assert.throws(() => parseStudyConfig({}), /either "dataset".*or "data"/);
  assert.throws(() => parseStudyConfig({ dataset: "zoo", data: { sources: [{ file: "a.csv" }], spec: {} } }), /not both/);
  assert.throws(() => parseStudyConfig({ dataset: "zoo", relatedness: { method: "file" } }), /relatedness\.file/);
});

test("readStudyConfig names the file for unreadable or invalid JSON", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-config-"));
  const file = path.join(dir, "bad.json");
  await fs.writeFile(file, "{ not json");
  await assert.rejects(readStudyConfig(file), (e: Error) => e.message.includes(file) && /not valid JSON/.test(e.message));
  await assert.rejects(readStudyConfig(path.join(dir, "missing.json")), /cannot read/);
});
