import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../src/engine/backend.js";
import {
  batchNormFromPrimitives, installWasmFixes, PINNED_TFJS_VERSION, stockFingerprints, WASM_KERNEL_FIXES, wasmFixesInstalled,
} from "../../src/engine/fast.js";

/* Synthetic inputs from a seeded generator, so wasm and cpu see identical numbers. */
function synthetic(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

interface Arg { readonly shape: number[]; readonly values: Float32Array }
const arg = (shape: number[], seed: number): Arg => ({ shape, values: synthetic(shape.reduce((a, b) => a * b, 1), seed) });

type Op = (...xs: tf.Tensor[]) => tf.Tensor;

/** Value of op and gradients of sum(op * w) for a fixed synthetic weight w, on the current backend. */
function valueAndGrads(op: Op, args: readonly Arg[]): Float32Array[] {
  return tf.tidy(() => {
    const xs = args.map((a) => tf.tensor(a.values, a.shape));
    const y = op(...xs);
    const w = tf.tensor(synthetic(y.size, 99), y.shape);
    const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(op(...ts), w)))(xs);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  }).map((a) => Float32Array.from(a));
}

async function on(backend: "wasm" | "cpu", op: Op, args: readonly Arg[]): Promise<Float32Array[]> {
  await useBackend(backend);
  return valueAndGrads(op, args);
}

function assertClose(actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const bound = tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= bound, `${what}[${i}]: wasm ${actual[i]} vs cpu ${expected[i]}`);
  }
}

async function wasmMatchesCpu(op: Op, args: readonly Arg[], what: string, tol = 1e-4): Promise<void> {
  const wasm = await on("wasm", op, args);
  const cpu = await on("cpu", op, args);
  wasm.forEach((w, i) => assertClose(w, cpu[i], tol, i === 0 ? `${what} value` : `${what} grad ${i - 1}`));
}

/** cpu gradient of sum(op * w) against central finite differences (float64 sums of float32 outputs). */
async function cpuMatchesFiniteDifferences(op: Op, args: readonly Arg[], what: string, h: number, probes = 6): Promise<void> {
  await useBackend("cpu");
  const [, ...grads] = valueAndGrads(op, args);
  const loss = (vals: readonly Float32Array[]): number => tf.tidy(() => {
    const y = op(...vals.map((v, i) => tf.tensor(v, args[i].shape)));
    const w = synthetic(y.size, 99);
    const yv = y.dataSync();
    let s = 0;
    for (let i = 0; i < yv.length; i++) s += yv[i] * w[i];
    return s;
  });
  args.forEach((a, which) => {
    for (let p = 0; p < probes; p++) {
      const at = Math.floor((p + 0.5) * a.values.length / probes);
      const plus = args.map((b) => Float32Array.from(b.values));
      const minus = args.map((b) => Float32Array.from(b.values));
      plus[which][at] += h;
      minus[which][at] -= h;
      const numeric = (loss(plus) - loss(minus)) / (2 * h);
      const analytic = grads[which][at];
      assert.ok(Math.abs(numeric - analytic) <= 2e-2 * Math.max(1, Math.abs(numeric)),
        `${what}: d/dx${which}[${at}] cpu ${analytic} vs finite difference ${numeric}`);
    }
  });
}

const conv = (stride: number, pad: "same" | "valid"): Op => (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad);
const depthwise = (stride: number, pad: "same" | "valid"): Op => (x, f) =>
  tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, pad);
const maxPool = (size: number, stride: number, pad: "same" | "valid"): Op => (x) => tf.maxPool(x as tf.Tensor4D, size, stride, pad);
const matMul = (ta: boolean, tb: boolean): Op => (a, b) => tf.matMul(a, b, ta, tb);
const gather: Op = (x) => tf.gather(x, tf.tensor1d([2, 0, 2, 3, 2], "int32"));

const cases: { name: string; op: Op; args: Arg[] }[] = [
  { name: "conv2d same stride 1", op: conv(1, "same"), args: [arg([2, 6, 6, 3], 1), arg([3, 3, 3, 4], 2)] },
  { name: "conv2d valid stride 2 (uneven)", op: conv(2, "valid"), args: [arg([2, 7, 6, 2], 3), arg([2, 3, 2, 3], 4)] },
  { name: "conv2d same stride 2", op: conv(2, "same"), args: [arg([1, 8, 8, 2], 5), arg([3, 3, 2, 2], 6)] },
  { name: "depthwise same stride 1 (multiplier 2)", op: depthwise(1, "same"), args: [arg([2, 5, 5, 3], 7), arg([3, 3, 3, 2], 8)] },
  { name: "depthwise valid stride 2", op: depthwise(2, "valid"), args: [arg([1, 7, 7, 2], 9), arg([3, 3, 2, 1], 10)] },
  { name: "matMul plain", op: matMul(false, false), args: [arg([5, 4], 11), arg([4, 3], 12)] },
  { name: "matMul transposeA", op: matMul(true, false), args: [arg([4, 5], 13), arg([4, 3], 14)] },
  { name: "matMul transposeB", op: matMul(false, true), args: [arg([5, 4], 15), arg([3, 4], 16)] },
  { name: "matMul both transposed, batched", op: matMul(true, true), args: [arg([2, 4, 5], 17), arg([2, 3, 4], 18)] },
  { name: "gather (UnsortedSegmentSum)", op: gather, args: [arg([5, 3], 19)] },
  { name: "maxPool 2x2 stride 2", op: maxPool(2, 2, "valid"), args: [arg([2, 6, 6, 3], 20)] },
  { name: "maxPool 3x3 stride 2 same", op: maxPool(3, 2, "same"), args: [arg([1, 7, 7, 2], 21)] },
  { name: "tile", op: (x) => tf.tile(x, [2, 1, 3]), args: [arg([2, 3, 2], 22)] },
  { name: "batchNorm", op: (x, s, o) => tf.batchNorm(x, tf.mean(x, [0, 1, 2]), tf.moments(x, [0, 1, 2]).variance, o, s, 1e-3),
    args: [arg([2, 3, 3, 4], 23), arg([4], 24), arg([4], 25)] },
  { name: "fused dense (matMul + bias + relu)", op: (a, b, c) => tf.fused.matMul({ a, b, bias: c, activation: "relu" }),
    args: [arg([6, 4], 26), arg([4, 3], 27), arg([3], 28)] },
];

