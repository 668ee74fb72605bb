/**
 * The fast path: importing this module makes every wasm backend set up through useBackend() run with the
 * kernel fixes of ./kernels (missing gradients added, wrong or slow kernels replaced). Models stay plain
 * tf.layers models, so saved models still load in a browser with stock tfjs.
 */
import { onBackendReady } from "./backend.js";
import { installWasmFixes } from "./kernels/index.js";

export { installWasmFixes, wasmFixesInstalled, stockFingerprints, WASM_KERNEL_FIXES, PINNED_TFJS_VERSION } from "./kernels/index.js";
export type { InstallReport, WasmKernelFix } from "./kernels/index.js";
export { batchNormFromPrimitives, type BatchNormParams } from "./kernels/batchnorm.js";

let hookRegistered = false;

/** Registers the wasm fixes as a backend-ready hook; safe to call more than once. */
export function enableFastPath(): void {
  if (hookRegistered) return;
  hookRegistered = true;
  onBackendReady((name) => {
    if (name === "wasm") installWasmFixes();
  });
}

// Registering kernels needs no running backend, so install now too: the fixes hold from the first op.
installWasmFixes();
enableFastPath();
