import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/**
 * Which TensorFlow.js backend runs the math.
 * - "wasm" (default): XNNPACK with SIMD, measured fastest for training here.
 * - "cpu": pure JavaScript, always available, 4-30x slower.
 * - "tensorflow": @tensorflow/tfjs-node, used only if the user has installed it.
 * - "webgl": the GPU in a browser (the web app's choice when available); wasm where it cannot start.
 * - "auto": tensorflow when installed, else wasm, else cpu.
 */
export type BackendName = "wasm" | "cpu" | "tensorflow" | "webgl" | "auto";

export interface BackendInfo {
  readonly name: string;
  readonly requested: BackendName;
  readonly fellBack: boolean;
}

type BackendHook = (name: string) => void | Promise<void>;
const hooks: BackendHook[] = [];

/** Runs after a backend is set up (used to register kernel fixes for it). */
export function onBackendReady(hook: BackendHook): void {
  hooks.push(hook);
}

/** Selects and initialises a backend; falls back to cpu when the requested one cannot start. */
export async function useBackend(requested: BackendName = "wasm"): Promise<BackendInfo> {
  const order = await candidates(requested);
  for (const name of order) {
    if (tf.getBackend() === name) return finish(name, requested, order);
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return finish(name, requested, order);
      }
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`no TensorFlow.js backend could start (tried ${order.join(", ")})`);
}

async function finish(name: string, requested: BackendName, order: string[]): Promise<BackendInfo> {
  for (const hook of hooks) await hook(name);
  return { name, requested, fellBack: name !== order[0] };
}

async function candidates(requested: BackendName): Promise<string[]> {
  if (requested === "cpu") return ["cpu"];
  if (requested === "wasm") return ["wasm", "cpu"];
  if (requested === "webgl") return ["webgl", "wasm", "cpu"];
  const hasNode = await loadNodeBackend();
  if (requested === "tensorflow") {
    if (!hasNode) throw new Error(`backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed`);
    return ["tensorflow", "wasm", "cpu"];
  }
  return hasNode ? ["tensorflow", "wasm", "cpu"] : ["wasm", "cpu"];
}

async function loadNodeBackend(): Promise<boolean> {
  const moduleName = "@tensorflow/tfjs-node";
  try {
    await import(moduleName);
    return tf.findBackend("tensorflow") !== null || tf.engine().registryFactory["tensorflow"] !== undefined;
  } catch {
    return false;
  }
}

export function currentBackend(): string {
  return tf.getBackend();
}
