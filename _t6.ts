import * as tf from "@tensorflow/tfjs";
import { useBackend } from "./src/engine/backend.js";
import { buildSmallCnn } from "./src/models/cnn.js";
const [be, fast] = [process.argv[2], process.argv[3] === "fast"];
if (fast) await import("./src/engine/fast.js");
await useBackend(be as "wasm");
for (const shape of [[28, 28, 1], [32, 32, 3]] as [number, number, number][]) {
  const cnn = buildSmallCnn({ inputShape: shape });
  const head = tf.layers.dense({ units: 10 });
  const out = head.apply(cnn.outputs[0]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: cnn.inputs, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const B = 64;
  const x = tf.randomUniform([B, ...shape]); const y = tf.oneHot(tf.randomUniform([B], 0, 10, "int32"), 10);
  try {
    await model.trainOnBatch(x, y);
    const t = Date.now(); const n = 5;
    for (let i = 0; i < n; i++) await model.trainOnBatch(x, y);
    console.log(be, fast ? "fast" : "stock", shape.join("x"), "batch", B, ((Date.now() - t) / n).toFixed(0), "ms/step");
  } catch (e) { console.log(be, fast ? "fast" : "stock", shape.join("x"), "FAILED:", (e as Error).message.slice(0, 120)); }
}
