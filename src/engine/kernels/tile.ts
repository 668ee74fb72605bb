import type * as tf from "../tf.js";
import { input, type KernelArgs, runStock } from "./wasm_backend.js";

/**
 * Tile by block copies: fill the first replica of each dimension, then copy that block reps-1 times.
 * The stock wasm kernel computes every output index separately and is ~100x slower; batch-norm gradients use Tile.
 */
export function tileFixed(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = input(args, "x");
  if (x.dtype === "string") return runStock("Tile", args);
  const reps = (args.attrs as { reps: number[] }).reps;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const outInfo = backend.makeOutput(outShape, x.dtype);
  if (outShape.some((d) => d === 0)) return outInfo;
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(outInfo);
  copyTiled(src, dst, x.shape, reps);
  return outInfo;
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

export function copyTiled(src: tf.TypedArray, dst: tf.TypedArray, shape: readonly number[], reps: readonly number[]): void {
  const rank = shape.length;
  if (rank === 0) { dst[0] = src[0]; return; }
  const inStrides = stridesOf(shape);
  const outStrides = stridesOf(shape.map((d, i) => d * reps[i]));
  const fill = (dim: number, srcAt: number, dstAt: number): void => {
    const n = shape[dim];
    if (dim === rank - 1) {
      (dst as Float32Array).set((src as Float32Array).subarray(srcAt, srcAt + n), dstAt);
    } else {
      for (let i = 0; i < n; i++) fill(dim + 1, srcAt + i * inStrides[dim], dstAt + i * outStrides[dim]);
    }
    const block = n * outStrides[dim];
    for (let r = 1; r < reps[dim]; r++) dst.copyWithin(dstAt + r * block, dstAt, dstAt + block);
  };
  fill(0, 0, 0);
}
