/**
 * The fast path: the kernel fixes of ./kernels (missing gradients added, wrong or slow kernels replaced)
 * for the wasm backend. useBackend("wasm") and train() install them; importing changes nothing. Models
 * stay plain tf.layers models, so saved models still load in a browser with stock tfjs.
 */
export { installWasmFixes, wasmFixesInstalled, stockFingerprints, WASM_KERNEL_FIXES, PINNED_TFJS_VERSION } from "./kernels/index.js";
export type { InstallReport, WasmKernelFix } from "./kernels/index.js";
export { batchNormFromPrimitives, type BatchNormParams } from "./kernels/batchnorm.js";
export { ensureWasmFixes } from "./backend.js";

