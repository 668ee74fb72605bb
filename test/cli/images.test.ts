/** predict and evaluate read image manifests, for a model trained on images, through the image pipeline saved with it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStudy } from "../../src/study/run.js";
import { evaluateCommand, predictCommand } from "../../src/cli/predict.js";
import { loadModel } from "../../src/models/io.js";

const art = path.resolve(import.meta.dirname, "../../node_modules/emoji-datasource-google/img/google/64");

async function captureStdout(work: () => Promise<void>): Promise<string> {
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test("a model trained on an image manifest predicts and evaluates from manifests", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-manifest-"));
  const pngs = (await fs.readdir(art)).filter((f) => f.endsWith(".png")).sort().slice(0, 16);
  for (const f of pngs) await fs.copyFile(path.join(art, f), path.join(dir, f));
  const rows = pngs.map((f, i) => `${f},${i % 2 === 0 ? "even" : "odd"}`);
  await fs.writeFile(path.join(dir, "train.csv"), ["image,kind", ...rows.slice(0, 12)].join("\n") + "\n");
  await fs.writeFile(path.join(dir, "test.csv"), ["image,kind", ...rows.slice(12)].join("\n") + "\n");
  const spec = { inputs: { numeric: [], categorical: [] }, tasks: [{ name: "kind", kind: "multiclass", column: "kind", classes: ["even", "odd"] }] };
  await fs.writeFile(path.join(dir, "spec.json"), JSON.stringify(spec));
  await runStudy(
    {
      name: "pngs",
      outDir: path.join(dir, "runs"),
      data: { sources: [{ file: "train.csv" }], test: "test.csv", spec, images: { representation: "pixels", size: 8 } },
      seeds: [0],
      variants: ["mt"],
      split: { validation: 0, test: 0 },
      training: { epochs: 1, batchSize: 4 },
    },
    { baseDir: dir, saveModels: true },
  );
  const modelDir = path.join(dir, "runs", "pngs", "models", "mt-s0");
  assert.deepEqual((await loadModel(modelDir)).metadata.images, { representation: "pixels", size: 8 });

  const predicted = await captureStdout(() => predictCommand({ model: modelDir, data: path.join(dir, "test.csv") }));
  const lines = predicted.trim().split("\n").map((l) => JSON.parse(l) as { line: number; kind: { class: string; probabilities: Record<string, number> } });
  assert.equal(lines.length, 4);
  for (const l of lines) {
    assert.ok(["even", "odd"].includes(l.kind.class));
    assert.ok(Math.abs(l.kind.probabilities.even + l.kind.probabilities.odd - 1) < 1e-4);
  }
  const evaluated = await captureStdout(() => evaluateCommand({ model: modelDir, data: path.join(dir, "test.csv"), spec: path.join(dir, "spec.json"), json: true }));
  const metrics = JSON.parse(evaluated) as Record<string, { n: number; values: Record<string, number> }>;
  assert.equal(metrics.kind.n, 4);
  assert.ok(metrics.kind.values.accuracy >= 0 && metrics.kind.values.accuracy <= 1);
  await fs.rm(dir, { recursive: true, force: true });
});
