import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { Objective } from "../src/coupling/index.js";
import type { BatchTargets } from "../src/data/batch.js";
import type { Source } from "../src/data/types.js";
import { Rng } from "../src/engine/random.js";
import { loadBackbone } from "../src/features/backbones.js";
import { decodeImage, type DecodedImage } from "../src/features/image.js";
import type { MultiTaskModel } from "../src/models/multitask.js";
import { fusedAdam } from "../src/train/fused-adam.js";
import { TorchEngine } from "../src/train/torch-engine.js";
import { train, type TrainEngine } from "../src/train/trainer.js";
import { BENCH_DIR, type BenchResult, findTorch, interleaved, MIN_SECONDS, perSecond, result, runReference } from "./harness.js";
import {
  accumulate, libraryCnn, libraryMlp, pairObjective, pairTasks, readMeans, syntheticSource, syntheticTargets, targetTensors, trainerStep,
} from "./models.js";

const require = createRequire(import.meta.url);

/*
 * Each benchmark measures distmatch's real path (MultiTaskModel, buildObjective, the trainer's step,
 * train() itself for whole epochs) and a reference measured in the same run.
 */

/** What a step benchmark needs: a library model and objective, one fixed batch, Adam and the dropout stream. */
interface StepRig {
  readonly model: MultiTaskModel;
  readonly objective: Objective;
  readonly optimizer: tf.Optimizer;
  readonly inputs: tf.Tensor;
  readonly targets: Record<string, BatchTargets>;
  readonly rng: Rng;
}

function mlpRig(pairs: number, batch = 256): StepRig {
  const tasks = pairTasks(pairs);
  return {
    model: libraryMlp(tasks),
    objective: pairObjective(tasks),
    optimizer: fusedAdam(1e-3),
    inputs: tf.randomNormal([batch, 512], 0, 1, "float32", 1),
    targets: syntheticTargets(tasks, batch, 10),
    rng: new Rng(3),
  };
}

function cnnRig(batch = 64): StepRig {
  const tasks = pairTasks(1);
  return {
    model: libraryCnn(tasks),
    objective: pairObjective(tasks),
    optimizer: fusedAdam(1e-3),
    inputs: tf.randomNormal([batch, 64, 64, 3], 0, 1, "float32", 2),
    targets: syntheticTargets(tasks, batch, 20),
    rng: new Rng(4),
  };
}

function disposeRig(rig: StepRig): void {
  rig.model.dispose();
  rig.objective.dispose();
  rig.optimizer.dispose();
  tf.dispose([rig.inputs, ...targetTensors(rig.targets)]);
}

/** Runs `steps` trainer steps and reads the term means once, as one epoch of train() does. */
async function runSteps(rig: StepRig, steps: number): Promise<void> {
  const variables = rig.model.trainableVariables;
  const sums = new Map<string, tf.Tensor>();
  for (let i = 0; i < steps; i++) accumulate(sums, trainerStep(rig.model, rig.objective, rig.optimizer, rig, rig.rng, variables));
  await readMeans(sums, steps);
}

/**
 * Training steps per second on a fixed batch: `warmup` untimed steps, then chunks of `chunk` steps (one
 * read-back each, like the reference) until MIN_SECONDS have passed.
 */
async function stepsPerSecond(makeRig: () => StepRig, chunk: number, warmup = 3): Promise<number> {
  const rig = makeRig();
  try {
    await runSteps(rig, warmup);
    return chunk * await perSecond(() => runSteps(rig, chunk), { warmup: 0 });
  } finally {
    disposeRig(rig);
  }
}

/**
 * The same step (MLP, batch 256, or CNN, batch 64) on the native engine (train()'s engine "torch" path): every step, the targets of 256
 * picks gathered in JavaScript and one engine call (input rows copied from the bound source, forward,
 * objective, backward, Adam).
 */
