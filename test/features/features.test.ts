import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { useBackend } from "../../src/engine/backend.js";
import { extractWithCache, entryPath, cacheKey, type ImageItem } from "../../src/features/cache.js";
import type { Backbone } from "../../src/features/types.js";
import type { DecodedImage } from "../../src/features/image.js";
import { readImageManifest } from "../../src/features/manifest.js";
import { loadBackbone } from "../../src/features/backbones.js";
import { decodeImage } from "../../src/features/image.js";

const root = path.resolve(import.meta.dirname, "../..");
const emojiDir = path.join(root, "node_modules/emoji-datasource-twitter/img/twitter/64");
const faceDir = path.join(root, "node_modules/@vladmandic/face-api/demo");

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "distmatch-features-"));
}

/** A synthetic backbone: features = [mean red, mean green, mean blue]; counts how many images it saw. */
function countingBackbone(): Backbone & { seen: number } {
  const bb = {
    id: "synthetic-mean-rgb",
    weightsHash: "none",
    inputSize: 8,
    featureDim: 3,
    decode: { size: 8, channels: 3 as const },
    description: "synthetic test backbone",
    seen: 0,
    async extract(images: readonly DecodedImage[]): Promise<Float32Array> {
      bb.seen += images.length;
      const out = new Float32Array(images.length * 3);
      images.forEach((img, i) => {
        for (let p = 0; p < img.data.length; p++) out[i * 3 + (p % 3)] += img.data[p] / (img.data.length / 3);
      });
      return out;
    },
    dispose() {},
  };
  return bb;
}

async function emojiItems(n: number): Promise<ImageItem[]> {
  const files = (await fs.readdir(emojiDir)).sort().slice(100, 100 + n);
  return Promise.all(files.map(async (f) => ({ bytes: new Uint8Array(await fs.readFile(path.join(emojiDir, f))), name: f })));
}

test("feature cache: misses are extracted and stored, hits are read back identically, an interrupted run resumes", async () => {
  const cacheDir = await tmpDir();
  const items = await emojiItems(6);
  const bb = countingBackbone();
  // "interrupted" run: only the first half got extracted
  const half = await extractWithCache(bb, items.slice(0, 3), { cacheDir });
  assert.deepEqual(half.stats, { hits: 0, misses: 3, corrupted: 0 });
  const full = await extractWithCache(bb, items, { cacheDir });
  assert.deepEqual(full.stats, { hits: 3, misses: 3, corrupted: 0 });
  assert.equal(bb.seen, 6, "each image went through the backbone once");
  assert.deepEqual(full.features.subarray(0, 9), half.features);
  const again = await extractWithCache(bb, items, { cacheDir });
  assert.deepEqual(again.stats, { hits: 6, misses: 0, corrupted: 0 });
  assert.deepEqual(again.features, full.features);
});

test("feature cache: a truncated entry is reported and recomputed", async () => {
  const cacheDir = await tmpDir();
  const items = await emojiItems(2);
  const bb = countingBackbone();
  const first = await extractWithCache(bb, items, { cacheDir });
  const file = entryPath(path.join(cacheDir, bb.id), cacheKey(bb, items[1]));
  const bytes = await fs.readFile(file);
  await fs.writeFile(file, bytes.subarray(0, bytes.length - 4));
  const reports: string[] = [];
  const second = await extractWithCache(bb, items, { cacheDir, onCorrupt: (f) => reports.push(f) });
  assert.deepEqual(second.stats, { hits: 1, misses: 1, corrupted: 1 });
  assert.deepEqual(reports, [file]);
  assert.deepEqual(second.features, first.features);
});

test("image manifests: relative paths resolve, paths leaving the folder are refused unless allowed, missing files name the line", async () => {
  const dir = await tmpDir();
  await fs.mkdir(path.join(dir, "imgs"));
  await fs.copyFile(path.join(faceDir, "sample1.jpg"), path.join(dir, "imgs", "a.jpg"));
  const outside = path.join(await tmpDir(), "b.jpg");
  await fs.copyFile(path.join(faceDir, "sample2.jpg"), outside);
  const write = async (name: string, rows: string[]) => {
    const file = path.join(dir, name);
    await fs.writeFile(file, ["image,expression", ...rows].join("\n") + "\n");
    return file;
  };
  const ok = await readImageManifest(await write("ok.csv", ["imgs/a.jpg,happiness", "imgs/a.jpg,"]));
  assert.equal(ok.records[0].path, path.join(dir, "imgs", "a.jpg"));
  assert.equal(ok.records[0].labels.expression, "happiness");
  assert.equal(ok.records[1].labels.expression, undefined);
  const up = await write("up.csv", ["imgs/a.jpg,x", "../b.jpg,y"]);
  await assert.rejects(readImageManifest(up), (e: Error) => e.message.includes(up) && /:3/.test(e.message) && /leaves the manifest's folder/.test(e.message));
  const abs = await write("abs.csv", [`${outside},y`]);
  await assert.rejects(readImageManifest(abs), /leaves the manifest's folder/);
  const allowed = await readImageManifest(abs, { allowOutside: true });
  assert.equal(allowed.records[0].path, outside);
  const missing = await write("missing.csv", ["imgs/a.jpg,x", "imgs/nope.jpg,y"]);
  await assert.rejects(readImageManifest(missing), (e: Error) => e.message.includes(missing) && /:3/.test(e.message) && /not found/.test(e.message));
});

test("MobileNetV2 from nsfwjs: 1280 finite features per real emoji image, different images differ", async () => {
  await useBackend("wasm");
  const bb = await loadBackbone("mobilenetv2", { inputSize: 96 });
  const files = (await fs.readdir(emojiDir)).sort().slice(200, 202).map((f) => path.join(emojiDir, f));
  const images = await Promise.all(files.map((f) => decodeImage(f, bb.decode)));
  const features = await bb.extract(images);
  bb.dispose();
  assert.equal(bb.featureDim, 1280);
  assert.equal(features.length, 2 * 1280);
  assert.ok(features.every(Number.isFinite));
  const diff = features.subarray(0, 1280).reduce((a, v, i) => a + Math.abs(v - features[1280 + i]), 0);
  assert.ok(diff > 1, "two different emoji get different features");
});

test("face descriptor from @vladmandic/face-api: a 128-d descriptor per real face photo, with the face found", async () => {
  await useBackend("wasm");
  const bb = (await loadBackbone("face-descriptor")) as Backbone & { stats: { detected: number; wholeImage: number } };
  const images = await Promise.all(["sample1.jpg", "sample2.jpg"].map((f) => decodeImage(path.join(faceDir, f), bb.decode)));
  const features = await bb.extract(images);
  bb.dispose();
  assert.equal(bb.featureDim, 128);
  assert.equal(features.length, 2 * 128);
  assert.ok(features.every(Number.isFinite));
  assert.equal(bb.stats.detected, 2, "a face is detected in each demo photo");
});
