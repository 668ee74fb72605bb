/** Starts the study worker, forwards its messages, and cancels by terminating it. */
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreaded from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import type { BackendChoice, StartStudy, ToPage, UploadedFile } from "./protocol.js";
import type { StudyConfigInput } from "../../src/study/config.js";

export const WASM_PATHS = {
  "tfjs-backend-wasm.wasm": absolute(wasmPlain),
  "tfjs-backend-wasm-simd.wasm": absolute(wasmSimd),
  "tfjs-backend-wasm-threaded-simd.wasm": absolute(wasmThreaded),
};

function absolute(url: string): string {
  return new URL(url, document.baseURI).href;
}

/**
 * webgl in a worker needs OffscreenCanvas with a WebGL context. A software renderer (SwiftShader,
 * llvmpipe: no GPU) trains several times slower than wasm (bench/README.md), so it does not count.
 */
export function webglAvailable(): boolean {
  try {
    if (typeof OffscreenCanvas === "undefined") return false;
    const gl = new OffscreenCanvas(1, 1).getContext("webgl2");
    if (!gl) return false;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : "";
    return !/swiftshader|llvmpipe|software/i.test(renderer);
  } catch {
    return false;
  }
}

export function resolveBackend(choice: "auto" | BackendChoice): BackendChoice {
  if (choice === "auto") return webglAvailable() ? "webgl" : "wasm";
  return choice;
}

export interface StudyHandle {
  cancel(): void;
}

export function startStudy(config: StudyConfigInput, files: readonly UploadedFile[], backend: BackendChoice, onMessage: (message: ToPage) => void): StudyHandle {
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module", name: "distmatch-study" });
  let finished = false;
  worker.addEventListener("message", (event: MessageEvent<ToPage>) => {
    if (event.data.type === "done" || event.data.type === "error") {
      finished = true;
      worker.terminate();
    }
    onMessage(event.data);
  });
  worker.addEventListener("error", (event) => {
    if (finished) return;
    finished = true;
    worker.terminate();
    onMessage({ type: "error", message: `the study worker failed: ${event.message}` });
  });
  const message: StartStudy = { type: "start", config, files, backend, wasmPaths: WASM_PATHS };
  worker.postMessage(message);
  return {
    cancel() {
      if (finished) return;
      finished = true;
      worker.terminate();
    },
  };
}