async function torchStepsPerSecond(kind: "mlp" | "cnn", pairs: number, chunk: number, warmup = 3): Promise<number> {
  const tasks = pairTasks(pairs);
  const model = kind === "mlp" ? libraryMlp(tasks) : libraryCnn(tasks);
  const objective = pairObjective(tasks);
  const optimizer = fusedAdam(1e-3);
  try {
    const engine = new TorchEngine({ model, objective, learningRate: 1e-3, weightDecay: 0 });
    engine.load(optimizer);
    const batch = kind === "mlp" ? 256 : 64;
    const shape = kind === "mlp" ? [512] : [64, 64, 3];
    const source = { ...syntheticSource(tasks, batch, shape.reduce((a, b) => a * b, 1), 10, "split"), inputShape: shape };
    engine.bindSources([source]);
    const picks = Array.from({ length: batch }, (_, row) => ({ source: 0, row }));
    let seed = 3;
    const steps = (n: number): void => {
      for (let i = 0; i < n; i++) engine.stepOnPicks(picks, seed++);
    };
    steps(warmup);
    return chunk * await perSecond(() => steps(chunk), { warmup: 0 });
  } finally {
    model.dispose();
    objective.dispose();
    optimizer.dispose();
  }
}

/** The step benchmarks' measurement of our side, on the engine asked for. */
function oursSteps(o: RoundOptions, pairs: number, chunk: number): () => Promise<number> {
  return o.engine === "torch" ? () => torchStepsPerSecond("mlp", pairs, chunk) : () => stepsPerSecond(() => mlpRig(pairs), chunk);
}

const LOSS = "supervised + DM + SCA (product), lambdas 1, Adam 1e-3";

/** Options shared by the interleaved benchmarks: rounds, the reference's thread counts (1 first), and what trains on our side. */
export interface RoundOptions {
  readonly rounds: number;
  readonly threads: readonly number[];
  /** "tfjs" (default): TensorFlow.js on wasm; "torch": the optional native engine (MLP and CNN step, epoch and scale benchmarks). */
  readonly engine?: TrainEngine;
}

const engineLabel = (o: RoundOptions): string => (o.engine === "torch" ? ", engine torch" : "");

export async function benchMlpStep(o: RoundOptions): Promise<BenchResult[]> {
  const chunk = 10;
  return interleaved({
    name: `MLP step 512-256-(7,12), batch 256${engineLabel(o)}`, unit: "steps/s", goal: 1.0, rounds: o.rounds, threads: o.threads,
    note: `MultiTaskModel (ReLU, dropout 0.2) + buildObjective (${LOSS}), the trainer's step`,
    ours: oursSteps(o, 1, chunk),
    reference: (threads) => runReference("mlp", { chunk, threads, seconds: MIN_SECONDS }),
  });
}

export async function benchCnnStep(o: RoundOptions): Promise<BenchResult[]> {
  const chunk = 2;
  return interleaved({
    name: `CNN step buildSmallCnn 64x64x3, batch 64${engineLabel(o)}`, unit: "steps/s", goal: 0.5, rounds: o.rounds, threads: o.threads,
    note: `buildSmallCnn [16,32,64] (conv3x3 + BN + ReLU + maxpool, GAP) as MultiTaskModel backbone, heads 7 and 12, ${LOSS}`,
    ours: o.engine === "torch" ? () => torchStepsPerSecond("cnn", 1, chunk, 2) : () => stepsPerSecond(() => cnnRig(), chunk, 2),
    reference: (threads) => runReference("cnn", { chunk, threads, seconds: MIN_SECONDS }),
  });
}

export async function benchTaskCount(pairCounts: readonly number[], o: RoundOptions): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const pairs of pairCounts) {
    out.push(...await interleaved({
      name: `MLP step, ${2 * pairs} tasks (${pairs} coupled pairs)${engineLabel(o)}`, unit: "steps/s", rounds: o.rounds, threads: o.threads.slice(0, 1),
      ours: oursSteps(o, pairs, 10),
      reference: (threads) => runReference("tasks", { pairs, threads, chunk: 10, seconds: MIN_SECONDS }),
    }));
  }
  return out;
}

