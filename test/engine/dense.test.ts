import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "../../src/engine/tf.js";
import { useBackend } from "../../src/engine/backend.js";
import { denseOnConstantInput } from "../../src/engine/dense.js";
import "../../src/engine/fast.js";
import { MultiTaskModel } from "../../src/models/multitask.js";
import { Rng } from "../../src/engine/random.js";
import { multiClassTask, multiLabelTask } from "../../src/tasks/types.js";
import { buildSmallCnn } from "../../src/models/cnn.js";

function synthetic(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Value and weight gradients of sum(dense(x) * w) through the layer's own apply or the fast path. */
function valueAndGrads(layer: tf.layers.Layer, x: tf.Tensor2D, fast: boolean): Float32Array[] {
  return tf.tidy(() => {
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const run = (): tf.Tensor => (fast ? denseOnConstantInput(layer, x) : null) ?? (layer.apply(x) as tf.Tensor);
    const y = run();
    const w = tf.tensor(synthetic(y.size, 5), y.shape);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(run(), w)) as tf.Scalar, vars);
    return [y, value, ...vars.map((v) => grads[v.name])].map((t) => Float32Array.from(t.dataSync() as Float32Array));
  });
}

describe("Dense on a constant input", () => {
  for (const backend of ["wasm", "cpu"] as const) {
    for (const useBias of [true, false]) {
      it(`gives the stock layer's values and weight gradients bit for bit (${backend}, bias ${useBias})`, async () => {
        await useBackend(backend);
        const layer = tf.layers.dense({ units: 9, useBias, biasInitializer: "glorotUniform", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) });
        const x = tf.tensor2d(synthetic(13 * 21, 1), [13, 21]);
        layer.apply(x); // builds the weights
        const expected = valueAndGrads(layer, x, false);
        const actual = valueAndGrads(layer, x, true);
        assert.equal(actual.length, useBias ? 4 : 3);
        assert.deepEqual(actual, expected);
        layer.dispose();
        x.dispose();
      });
    }
  }

  it("is skipped for layers it does not cover (activation inside the layer, not Dense)", async () => {
    await useBackend("wasm");
    const relu = tf.layers.dense({ units: 3, activation: "relu" });
    const x = tf.ones([2, 4]) as tf.Tensor2D;
    relu.apply(x);
    assert.equal(denseOnConstantInput(relu, x), null);
    assert.equal(denseOnConstantInput(tf.layers.activation({ activation: "relu" }), x), null);
    tf.dispose([x]);
  });

  it("leaves a MultiTaskModel's training gradients unchanged (wasm fast path against the cpu backend's stock path)", async () => {
    const tasks = [multiClassTask("a", ["x", "y", "z"]), multiLabelTask("b", ["p", "q"])];
    const gradsOn = async (backend: "wasm" | "cpu"): Promise<Float32Array[]> => {
      await useBackend(backend);
      const model = new MultiTaskModel({ inputShape: [11], tasks, trunk: { hidden: [8, 6], dropout: 0.2 }, seed: 4 });
      const x = tf.tensor2d(synthetic(17 * 11, 8), [17, 11]);
      const vars = model.trainableVariables;
      const out = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => {
          const logits = model.forward(x, true, new Rng(2));
          return tf.add(tf.sum(tf.square(logits.a)), tf.sum(tf.sigmoid(logits.b))) as tf.Scalar;
        }, vars);
        return vars.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array));
      });
      model.dispose();
      x.dispose();
      return out;
    };
    const wasm = await gradsOn("wasm");
    const cpu = await gradsOn("cpu");
    assert.equal(wasm.length, 8);
    wasm.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - cpu[i][j]) <= 1e-4 * (1 + Math.abs(cpu[i][j])), `variable ${i} [${j}]: ${v} vs ${cpu[i][j]}`)));
  });

  it("trains on a frozen backbone's output (an intermediate tensor): the trunk's kernel gradient equals the stock layer's", async () => {
    await useBackend("cpu");
    const tasks = [multiClassTask("a", ["x", "y"])];
    const model = new MultiTaskModel({ inputShape: [4, 4, 1], tasks, backbone: buildSmallCnn({ inputShape: [4, 4, 1], filters: [2], seed: 1 }), trainBackbone: false, trunk: { hidden: [3], dropout: 0 }, seed: 4 });
    const x = tf.tensor4d(synthetic(5 * 16, 9), [5, 4, 4, 1]);
    const vars = model.trainableVariables;
    const gradients = (useFast: boolean): Float32Array => tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const logits = useFast ? model.forward(x, true).a : (model.model.apply(x, { training: true }) as tf.Tensor);
        return tf.sum(tf.square(logits)) as tf.Scalar;
      }, vars);
      return Float32Array.from(grads[vars[0].name].dataSync() as Float32Array);
    });
    const fast = gradients(true);
    const stock = gradients(false);
    assert.equal(fast.length, 2 * 3);
    fast.forEach((v, i) => assert.ok(Math.abs(v - stock[i]) <= 1e-5 * (1 + Math.abs(stock[i])), `kernel gradient [${i}]: ${v} vs ${stock[i]}`));
    model.dispose();
    x.dispose();
  });
});
