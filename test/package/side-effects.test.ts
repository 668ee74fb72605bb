/**
 * Importing distmatch changes nothing global: no kernel registered or replaced, no backend registered
 * or chosen, no process handler added. useBackend("wasm") installs the kernel fixes, and leaves an
 * unrelated error in the user's program to Node's own handling (exit code 1, not tfjs-wasm's 7).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";

const root = path.resolve(import.meta.dirname, "../..");

interface Globals {
  _tfGlobals: Map<string, Map<string, { kernelFunc: unknown }>>;
}

function snapshot() {
  const registry = (globalThis as unknown as Globals)._tfGlobals.get("kernelRegistry") ?? new Map();
  return {
    kernels: [...registry.entries()].map(([key, value]) => [key, value.kernelFunc] as const),
    backends: Object.keys(tf.engine().registryFactory),
    backend: tf.getBackend(),
    uncaught: process.listeners("uncaughtException"),
    rejections: process.listeners("unhandledRejection"),
  };
}

test("importing distmatch and its subpaths registers no kernel or backend and adds no process handler", async () => {
  const before = snapshot();
  const core = await import("../../src/index.js");
  await import("../../src/entry/images.js");
  await import("../../src/entry/report.js");
  await import("../../src/entry/datasets.js");
  await import("../../src/entry/study.js");
  const after = snapshot();
  assert.equal(typeof core.distributionMatchingLoss, "function");
  assert.deepEqual(after.backends, before.backends);
  assert.equal(after.backend, before.backend);
  assert.equal(after.kernels.length, before.kernels.length);
  after.kernels.forEach(([key, func], i) => assert.ok(key === before.kernels[i][0] && func === before.kernels[i][1], `kernel ${key} changed`));
  assert.deepEqual(after.uncaught, before.uncaught);
  assert.deepEqual(after.rejections, before.rejections);
  assert.equal(core.wasmFixesInstalled(), false, "no wasm kernel fix before useBackend");
});

const run = (code: string) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: root }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

test('after useBackend("wasm"), the fixes are installed and a user error exits 1 (not 7) through the user\'s own handler', async () => {
  const index = JSON.stringify(path.join(root, "src/index.ts"));
  const uncaught = await run(`
    const { useBackend, wasmFixesInstalled } = await import(${index});
    const info = await useBackend("wasm");
    console.log(info.name, wasmFixesInstalled());
    setTimeout(() => { throw new Error("a bug in the user's program"); });
  `);
  assert.match(uncaught.stdout, /^wasm true$/m);
  assert.equal(uncaught.code, 1, uncaught.stderr);
  assert.match(uncaught.stderr, /a bug in the user's program/);

  const handled = await run(`
    process.on("uncaughtException", (err) => { console.log("handled:", err.message); process.exitCode = 3; });
    const { useBackend } = await import(${index});
    await useBackend("wasm");
    setTimeout(() => { throw new Error("boom"); });
  `);
  assert.match(handled.stdout, /handled: boom/);
  assert.equal(handled.code, 3, handled.stderr);

  const rejected = await run(`
    const { useBackend } = await import(${index});
    await useBackend("wasm");
    Promise.reject(new Error("an unhandled rejection"));
  `);
  assert.equal(rejected.code, 1, rejected.stderr);
});