/** Seconds of one epoch of train() (batch 256, one synthetic source, no validation) over `samples` rows. */
async function trainEpochSeconds(source: Source, stepsPerEpoch?: number, engine: TrainEngine = "tfjs"): Promise<number> {
  const tasks = pairTasks(1);
  const model = libraryMlp(tasks);
  const objective = pairObjective(tasks);
  try {
    const start = performance.now();
    await train({ model, sources: [source], objective, options: { epochs: 1, batchSize: 256, learningRate: 1e-3, patience: 0, seed: 5, stepsPerEpoch, engine } });
    return (performance.now() - start) / 1000;
  } finally {
    model.dispose();
    objective.dispose();
  }
}

/** Mean seconds per epoch over as many epochs as fit in MIN_SECONDS (at least one). */
async function meanEpochSeconds(source: Source, engine: TrainEngine = "tfjs"): Promise<number> {
  let total = 0;
  let epochs = 0;
  while (epochs === 0 || total < MIN_SECONDS) {
    total += await trainEpochSeconds(source, undefined, engine);
    epochs++;
  }
  return total / epochs;
}

/**
 * One epoch of train() over synthetic tables of each size, reported as microseconds per sample so linear
 * growth shows as a flat column. Reference: the same epoch loop in PyTorch (shuffle, gather, step), 1 thread.
 */
export async function benchDataSize(sizes: readonly number[], o: RoundOptions): Promise<BenchResult[]> {
  const tasks = pairTasks(1);
  await trainEpochSeconds(syntheticSource(tasks, 512, 512, 512, "random"), 2, o.engine); // warm-up: kernels and code paths
  const out: BenchResult[] = [];
  for (const samples of sizes) {
    const source = syntheticSource(tasks, samples, 512, samples, "random");
    const toMicros = (seconds: number): number => (seconds / samples) * 1e6;
    out.push(...await interleaved({
      name: `MLP epoch via train(), ${samples} samples${engineLabel(o)}`, unit: "us/sample", higherIsBetter: false, rounds: o.rounds, threads: o.threads.slice(0, 1),
      ours: async () => toMicros(await meanEpochSeconds(source, o.engine)),
      reference: (threads) => {
        const seconds = runReference("epoch", { samples, threads, seconds: MIN_SECONDS });
        return seconds === null ? null : toMicros(seconds);
      },
    }));
  }
  return out;
}

/** A command under GNU time: its stdout and peak resident memory in MB (null without /usr/bin/time). */
function withPeakMemory(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; peakMB: number | null } {
  const gnuTime = existsSync("/usr/bin/time");
  const child = gnuTime
    ? spawnSync("/usr/bin/time", ["-f", "MAXRSS %M", command, ...args], { encoding: "utf8", maxBuffer: 64 << 20, env })
    : spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 << 20, env });
  if (child.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  const rss = /MAXRSS (\d+)/.exec(child.stderr);
  return { stdout: child.stdout, peakMB: rss ? Number(rss[1]) / 1024 : null };
}

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as T;
}

/**
 * Scale: one epoch over N synthetic rows (512 features) per process, distmatch and PyTorch (1 thread)
 * interleaved, for each size: seconds per epoch and the process's peak resident memory. The rows live
 * in memory (2 GB of float32 at 1M rows on each side); the goal is a 1M-row table within 4 GB.
 */
