import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
const info = await useBackend("wasm");
console.log(info, tf.version_core);
for (const k of ["Conv2DBackpropFilter","Conv2DBackpropInput","DepthwiseConv2dNativeBackpropFilter","DepthwiseConv2dNativeBackpropInput","UnsortedSegmentSum","MaxPoolGrad","Tile","BatchMatMul","_FusedMatMul","AvgPoolGrad","FusedBatchNorm","Transpose","Relu","Step","Select","Greater"]) {
  console.log(k, tf.getKernel(k, "wasm") ? "yes" : "MISSING");
}
function time(name: string, f: () => tf.Tensor, n = 10) {
  f().dispose();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = f(); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / n).toFixed(2), "ms");
}
const a = tf.randomNormal([256, 512]); const w = tf.randomNormal([512, 256]); const dy = tf.randomNormal([256, 256]);
time("mm plain", () => tf.matMul(a, w));
time("mm tA (dW)", () => tf.matMul(a, dy, true, false));
time("mm tB (dX)", () => tf.matMul(dy, w, false, true));
time("transpose+mm", () => tf.tidy(() => tf.matMul(a.transpose(), dy)));
const x = tf.randomNormal([64, 32, 32, 32]);
time("tile", () => tf.tile(tf.randomNormal([1,1,1,32]), [64,32,32,1]));
time("add-bcast", () => tf.tidy(() => tf.add(tf.randomNormal([1,1,1,32]), tf.zeros([64,32,32,32]))));
const neg = tf.tensor4d([-3, -1, -2, -4], [1, 2, 2, 1]);
const g = tf.grad((t: tf.Tensor4D) => tf.maxPool(t, 2, 2, "valid").sum())(neg);
g.print();
