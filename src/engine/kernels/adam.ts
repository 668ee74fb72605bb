import { ADAM_WASM_BASE64 } from "./wasm/adam_wasm.js";

/** The scalars of one Adam step, each already a float32 as tfjs's scalar tensors hold them. */
export interface AdamConstants {
  readonly beta1: number;
  readonly oneMinusBeta1: number;
  readonly beta2: number;
  readonly oneMinusBeta2: number;
  readonly oneMinusAccBeta1: number;
  readonly oneMinusAccBeta2: number;
  readonly epsilon: number;
  readonly negLearningRate: number;
}

export interface AdamResult {
  readonly w: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/**
 * One Adam step over flat arrays, op for op as tfjs's AdamOptimizer computes it:
 * m' = m β1 + g (1-β1); v' = v β2 + g² (1-β2); w' = (m'/(1-β1ᵗ)) / (sqrt(v'/(1-β2ᵗ)) + ε) · (-lr) + w.
 * Runs the SIMD kernel of ./wasm/adam.c when WebAssembly SIMD is available, else the same arithmetic in
 * JavaScript (Math.fround after each operation); both are bit-identical to tfjs. Returns new arrays.
 */
export function adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamConstants): AdamResult {
  const kernel = simdKernel();
  return kernel ? kernel.run(w, g, m, v, c) : adamStepJs(w, g, m, v, c);
}

/** The JavaScript version: the fallback, and the reference the kernel is tested against. */
export function adamStepJs(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamConstants): AdamResult {
  const f = Math.fround;
  const n = w.length;
  const out = { w: new Float32Array(n), m: new Float32Array(n), v: new Float32Array(n) };
  for (let j = 0; j < n; j++) {
    const gj = g[j];
    const mj = f(f(m[j] * c.beta1) + f(gj * c.oneMinusBeta1));
    const vj = f(f(v[j] * c.beta2) + f(f(gj * gj) * c.oneMinusBeta2));
    const stepSize = f(f(mj / c.oneMinusAccBeta1) / f(f(Math.sqrt(f(vj / c.oneMinusAccBeta2))) + c.epsilon));
    out.w[j] = f(stepSize * c.negLearningRate) + w[j];
    out.m[j] = mj;
    out.v[j] = vj;
  }
  return out;
}

interface SimdKernel {
  run(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c: AdamConstants): AdamResult;
}

let kernel: SimdKernel | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is missing (then adamStep uses JavaScript). */
export function simdKernel(): SimdKernel | null {
  if (kernel !== undefined) return kernel;
  try {
    // atob, not Buffer: the core also runs in a browser.
    const bytes = Uint8Array.from(atob(ADAM_WASM_BASE64), (ch) => ch.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    kernel = wrap(instance);
  } catch {
    kernel = null;
  }
  return kernel;
}

function wrap(instance: WebAssembly.Instance): SimdKernel {
  const exports = instance.exports as { memory: WebAssembly.Memory; adam: (...args: number[]) => void; __heap_base: WebAssembly.Global };
  const base = (Number(exports.__heap_base.value) + 15) & ~15;
  const CONSTANTS_BYTES = 32;
  return {
    run(w, g, m, v, c) {
      const n = w.length;
      const bytes = 4 * n;
      const stride = (bytes + 15) & ~15;
      const [pw, pg, pm, pv, pc] = [0, 1, 2, 3, 4].map((i) => base + i * stride);
      const needed = pc + CONSTANTS_BYTES;
      const memory = exports.memory;
      if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
      const heap = new Float32Array(memory.buffer);
      heap.set(w, pw >> 2);
      heap.set(g, pg >> 2);
      heap.set(m, pm >> 2);
      heap.set(v, pv >> 2);
      heap.set([c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2, c.oneMinusAccBeta1, c.oneMinusAccBeta2, c.epsilon, c.negLearningRate], pc >> 2);
      exports.adam(pw, pg, pm, pv, n, pc);
      return { w: heap.slice(pw >> 2, (pw >> 2) + n), m: heap.slice(pm >> 2, (pm >> 2) + n), v: heap.slice(pv >> 2, (pv >> 2) + n) };
    },
  };
}