describe("wasm kernel fixes", () => {
  before(async () => {
    await useBackend("wasm");
  });

  it("are installed by default once the wasm backend is up", () => {
    assert.equal(tf.getBackend(), "wasm");
    assert.ok(wasmFixesInstalled());
    assert.deepEqual(installWasmFixes().skipped, []);
  });

  for (const c of cases) {
    it(`${c.name}: wasm value and gradients match cpu`, async () => {
      await wasmMatchesCpu(c.op, c.args, c.name);
    });
  }

  for (const c of cases.filter((k) => !k.name.startsWith("tile") && !k.name.startsWith("batchNorm"))) {
    it(`${c.name}: cpu gradient matches finite differences`, async () => {
      // max-pool is piecewise linear: a small step keeps each probe inside one window's argmax
      await cpuMatchesFiniteDifferences(c.op, c.args, c.name, c.name.startsWith("maxPool") ? 1e-4 : 1e-2);
    });
  }

  it("max-pool gradient goes to the maximum when a window is all negative", async () => {
    await useBackend("wasm");
    const x = tf.tensor4d([-3, -1, -2, -4, -7, -5, -6, -8], [1, 2, 4, 1]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid")))(x);
    // windows: [-3,-1,-7,-5] -> max -1 at index 1; [-2,-4,-6,-8] -> max -2 at index 2
    assert.deepEqual(Array.from(dx.dataSync()), [0, 1, 1, 0, 0, 0, 0, 0]);
    tf.dispose([x, dx]);
  });

  it("tile keeps int32 values", async () => {
    await useBackend("wasm");
    const t = tf.tile(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), [2, 2]);
    assert.equal(t.dtype, "int32");
    assert.deepEqual(Array.from(t.dataSync()), [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4]);
    t.dispose();
  });

  it("batchNormFromPrimitives equals tf.batchNorm with batch moments, values and gradients", async () => {
    const primitive: Op = (x, s, o) => batchNormFromPrimitives(x, { scale: s as tf.Tensor1D, offset: o as tf.Tensor1D }).y;
    const stock: Op = (x, s, o) => {
      const m = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, m.mean, m.variance, o, s, 1e-3);
    };
    const args = [arg([2, 3, 3, 4], 30), arg([4], 31), arg([4], 32)];
    const a = await on("wasm", primitive, args);
    const b = await on("cpu", stock, args);
    a.forEach((v, i) => assertClose(v, b[i], 1e-3, `batchNormFromPrimitives ${i}`));
  });

  it("does not leak tensors on wasm", async () => {
    await useBackend("wasm");
    const before = tf.memory().numTensors;
    for (const c of cases) valueAndGrads(c.op, c.args);
    assert.equal(tf.memory().numTensors, before);
  });
});

/**
 * Kernel registry guard: the fixes call and replace stock wasm kernels of tfjs 4.22.0. If tfjs is upgraded
 * or a stock kernel's code changes, this fails so that someone re-checks every fix against the new code.
 */
describe("kernel registry guard", () => {
  it(`tfjs is pinned to ${PINNED_TFJS_VERSION}`, () => {
    assert.equal(tf.version_core, PINNED_TFJS_VERSION,
      `tfjs-core ${tf.version_core} is installed, the wasm kernel fixes in src/engine/kernels/ were written for ${PINNED_TFJS_VERSION}`);
    assert.equal(tf.version.tfjs, PINNED_TFJS_VERSION);
  });

  it("the stock wasm kernels the fixes replace or call are unchanged", () => {
    assert.deepEqual(stockFingerprints(), {
      BatchMatMul: "b9f17ee2",
      Conv2D: "610415df",
      Conv2DBackpropInput: "8b684e86",
      MaxPoolGrad: "01868115",
      Reverse: "b98f169d",
      Slice: "a2c8a35d",
      Tile: "80994128",
      Transpose: "1b6e803e",
      _FusedMatMul: "52fc2304",
    }, "a stock wasm kernel changed: re-check src/engine/kernels/ against it, then update these fingerprints");
  });

  it("the kernels the fixes add are still missing from stock wasm", () => {
    const added = WASM_KERNEL_FIXES.filter((f) => f.kind === "add").map((f) => f.kernelName);
    assert.deepEqual(added.sort(), [
      "Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "UnsortedSegmentSum",
    ]);
    // installWasmFixes skips an "add" fix when tfjs ships the kernel itself; none may be skipped on the pinned version.
    assert.deepEqual(installWasmFixes().skipped, []);
  });
});