export function benchScale(sizes: readonly number[], engine: TrainEngine = "tfjs"): BenchResult[] {
  const torch = findTorch();
  const out: BenchResult[] = [];
  for (const samples of sizes) {
    const loadOurs = os.loadavg()[0];
    const ours = withPeakMemory(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "epoch-child.ts"), String(samples), engine]);
    const oursSeconds = lastJson<{ seconds: number }>(ours.stdout).seconds;
    const loadRef = os.loadavg()[0];
    const ref = torch
      ? withPeakMemory(torch.python, [path.join(BENCH_DIR, "reference", "steps.py"), "epoch", `--samples=${samples}`, "--seconds=0"], { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" })
      : null;
    const refSeconds = ref ? lastJson<{ value: number }>(ref.stdout).value : null;
    console.log(`    scale ${samples} rows: distmatch ${oursSeconds.toFixed(1)} s, ${ours.peakMB?.toFixed(0) ?? "-"} MB (load ${loadOurs.toFixed(2)}); PyTorch ${refSeconds?.toFixed(1) ?? "-"} s, ${ref?.peakMB?.toFixed(0) ?? "-"} MB (load ${loadRef.toFixed(2)})`);
    const label = engine === "torch" ? ", engine torch" : "";
    out.push(result(`epoch over ${samples} rows, one process${label}`, "s", oursSeconds, refSeconds, { higherIsBetter: false, note: `load ${loadOurs.toFixed(1)}/${loadRef.toFixed(1)}` }));
    out.push(result(`peak memory, epoch over ${samples} rows${label}`, "MB", ours.peakMB, ref?.peakMB ?? null, { higherIsBetter: false, note: "GNU time's maximum resident set size of each process" }));
    if (samples >= 1_000_000) out.push(result(`peak memory, epoch over ${samples} rows, against the 4 GB budget`, "MB", ours.peakMB, 4096, { higherIsBetter: false, goal: 1 }));
  }
  return out;
}

/**
 * Peak resident memory of ten CNN training steps in their own process (`bench/step-child.ts`) on each
 * engine, against the same steps in PyTorch (1 thread): the "CNN step's peak memory" figure.
 */
export function benchCnnMemory(): BenchResult[] {
  const torch = findTorch();
  const ref = torch
    ? withPeakMemory(torch.python, [path.join(BENCH_DIR, "reference", "steps.py"), "cnn", "--seconds=0", "--chunk=10"], { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" })
    : null;
  const out: BenchResult[] = [];
  for (const engine of ["tfjs", "torch"] as const) {
    const load = os.loadavg()[0];
    const ours = withPeakMemory(process.execPath, ["--import", "tsx", path.join(BENCH_DIR, "step-child.ts"), engine]);
    console.log(`    CNN step memory, engine ${engine}: ${ours.peakMB?.toFixed(0) ?? "-"} MB; PyTorch ${ref?.peakMB?.toFixed(0) ?? "-"} MB (load ${load.toFixed(2)})`);
    out.push(result(`peak memory, 10 CNN steps (buildSmallCnn 64x64x3, batch 64), engine ${engine}`, "MB", ours.peakMB, ref?.peakMB ?? null, { higherIsBetter: false, note: "GNU time's maximum resident set size of each process" }));
  }
  return out;
}

function emojiFiles(count: number): string[] {
  const dir = path.join(path.dirname(require.resolve("emoji-datasource-twitter/package.json")), "img", "twitter", "64");
  return readdirSync(dir).filter((f) => f.endsWith(".png")).sort().slice(0, count).map((f) => path.join(dir, f));
}

/** Images per second of the backbone's extract() (decoding excluded, one warm-up batch, passes over all images for MIN_SECONDS). */
async function extractionRate(decoded: readonly DecodedImage[], inputSize: number): Promise<number> {
  const bb = await loadBackbone("mobilenetv2", { inputSize });
  try {
    await bb.extract(decoded.slice(0, 16));
    return decoded.length * await perSecond(async () => { await bb.extract(decoded); }, { warmup: 0 });
  } finally {
    bb.dispose();
  }
}

/** Writes the decoded images as raw float32 [n, size, size, 3] for the PyTorch reference. */
function writePixels(decoded: readonly DecodedImage[], size: number): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "distmatch-bench-pixels-")), "pixels.f32");
  const all = new Float32Array(decoded.length * size * size * 3);
  decoded.forEach((img, i) => all.set(img.data, i * size * size * 3));
  writeFileSync(file, Buffer.from(all.buffer));
  return file;
}

