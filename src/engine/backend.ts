import * as tf from "./tf.js";
import { installWasmFixes, wasmFixesInstalled } from "./kernels/index.js";

/**
 * Which TensorFlow.js backend runs the math.
 * - "wasm" (default): XNNPACK with SIMD, measured fastest for training here.
 * - "cpu": pure JavaScript, always available, 4-30x slower.
 * - "tensorflow": @tensorflow/tfjs-node, used only if the user has installed it.
 * - "webgl": the GPU in a browser (the web app's choice when available); wasm where it cannot start.
 * - "auto": tensorflow when installed, else wasm, else cpu.
 * Importing distmatch loads no backend: useBackend() loads the one asked for (a peer dependency).
 */
export type BackendName = "wasm" | "cpu" | "tensorflow" | "webgl" | "auto";

export interface BackendInfo {
  readonly name: string;
  readonly requested: BackendName;
  readonly fellBack: boolean;
}

type BackendHook = (name: string) => void | Promise<void>;
const hooks: BackendHook[] = [];

/** Runs after a backend is set up by useBackend(). */
export function onBackendReady(hook: BackendHook): void {
  hooks.push(hook);
}

/**
 * Selects and initialises a backend; falls back to cpu when the requested one cannot start. On wasm it
 * also installs distmatch's kernel fixes (see installWasmFixes) and removes the process-wide
 * uncaughtException/unhandledRejection handlers that the wasm module adds in Node, which would make an
 * unrelated error anywhere in the program exit with code 7 (tensorflow/tfjs#5852).
 */
export async function useBackend(requested: BackendName = "wasm"): Promise<BackendInfo> {
  const order = await candidates(requested);
  for (const name of order) {
    if (tf.getBackend() === name) return finish(name, requested, order);
    try {
      if (!(await loadBackend(name))) continue;
      const started = await withoutNewProcessHandlers(async () => {
        if (!(await tf.setBackend(name))) return false;
        await tf.ready();
        return true;
      });
      if (started) return finish(name, requested, order);
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${order.join(", ")})`);
}

/** Installs the wasm kernel fixes when the active backend is wasm; does nothing otherwise. */
export function ensureWasmFixes(): void {
  if (tf.getBackend() === "wasm" && !wasmFixesInstalled()) installWasmFixes();
}

async function finish(name: string, requested: BackendName, order: string[]): Promise<BackendInfo> {
  ensureWasmFixes();
  for (const hook of hooks) await hook(name);
  return { name, requested, fellBack: name !== order[0] };
}

async function candidates(requested: BackendName): Promise<string[]> {
  if (requested === "cpu") return ["cpu"];
  if (requested === "wasm") return ["wasm", "cpu"];
  if (requested === "webgl") return ["webgl", "wasm", "cpu"];
  const hasNode = await loadBackend("tensorflow");
  if (requested === "tensorflow") {
    if (!hasNode) throw new Error(`backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed`);
    return ["tensorflow", "wasm", "cpu"];
  }
  return hasNode ? ["tensorflow", "wasm", "cpu"] : ["wasm", "cpu"];
}

/** Imports the package that registers backend `name`, unless it is registered already. */
async function loadBackend(name: string): Promise<boolean> {
  if (tf.findBackendFactory(name) !== null) return true;
  try {
    if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
    else if (name === "cpu") await import("@tensorflow/tfjs-backend-cpu");
    else if (name === "webgl") await import("@tensorflow/tfjs-backend-webgl");
    else if (name === "tensorflow") await importAtRunTime("@tensorflow/tfjs-node");
  } catch {
    return false;
  }
  return tf.findBackendFactory(name) !== null;
}

// A variable specifier: bundlers must not try to resolve the optional native backend.
const importAtRunTime = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

/** Runs `start` and removes the process error handlers it added, so the user's program keeps its own. */
async function withoutNewProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  if (typeof process === "undefined" || typeof process.listeners !== "function") return start();
  const uncaught = process.listeners("uncaughtException");
  const rejections = process.listeners("unhandledRejection");
  try {
    return await start();
  } finally {
    for (const l of process.listeners("uncaughtException")) if (!uncaught.includes(l)) process.removeListener("uncaughtException", l);
    for (const l of process.listeners("unhandledRejection")) if (!rejections.includes(l)) process.removeListener("unhandledRejection", l);
  }
}

export function currentBackend(): string {
  return tf.getBackend();
}
