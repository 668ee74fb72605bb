/**
 * `npm run bench`: every benchmark measures distmatch's real path (MultiTaskModel, buildObjective, the
 * trainer's step, train(), loadBackbone, the CLI study) and a reference in the same run: PyTorch
 * (bench/reference/steps.py, Debian's python3-torch and python3-torchvision from bench/setup.sh), the cpu
 * backend or the memory budget. Prints distmatch / reference / ratio and writes bench/results.json.
 * Without torch the reference columns stay empty and the run says so.
 * Fairness: each side runs --rounds times (default 3), interleaved, each run timed for at least 3 s after its
 * warm-up, with the 1-minute load average recorded before every run; the headline is PyTorch on 1 thread
 * (tfjs-wasm uses one core in Node), PyTorch on 2 threads is an extra, labelled row.
 * Options: --quick (data sizes 1k and 10k only, no 2-thread rows), --rounds=N, --sizes=1000,10000,...,
 * --scale-sizes=1000,...,1000000 (the scale benchmark: one epoch per process, time and peak memory),
 * --only=<mlp|cnn|data|tasks|backbone|study|scale|memory>[,..] (memory: peak RSS of CNN steps, both engines), --engine=torch (our side of the MLP and CNN step,
 * epoch, scale and study benchmarks on the optional native engine instead of TensorFlow.js).
 */
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../src/engine/backend.js";
import "../src/engine/fast.js";
import { wasmFixesInstalled } from "../src/engine/fast.js";
import {
  benchBackboneExtraction, benchCnnMemory, benchCnnStep, benchDataSize, benchDefaultStudy, benchMlpStep, benchScale, benchTaskCount,
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
  const loadAtStart = os.loadavg();
  const backend = await useBackend("wasm");
  const torch = findTorch();
  console.log(`distmatch: TensorFlow.js ${tf.version_core}, backend ${backend.name}, kernel fixes ${wasmFixesInstalled() ? "on" : "off"}`);
  console.log(torch
    ? `reference: PyTorch ${torch.version} (${torch.python}), BLAS ${torch.blas}, OPENBLAS_CORETYPE ${process.env.OPENBLAS_CORETYPE ?? "unset"}`
    : "reference: skipped, python3 with torch not found (run bench/setup.sh, or set DISTMATCH_PYTHON)");
  const results: BenchResult[] = [];
  const add = (r: BenchResult | BenchResult[] | null): void => {
    if (r === null) return;
    for (const one of Array.isArray(r) ? r : [r]) {
      // Other processes share the CPUs: each figure carries the 1-minute load average when it was taken
      // (interleaved figures also carry it per round, taken before each run).
      const withLoad = { ...one, load1: os.loadavg()[0] };
      results.push(withLoad);
      console.log(`  ${one.name}: ${one.distmatch?.toFixed(3) ?? "-"} vs ${one.reference?.toFixed(3) ?? "-"} ${one.unit} (load ${withLoad.load1.toFixed(2)})`);
    }
  };
  const rounds = Number(flag("rounds") ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${flag("rounds")}`);
  const engine = flag("engine") ?? "tfjs";
  if (engine !== "tfjs" && engine !== "torch") throw new Error(`--engine: expected tfjs or torch, got ${engine}`);
  const o = { rounds, threads: quick ? [1] : [1, 2], engine } as const;
  const sizes = flag("sizes")?.split(",").map(Number) ?? (quick ? [1000, 10000] : [1000, 10000, 100000]);
  if (wanted("mlp")) add(await benchMlpStep(o));
  if (wanted("cnn")) add(await benchCnnStep(o));
  if (wanted("data")) add(await benchDataSize(sizes, o));
  if (wanted("tasks")) add(await benchTaskCount([1, 2, 4], o));
  if (wanted("backbone")) add(await benchBackboneExtraction(o));
  if (wanted("study")) add(await benchDefaultStudy(o));
  const scaleSizes = flag("scale-sizes")?.split(",").map(Number) ?? (quick ? [1000, 10000] : [1000, 10000, 100000, 1000000]);
  if (wanted("scale")) add(benchScale(scaleSizes, engine));
  if (wanted("memory")) add(benchCnnMemory());
  console.log("");
  printTable(results);
  const file = path.join(BENCH_DIR, "results.json");
  writeJsonAtomic(file, {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "unknown", loadavgAtStart: loadAtStart, loadavgAtEnd: os.loadavg(), node: process.version },
    distmatch: { tfjs: tf.version_core, backend: backend.name, kernelFixes: wasmFixesInstalled(), engine },
    reference: torch ? { torch: torch.version, blas: torch.blas, python: torch.python, openblasCoretype: process.env.OPENBLAS_CORETYPE ?? null } : null,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    results,
  });
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
}

await main();
