import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "../../src/engine/tf.js";
import { useBackend } from "../../src/engine/backend.js";
import "../../src/engine/fast.js";
import { adamStep, adamStepJs, simdKernel } from "../../src/engine/kernels/adam.js";
import { fusedAdam } from "../../src/train/fused-adam.js";

/* Seeded values with a wide spread of magnitudes (tiny and large gradients), identical on every backend. */
function synthetic(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = (s / 2 ** 32) * 2 - 1;
    out[i] = u * scale * 10 ** ((i % 7) - 3);
  }
  return out;
}

const SHAPES: number[][] = [[33, 17], [17], [5, 3, 2, 4]];

/** Weights and moments after `steps` Adam steps on a fixed quadratic-plus-sine loss, as flat arrays. */
function train(optimizer: tf.Optimizer, steps: number): Float32Array[] {
  const vars = SHAPES.map((shape, i) => tf.variable(tf.tensor(synthetic(shape.reduce((a, b) => a * b, 1), 10 + i, 1), shape), true, `fa_${i}_${Math.random()}`));
  const targets = SHAPES.map((shape, i) => tf.tensor(synthetic(shape.reduce((a, b) => a * b, 1), 20 + i, 2), shape));
  for (let s = 0; s < steps; s++) {
    optimizer.minimize(() => tf.addN(vars.map((v, i) => tf.sum(tf.add(tf.square(tf.sub(v, targets[i])), tf.sin(tf.mul(v, 3 + s)))))) as tf.Scalar, false, vars);
  }
  const out = vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  tf.dispose([...vars, ...targets]);
  return out;
}

async function weightsOf(optimizer: tf.Optimizer): Promise<Float32Array[]> {
  return (await optimizer.getWeights()).map((w) => Float32Array.from(w.tensor.dataSync() as Float32Array));
}

describe("fused Adam", () => {
  for (const backend of ["wasm", "cpu"] as const) {
    it(`matches tf.train.adam bit for bit on ${backend}: weights, moments and iterations`, async () => {
      await useBackend(backend);
      const stock = tf.train.adam(0.01);
      const fused = fusedAdam(0.01);
      const expected = train(stock, 6);
      const actual = train(fused, 6);
      assert.deepEqual(actual, expected);
      const [stockW, fusedW] = [await weightsOf(stock), await weightsOf(fused)];
      assert.equal(fusedW.length, stockW.length);
      assert.deepEqual(fusedW, stockW);
      assert.deepEqual((await fused.getWeights()).map((w) => w.name.replace(/fa_\d+_[\d.e-]+/, "x")), (await stock.getWeights()).map((w) => w.name.replace(/fa_\d+_[\d.e-]+/, "x")));
      stock.dispose();
      fused.dispose();
    });
  }

  const f = Math.fround;
  const constants = { beta1: f(0.9), oneMinusBeta1: f(1 - 0.9), beta2: f(0.999), oneMinusBeta2: f(1 - 0.999), oneMinusAccBeta1: f(1 - f(0.9)), oneMinusAccBeta2: f(1 - f(0.999)), epsilon: f(1e-7), negLearningRate: f(-0.5) };

  for (const [name, step] of [["SIMD kernel", adamStep], ["JavaScript", adamStepJs]] as const) {
    it(`${name}: Adam's first step worked by hand is w - lr * sign(g) (up to epsilon)`, () => {
      const out = step(Float32Array.of(1, 1, 1, 1, 1), Float32Array.of(2, -3, 0, 0.25, -40), new Float32Array(5), new Float32Array(5), constants);
      // m = 0.1 g and v = 0.001 g^2, so m/(1-0.9) = g, v/(1-0.999) = g^2 and the step is lr * g/|g| = 0.5.
      assert.deepEqual([...out.w].map((x) => Number(x.toFixed(4))), [0.5, 1.5, 1, 0.5, 1.5]);
      assert.ok(Math.abs(out.m[0] - 0.2) < 1e-6 && Math.abs(out.v[1] - 0.009) < 1e-6);
    });
  }

  it("the SIMD kernel equals the JavaScript arithmetic bit for bit (odd lengths, wide magnitudes, later steps)", () => {
    assert.ok(simdKernel() !== null, "WebAssembly SIMD should be available in Node >= 20");
    for (const n of [1, 7, 1001]) {
      const later = { ...constants, oneMinusAccBeta1: f(1 - f(0.9 ** 5)), oneMinusAccBeta2: f(1 - f(0.999 ** 5)) };
      const args = [synthetic(n, 1, 1), synthetic(n, 2, 5), synthetic(n, 3, 0.1), synthetic(n, 4, 0.1).map(Math.abs)] as const;
      assert.deepEqual(adamStep(...args, later), adamStepJs(...args, later));
    }
  });
});
