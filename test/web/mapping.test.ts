import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { buildSpec, checkMapping, guessMapping, labelCounts, parseUploadedTable, type ColumnMapping } from "../../web/src/mapping.js";

const example = resolve(import.meta.dirname, "../../examples/penguins-byo");

async function penguins(): Promise<ReturnType<typeof parseUploadedTable>[]> {
  const names = ["species-survey.csv", "island-survey.csv", "test.csv"];
  return Promise.all(names.map(async (n) => parseUploadedTable(n, await readFile(join(example, n), "utf8"))));
}

describe("web app column mapping", () => {
  it("guesses the penguins-byo roles, and the spec equals examples/penguins-byo/spec.json (classes aside)", async () => {
    const tables = await penguins();
    const mapping = guessMapping(tables);
    assert.deepEqual(Object.fromEntries(mapping.map((m) => [m.column, m.role])), {
      bill_length_mm: "numeric",
      bill_depth_mm: "numeric",
      flipper_length_mm: "numeric",
      body_mass_g: "numeric",
      species: "multiclass",
      island: "multiclass",
    });
    const given = JSON.parse(await readFile(join(example, "spec.json"), "utf8")) as { inputs: unknown; tasks: { name: string; kind: string; column: string }[] };
    const built = buildSpec(mapping);
    assert.deepEqual(built.inputs, given.inputs);
    assert.deepEqual(built.tasks, given.tasks.map(({ name, kind, column }) => ({ name, kind, column })));
    assert.equal(await checkMapping(built, tables), undefined);
  });

  it("groups label columns into multi-label tasks by name", () => {
    const mapping: ColumnMapping[] = [
      { column: "x", role: "numeric" },
      { column: "c", role: "categorical" },
      { column: "a1", role: "label", task: "au" },
      { column: "a2", role: "label", task: "au" },
      { column: "e", role: "multiclass" },
      { column: "id", role: "ignore" },
    ];
    assert.deepEqual(buildSpec(mapping), {
      inputs: { numeric: ["x"], categorical: ["c"] },
      tasks: [
        { name: "e", kind: "multiclass", column: "e" },
        { name: "au", kind: "multilabel", columns: ["a1", "a2"] },
      ],
    });
  });

  it("counts labelled rows and classes per task and source (counted by hand from the example files)", async () => {
    const [species, island] = await penguins();
    const counts = labelCounts(buildSpec(guessMapping([species, island])), [species, island]);
    const of = (task: string, source: string) => counts.find((c) => c.task === task && c.source === source)!;
    const speciesRows = species.records.length;
    assert.equal(of("species", "species-survey.csv").labelled, speciesRows);
    assert.equal(of("island", "species-survey.csv").labelled, 0);
    assert.equal(of("species", "island-survey.csv").labelled, 0);
    const classes = of("species", "species-survey.csv").counts;
    assert.equal(Object.values(classes).reduce((a, b) => a + b, 0), speciesRows);
    const adelie = species.records.filter((r) => r.values.species === "Adelie").length;
    assert.equal(classes.Adelie, adelie);
  });

  it("puts the core's errors where they belong: a bad number at its file and column, a bad CSV at its file", async () => {
    const good = parseUploadedTable("a.csv", "x,y\n1,p\n2,q\n");
    const bad = parseUploadedTable("b.csv", "x,z\n3,r\nthree,s\n");
    const spec = buildSpec([{ column: "x", role: "numeric" }, { column: "y", role: "multiclass" }, { column: "z", role: "multiclass" }]);
    const problem = await checkMapping(spec, [good, bad]);
    assert.equal(problem?.file, "b.csv");
    assert.equal(problem?.column, "x");
    assert.match(problem!.message, /^b\.csv:3: column "x": expected a number/);
    assert.throws(() => parseUploadedTable("c.csv", 'a,b\n1,"2\n'), /^DataError: c\.csv(:\d+)?: malformed CSV/);
    assert.throws(() => parseUploadedTable("d.xlsx", "whatever"), /d\.xlsx: unknown table format/);
  });
});
