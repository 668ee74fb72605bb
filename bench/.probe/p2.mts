import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
await useBackend("wasm");
console.log("simd", await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"), "threads", await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
function time(name: string, f: () => tf.Tensor, n = 10) {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = f(); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / n).toFixed(2), "ms");
}
const a = tf.randomNormal([256, 512]);
time("transpose 256x512", () => tf.transpose(a));
const s = tf.randomNormal([1,1,1,32]); const z = tf.zeros([64,32,32,32]); const s2 = tf.randomNormal([32]);
time("add-bcast 4d", () => tf.add(s, z));
time("add-bcast 1d", () => tf.add(z, s2));
time("add same", () => tf.add(z, z));
time("mul same", () => tf.mul(z, z));
time("sum axes 0-2", () => tf.sum(z, [0,1,2]));
time("mean axes 0-2", () => tf.mean(z, [0,1,2]));
time("transpose4d", () => tf.transpose(z, [3,1,2,0]));
time("relu", () => tf.relu(z));
time("step", () => tf.step(z));
const x = tf.randomNormal([64,64,64,3]); const f = tf.randomNormal([3,3,3,32]);
time("conv 64x64x3->32", () => tf.conv2d(x, f, 1, "same"));
const x2 = tf.randomNormal([64,32,32,32]); const f2 = tf.randomNormal([3,3,32,64]);
time("conv 32x32x32->64", () => tf.conv2d(x2, f2, 1, "same"));
const dy2 = tf.randomNormal([64,32,32,64]);
time("convBackInput 32x32x32->64", () => tf.conv2dTranspose(dy2, f2, [64,32,32,32], 1, "same"));
time("maxpool", () => tf.maxPool(x2, 2, 2, "valid"));
