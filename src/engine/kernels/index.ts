import * as tf from "../tf.js";
import { conv2DBackpropFilterFixed, conv2DBackpropInputFixed } from "./conv.js";
import { depthwiseBackpropFilterFixed, depthwiseBackpropInputFixed } from "./depthwise.js";
import { batchMatMulFixed, fusedMatMulFixed } from "./matmul.js";
import { maxPoolGradFixed } from "./pool.js";
import { unsortedSegmentSumFixed } from "./segment.js";
import { tileFixed } from "./tile.js";
import { captureStock, fingerprint, type FixKernel, stockKernelSource } from "./wasm_backend.js";

/** The tfjs version these fixes were written and tested for; test/engine/kernels.test.ts guards it. */
export const PINNED_TFJS_VERSION = "4.22.0";

export interface WasmKernelFix {
  readonly kernelName: string;
  /** "replace": the stock wasm kernel exists but is wrong or slow; "add": the wasm backend lacks it. */
  readonly kind: "replace" | "add";
  readonly why: string;
  readonly kernelFunc: FixKernel;
}

export const WASM_KERNEL_FIXES: readonly WasmKernelFix[] = [
  { kernelName: "Conv2DBackpropFilter", kind: "add", why: "missing: no conv weight could train", kernelFunc: conv2DBackpropFilterFixed },
  { kernelName: "Conv2DBackpropInput", kind: "replace", why: "plain loop; stride 1 now runs as an XNNPACK conv", kernelFunc: conv2DBackpropInputFixed },
  { kernelName: "DepthwiseConv2dNativeBackpropFilter", kind: "add", why: "missing", kernelFunc: depthwiseBackpropFilterFixed },
  { kernelName: "DepthwiseConv2dNativeBackpropInput", kind: "add", why: "missing", kernelFunc: depthwiseBackpropInputFixed },
  { kernelName: "UnsortedSegmentSum", kind: "add", why: "missing: gradient of gather", kernelFunc: unsortedSegmentSumFixed },
  { kernelName: "MaxPoolGrad", kind: "replace", why: "wrong for all-negative windows", kernelFunc: maxPoolGradFixed },
  { kernelName: "BatchMatMul", kind: "replace", why: "transposeA/B 15-20x slower", kernelFunc: batchMatMulFixed },
  { kernelName: "_FusedMatMul", kind: "replace", why: "transposeA/B 15-20x slower", kernelFunc: fusedMatMulFixed },
  { kernelName: "Tile", kind: "replace", why: "per-element index math, ~100x slower than block copies", kernelFunc: tileFixed },
];

/** Stock kernels the fixes call (captured before anything is replaced). */
export const STOCK_KERNELS_USED = [
  "Transpose", "BatchMatMul", "_FusedMatMul", "Conv2D", "Conv2DBackpropInput", "Reverse", "Slice", "Tile",
] as const;

const installedFuncs = new Set<tf.KernelFunc>();

export interface InstallReport {
  readonly installed: string[];
  /** "add" fixes skipped because this tfjs version ships the kernel itself. */
  readonly skipped: string[];
}

/** Registers the kernel fixes for the wasm backend in tfjs's kernel registry. Idempotent. */
export function installWasmFixes(): InstallReport {
  for (const name of STOCK_KERNELS_USED) captureStock(name);
  for (const fix of WASM_KERNEL_FIXES) if (fix.kind === "replace") captureStock(fix.kernelName);
  const installed: string[] = [];
  const skipped: string[] = [];
  for (const fix of WASM_KERNEL_FIXES) {
    const current = tf.getKernel(fix.kernelName, "wasm");
    if (current && installedFuncs.has(current.kernelFunc)) { installed.push(fix.kernelName); continue; }
    if (current && fix.kind === "add") { skipped.push(fix.kernelName); continue; }
    if (current) tf.unregisterKernel(fix.kernelName, "wasm");
    const kernelFunc = fix.kernelFunc as unknown as tf.KernelFunc;
    // Keep the stock setupFunc: it binds the wasm function the fix may still call, when the backend starts later.
    tf.registerKernel({ kernelName: fix.kernelName, backendName: "wasm", kernelFunc, setupFunc: current?.setupFunc });
    installedFuncs.add(kernelFunc);
    installed.push(fix.kernelName);
  }
  return { installed, skipped };
}

export function wasmFixesInstalled(): boolean {
  return WASM_KERNEL_FIXES.every((fix) => {
    const current = tf.getKernel(fix.kernelName, "wasm");
    return current !== undefined && installedFuncs.has(current.kernelFunc);
  });
}

/** Fingerprints of the stock wasm kernels the fixes replace or call, for the registry guard test. */
export function stockFingerprints(): Record<string, string | undefined> {
  installWasmFixes();
  const names = new Set<string>([...STOCK_KERNELS_USED, ...WASM_KERNEL_FIXES.filter((f) => f.kind === "replace").map((f) => f.kernelName)]);
  const out: Record<string, string | undefined> = {};
  for (const name of [...names].sort()) {
    const source = stockKernelSource(name);
    out[name] = source === undefined ? undefined : fingerprint(source);
  }
  return out;
}
