/**
 * `npm run bench`: every benchmark measures distmatch and its PyTorch reference (bench/reference/steps.py,
 * Debian's python3-torch from bench/setup.sh) in the same run, prints distmatch / reference / ratio and writes
 * bench/results.json. Without torch the reference columns stay empty and the run says so.
 * Options: --quick (fewer steps, data sizes 1k and 10k only), --only=<mlp|cnn|data|tasks|backbone|study>[,..].
 */
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../src/engine/backend.js";
import "../src/engine/fast.js";
import { wasmFixesInstalled } from "../src/engine/fast.js";
import {
  benchBackboneExtraction, benchCnnStep, benchLibraryMlpStep, benchDataSize, benchDefaultStudy, benchMlpStep, benchTaskCount,
} from "./benchmarks.js";
import { BENCH_DIR, type BenchResult, findTorch, printTable, writeJsonAtomic } from "./harness.js";

function flag(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : (hit.split("=")[1] ?? "");
}

async function main(): Promise<void> {
  const quick = flag("quick") !== undefined;
  const only = flag("only")?.split(",");
  const wanted = (name: string): boolean => !only || only.includes(name);
  const backend = await useBackend("wasm");
  const torch = findTorch();
  console.log(`distmatch: TensorFlow.js ${tf.version_core}, backend ${backend.name}, kernel fixes ${wasmFixesInstalled() ? "on" : "off"}`);
  console.log(torch
    ? `reference: PyTorch ${torch.version} (${torch.python}), ${torch.threads} threads`
    : "reference: skipped, python3 with torch not found (run bench/setup.sh, or set DISTMATCH_PYTHON)");
  const results: BenchResult[] = [];
  const add = (r: BenchResult | BenchResult[] | null): void => {
    if (r === null) return;
    for (const one of Array.isArray(r) ? r : [r]) {
      results.push(one);
      console.log(`  ${one.name}: ${one.distmatch?.toFixed(3) ?? "-"} vs ${one.reference?.toFixed(3) ?? "-"} ${one.unit}`);
    }
  };
  if (wanted("mlp")) add(await benchMlpStep(quick ? 15 : 40));
  if (wanted("mlp")) add(await benchLibraryMlpStep(quick ? 15 : 40));
  if (wanted("cnn")) add(await benchCnnStep(quick ? 3 : 6));
  if (wanted("data")) add(await benchDataSize(quick ? [1000, 10000] : [1000, 10000, 100000]));
  if (wanted("tasks")) add(await benchTaskCount([1, 2, 4], quick ? 8 : 20));
  if (wanted("backbone")) add(await benchBackboneExtraction());
  if (wanted("study")) add(await benchDefaultStudy());
  console.log("");
  printTable(results);
  const file = path.join(BENCH_DIR, "results.json");
  writeJsonAtomic(file, {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", loadavg: os.loadavg(), node: process.version },
    distmatch: { tfjs: tf.version_core, backend: backend.name, kernelFixes: wasmFixesInstalled() },
    reference: torch ? { torch: torch.version, threads: torch.threads, python: torch.python } : null,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    results,
  });
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

await main();
