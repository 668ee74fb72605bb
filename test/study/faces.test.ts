import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStudy } from "../../src/study/run.js";
import { DU2014_AUS, DU2014_EXPRESSIONS } from "../../src/relatedness/index.js";

const faces = path.resolve(import.meta.dirname, "../../node_modules/@vladmandic/face-api/demo");

/**
 * Smoke test of the README's face recipe on real face photos (face-api's demo images) with SYNTHETIC
 * labels: an "expression" manifest and an "AU" manifest (the six photos each; a study needs 5 labels per
 * task), a test manifest labelling both, the face descriptor as backbone and the du2014 prior as
 * relatedness. It checks the pipeline end to end, not accuracy.
 */
test("face recipe: expression and AU manifests, face descriptor, du2014 prior, end to end", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-faces-"));
  const photos = ["sample1.jpg", "sample2.jpg", "sample3.jpg", "sample4.jpg", "sample5.jpg", "sample6.jpg"];
  for (const p of photos) await fs.copyFile(path.join(faces, p), path.join(dir, p));
  const au = (i: number) => DU2014_AUS.map((_, j) => ((i + j) % 3 === 0 ? 1 : 0));
  const expression = (i: number) => DU2014_EXPRESSIONS[(i + 1) % DU2014_EXPRESSIONS.length];
  const exprRows = photos.map((p, i) => [p, expression(i), ...DU2014_AUS.map(() => "")].join(","));
  const auRows = photos.map((p, i) => [p, "", ...au(i)].join(","));
  const testRows = photos.slice(0, 3).map((p, i) => [p, expression(i), ...au(i)].join(","));
  const header = ["image", "expression", ...DU2014_AUS].join(",");
  await fs.writeFile(path.join(dir, "expressions.csv"), [header, ...exprRows].join("\n") + "\n");
  await fs.writeFile(path.join(dir, "aus.csv"), [header, ...auRows].join("\n") + "\n");
  await fs.writeFile(path.join(dir, "test.csv"), [header, ...testRows].join("\n") + "\n");
  const spec = {
    inputs: { numeric: [], categorical: [] },
    tasks: [
      { name: "expression", kind: "multiclass", column: "expression", classes: [...DU2014_EXPRESSIONS] },
      { name: "au", kind: "multilabel", columns: [...DU2014_AUS] },
    ],
  };
  const { results } = await runStudy(
    {
      name: "faces",
      outDir: path.join(dir, "runs"),
      data: { sources: [{ file: "expressions.csv" }, { file: "aus.csv" }], test: "test.csv", spec, images: { representation: "face-descriptor" } },
      relatedness: { method: "prior", prior: "du2014" },
      seeds: [0],
      variants: ["mt", "mt+coupling"],
      split: { validation: 0, test: 0, repeats: 1 },
      training: { epochs: 2, batchSize: 4 },
    },
    { baseDir: dir },
  );
  assert.equal(results.relatedness[0].method, "prior");
  assert.equal(results.relatedness[0].used.rows.length, DU2014_EXPRESSIONS.length);
  assert.deepEqual(results.data.inputShape, [128]);
  assert.ok(results.runs.some((r) => r.variant === "mt+coupling" && r.curves[0].losses["sca:expression<-au"] !== undefined));
});
