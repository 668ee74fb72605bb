/** A user's own TF.js layers model.json as an image backbone: loaded from disk, pooled, hashed, truncated at a layer. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { useBackend } from "../../src/engine/backend.js";
import { saveModel } from "../../src/models/io.js";
import { loadModelBackbone } from "../../src/features/custom.js";
import type { DecodedImage } from "../../src/features/image.js";
import { Rng } from "../../src/engine/random.js";

function image(seed: number, side: number): DecodedImage {
  const rng = new Rng(seed);
  const data = new Float32Array(side * side * 3).map(() => rng.next());
  return { width: side, height: side, channels: 3, data };
}

async function savedConvModel(dir: string, seed: number): Promise<{ model: tfl.LayersModel; file: string }> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: "relu", name: "conv", kernelInitializer: tfl.initializers.glorotUniform({ seed }) }),
      tfl.layers.globalAveragePooling2d({ name: "pool" }),
      tfl.layers.dense({ units: 2, name: "logits", kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  await saveModel(dir, model, { format: "distmatch-model", version: 1, tasks: [], inputShape: [8, 8, 3] });
  return { model, file: path.join(dir, "model.json") };
}

test("features are the model's output at the chosen layer, pooled when it is a feature map", async () => {
  await useBackend("cpu");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-custom-"));
  const { model, file } = await savedConvModel(dir, 1);
  const images = [image(1, 8), image(2, 8), image(3, 8)];
  const x = tf.stack(images.map((i) => tf.tensor3d(i.data, [8, 8, 3])));

  const whole = await loadModelBackbone(file);
  assert.equal(whole.featureDim, 2);
  assert.equal(whole.inputSize, 8);
  const expected = (model.predict(x) as tf.Tensor).dataSync();
  const got = await whole.extract(images);
  got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `feature ${i}: ${v} vs ${expected[i]}`));

  const conv = await loadModelBackbone(file, { layer: "conv" });
  assert.equal(conv.featureDim, 4);
  const map = model.getLayer("conv").apply(x) as tf.Tensor4D;
  const pooled = tf.mean(map, [1, 2]).dataSync();
  (await conv.extract(images)).forEach((v, i) => assert.ok(Math.abs(v - pooled[i]) < 1e-5, `pooled feature ${i}`));

  await assert.rejects(loadModelBackbone(file, { layer: "nope" }), /no layer named "nope"/);
  const other = await savedConvModel(path.join(dir, "other"), 7);
  assert.notEqual((await loadModelBackbone(other.file)).weightsHash, whole.weightsHash, "other weights, other cache key");
  assert.equal((await loadModelBackbone(file)).weightsHash, whole.weightsHash, "the hash is stable");
  await assert.rejects(loadModelBackbone(path.join(dir, "missing.json")), /missing\.json: cannot load/);
  await fs.rm(dir, { recursive: true, force: true });
});
