/**
 * The few Node globals the core touches at run time (process.cwd/pid/version for paths and provenance,
 * Buffer for checkpoints and hashes). Called explicitly at start-up: the package is marked free of side
 * effects, so a bare import would be dropped by the bundler. process.versions has no "node", so
 * TensorFlow.js still knows it is in a browser.
 */
import { Buffer } from "buffer";

export function installNodeGlobals(): void {
  const scope = globalThis as unknown as { process?: unknown; Buffer?: unknown };
  scope.Buffer ??= Buffer;
  scope.process ??= {
    cwd: () => "/",
    pid: 1,
    version: "browser",
    versions: {},
    platform: "browser",
    arch: "wasm",
    env: {},
    on: () => {},
    off: () => {},
    emit: () => {},
  };
}
