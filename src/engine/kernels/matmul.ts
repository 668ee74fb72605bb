import type * as tf from "../tf.js";
import { input, type KernelArgs, release, runStock } from "./wasm_backend.js";

/**
 * The stock wasm matMul with transposeA/transposeB is 15-20x slower than the plain one (every dense
 * gradient uses it); materialising the transpose first keeps everything on the fast XNNPACK path.
 */
function transposeLastTwo(args: KernelArgs, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runStock("Transpose", { inputs: { x }, backend: args.backend, attrs: { perm } });
}

function withPlainOperands(kernelName: string, args: KernelArgs): tf.TensorInfo {
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  if (!transposeA && !transposeB) return runStock(kernelName, args);
  const a = input(args, "a");
  const b = input(args, "b");
  const plainA = transposeA ? transposeLastTwo(args, a) : a;
  const plainB = transposeB ? transposeLastTwo(args, b) : b;
  const out = runStock(kernelName, {
    inputs: { ...args.inputs, a: plainA, b: plainB },
    backend: args.backend,
    attrs: { ...args.attrs, transposeA: false, transposeB: false },
  });
  if (transposeA) release(args.backend, plainA);
  if (transposeB) release(args.backend, plainB);
  return out;
}

export function batchMatMulFixed(args: KernelArgs): tf.TensorInfo {
  return withPlainOperands("BatchMatMul", args);
}

export function fusedMatMulFixed(args: KernelArgs): tf.TensorInfo {
  return withPlainOperands("_FusedMatMul", args);
}
