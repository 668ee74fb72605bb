import * as tf from "../tf.js";

/** The parts of tfjs-backend-wasm's BackendWasm that the kernel fixes use (its class is not a public type). */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
  disposeData(dataId: object): boolean;
}

export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackend;
  attrs: tf.NamedAttrMap;
}

export type FixKernel = (args: KernelArgs) => tf.TensorInfo;

/** Stock wasm kernels captured before any fix replaces them, so fixes can compose them. */
const stockKernels = new Map<string, tf.KernelFunc>();

export function captureStock(name: string): void {
  if (stockKernels.has(name)) return;
  const config = tf.getKernel(name, "wasm");
  if (config) stockKernels.set(name, config.kernelFunc);
}

/** Runs a stock wasm kernel; the caller owns the returned tensor info (free it with release). */
export function runStock(name: string, args: KernelArgs): tf.TensorInfo {
  const kernel = stockKernels.get(name);
  if (!kernel) throw new Error(`distmatch wasm fixes: stock kernel ${name} was not captured`);
  const out = kernel(args as unknown as Parameters<tf.KernelFunc>[0]);
  if (Array.isArray(out)) throw new Error(`distmatch wasm fixes: stock kernel ${name} returned several tensors`);
  return out;
}

export function release(backend: WasmBackend, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Float32 view of a tensor on the wasm heap; take views only after the last makeOutput (the heap may grow). */
export function heapF32(backend: WasmBackend, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Source text of a captured stock kernel (the registry guard test fingerprints it). */
export function stockKernelSource(name: string): string | undefined {
  return stockKernels.get(name)?.toString();
}

/** FNV-1a hash, hex: a short fingerprint of a kernel's source. */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** A named kernel input; throws naming the kernel input when tfjs did not pass it. */
export function input(args: KernelArgs, name: string): tf.TensorInfo {
  const t = args.inputs[name];
  if (!t) throw new Error(`distmatch wasm fix: kernel input "${name}" is missing`);
  return t;
}