/**
 * MobileNetV2 feature extraction (loadBackbone("mobilenetv2"), 224 px, batches of 16) on real emoji PNGs.
 * Reference: torchvision's mobilenet_v2 (random weights, nothing downloaded) features + global average pool
 * on the same pixels.
 */
export async function benchBackboneExtraction(o: RoundOptions, images = 64, inputSize = 224): Promise<BenchResult[]> {
  const files = emojiFiles(images);
  const decoded = await Promise.all(files.map((f) => decodeImage(f, { size: inputSize, channels: 3, fit: "fill" })));
  const pixels = writePixels(decoded, inputSize);
  try {
    return await interleaved({
      name: `MobileNetV2 features at ${inputSize} px, ${decoded.length} emoji PNGs`, unit: "images/s", rounds: o.rounds, threads: o.threads,
      note: `reference: torchvision mobilenet_v2(weights=None).features + mean pool, NCHW, batch 16, no_grad, same ${decoded.length} images`,
      ours: () => extractionRate(decoded, inputSize),
      reference: (threads) => runReference("backbone", { pixels, images: decoded.length, size: inputSize, batch: 16, threads }),
    });
  } finally {
    rmSync(path.dirname(pixels), { recursive: true, force: true });
  }
}

/** Wall time and peak RSS of a child process running the CLI study (GNU time when present, else wall time only). */
function timedStudy(args: readonly string[]): { seconds: number; peakMB: number | null } {
  const out = mkdtempSync(path.join(os.tmpdir(), "distmatch-bench-study-"));
  const cli = ["--import", "tsx", "src/cli/main.ts", "study", "--dataset", "soybean", "--out", out, "-q", "--no-report", ...args];
  const gnuTime = existsSync("/usr/bin/time");
  const start = performance.now();
  const child = gnuTime
    ? spawnSync("/usr/bin/time", ["-f", "MAXRSS %M", process.execPath, ...cli], { encoding: "utf8", maxBuffer: 64 << 20 })
    : spawnSync(process.execPath, cli, { encoding: "utf8", maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(`study ${args.join(" ")} failed (exit ${child.status}): ${child.stderr.slice(-2000)}`);
  const rss = /MAXRSS (\d+)/.exec(child.stderr);
  return { seconds, peakMB: rss ? Number(rss[1]) / 1024 : null };
}

/**
 * The default study (`distmatch study --dataset soybean`, fresh output directory, nothing cached) as a
 * child process, `--jobs 2` against `--jobs 1`, interleaved; and the sequential study's peak RSS
 * against the 1.5 GB budget.
 */
export async function benchDefaultStudy(o: RoundOptions): Promise<BenchResult[]> {
  let peakMB: number | null = null;
  const engine = o.engine === "torch" ? ["--engine", "torch"] : [];
  const rows = await interleaved({
    name: `default study (soybean) wall time, --jobs 2 vs --jobs 1${engineLabel(o)}`, unit: "s", higherIsBetter: false, goal: 1.67, rounds: o.rounds, threads: [1],
    referenceLabel: "--jobs 1", note: "distmatch column: --jobs 2; reference column: --jobs 1 (the same study, sequential)",
    ours: () => Promise.resolve(timedStudy(["--jobs", "2", ...engine]).seconds),
    reference: () => {
      const sequential = timedStudy(["--jobs", "1", ...engine]);
      peakMB = Math.max(peakMB ?? 0, sequential.peakMB ?? 0) || null;
      return sequential.seconds;
    },
  });
  const results: BenchResult[] = [...rows];
  if (peakMB !== null) {
    results.push(result(`default study peak RSS (--jobs 1)${engineLabel(o)}`, "MB", peakMB, 1536, {
      higherIsBetter: false, goal: 1, note: "reference: the 1.5 GB budget (1536 MB); GNU time's maximum resident set size of the child",
    }));
  }
  return results;
}
