/**
 * The few Node globals the core touches (process.cwd/pid/version for paths and provenance, Buffer for
 * checkpoints), set up before the core is imported. Imported first by the worker.
 */
import { Buffer } from "buffer";

const scope = globalThis as unknown as { process?: unknown; Buffer?: unknown };
scope.Buffer ??= Buffer;
scope.process ??= {
  cwd: () => "/",
  pid: 1,
  version: "browser",
  versions: {},
  platform: "browser",
  arch: typeof navigator === "undefined" ? "unknown" : navigator.userAgent.includes("x86_64") || navigator.userAgent.includes("x64") ? "x64" : "unknown",
  env: {},
  on: () => {},
  off: () => {},
  emit: () => {},
};
