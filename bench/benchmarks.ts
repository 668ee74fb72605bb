import * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { useBackend } from "../src/engine/backend.js";
import { buildObjective } from "../src/coupling/index.js";
import { MultiTaskModel } from "../src/models/multitask.js";
import { multiClassTask, multiLabelTask } from "../src/tasks/types.js";
import { loadBackbone } from "../src/features/backbones.js";
import { decodeImage } from "../src/features/image.js";
import { type BenchResult, perSecond, result, runReference } from "./harness.js";
import {
  buildCnn, buildMlp, multiPairLoss, type PairBatch, pairLoss, pairTensors, syntheticPairBatch, syntheticRelatedness, trainStep,
} from "./models.js";

const require = createRequire(import.meta.url);

/* Each benchmark measures distmatch (TensorFlow.js, current backend) and the PyTorch reference in the same run. */

async function measure<T>(setup: () => T, run: (state: T) => Promise<number>, teardown: (state: T) => void): Promise<number> {
  const state = setup();
  try {
    return await run(state);
  } finally {
    teardown(state);
  }
}

/** Model, optimiser and fixed synthetic inputs of a step benchmark (the CNN uses it too). */
interface MlpState {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  x: tf.Tensor;
  pairs: ReturnType<typeof pairTensors>[];
  batches: PairBatch[];
}

function mlpSetup(pairCount: number): MlpState {
  const pairs = Array.from({ length: pairCount }, () => pairTensors(7, 12));
  return {
    model: buildMlp(512, 256, pairs.flatMap(() => [7, 12])),
    optimizer: tf.train.adam(1e-3),
    x: tf.randomNormal([256, 512], 0, 1, "float32", 1),
    pairs,
    batches: pairs.map((_, i) => syntheticPairBatch(256, 7, 12, 10 + i)),
  };
}

function disposeState(state: MlpState): void {
  state.model.dispose();
  state.optimizer.dispose();
  tf.dispose([state.x, ...state.pairs.flatMap((p) => [p.r, p.rT, p.neutral]), ...state.batches.flatMap(batchTensors)]);
}

function batchTensors(b: PairBatch): tf.Tensor[] {
  return [b.oneHotA, b.maskA, b.valuesB, b.maskB];
}

export async function benchMlpStep(steps = 40): Promise<BenchResult> {
  const ours = await measure(() => mlpSetup(1), (s) =>
    perSecond(() => { trainStep(s.model, s.optimizer, s.x, (out) => multiPairLoss(out, s.batches, s.pairs, true)); }, steps), disposeState);
  const reference = runReference("mlp", { steps });
  return result("MLP step 512-256-(7,12), batch 256, coupling losses", "steps/s", ours, reference, { goal: 1.0 });
}

export async function benchCnnStep(steps = 6): Promise<BenchResult> {
  const ours = await measure((): MlpState => ({
    model: buildCnn(64, [16, 32, 64], [7, 12]),
    optimizer: tf.train.adam(1e-3),
    x: tf.randomNormal([64, 64, 64, 3], 0, 1, "float32", 2),
    pairs: [pairTensors(7, 12)],
    batches: [syntheticPairBatch(64, 7, 12, 20)],
  }), (s) => perSecond(() => {
    trainStep(s.model, s.optimizer, s.x, (out) => pairLoss(out[0], out[1], s.batches[0], s.pairs[0], true));
  }, steps, 2), disposeState);
  const reference = runReference("cnn", { steps });
  return result("CNN step 3x(conv3x3+BN+pool) 64x64x3, batch 64", "steps/s", ours, reference, { goal: 0.5 });
}

/** Seconds for one epoch of the MLP over N synthetic samples: shuffle, gather each batch, step. */
async function epochSeconds(samples: number): Promise<number> {
  const batch = 256;
  const features = tf.randomNormal([samples, 512], 0, 1, "float32", 3);
  const labels = tf.randomUniform([samples], 0, 7, "int32", 4);
  const values = tf.randomUniform([samples, 12], 0, 1, "float32", 5).less(0.3).cast("float32");
  const hasA = tf.randomUniform([samples], 0, 1, "float32", 6).less(0.6).cast("float32");
  const hasB = tf.randomUniform([samples], 0, 1, "float32", 7).less(0.6).cast("float32");
  const state = mlpSetup(1);
  const order = Int32Array.from(tf.util.createShuffledIndices(samples));
  const start = performance.now();
  for (let at = 0; at < samples; at += batch) {
    const idx = tf.tensor1d(order.subarray(at, Math.min(samples, at + batch)), "int32");
    const rows = idx.shape[0];
    const x = tf.gather(features, idx);
    const b: PairBatch = tf.tidy(() => ({
      oneHotA: tf.oneHot(tf.gather(labels, idx), 7).cast("float32") as tf.Tensor2D,
      maskA: tf.gather(hasA, idx) as tf.Tensor1D,
      valuesB: tf.gather(values, idx) as tf.Tensor2D,
      maskB: tf.mul(tf.ones([rows, 12]), tf.gather(hasB, idx).reshape([rows, 1])) as tf.Tensor2D,
    }));
    trainStep(state.model, state.optimizer, x, (out) => pairLoss(out[0], out[1], b, state.pairs[0], true));
    tf.dispose([idx, x, ...batchTensors(b)]);
  }
  const seconds = (performance.now() - start) / 1000;
  disposeState(state);
  tf.dispose([features, labels, values, hasA, hasB]);
  return seconds;
}

export async function benchDataSize(sizes: readonly number[] = [1000, 10000, 100000]): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const samples of sizes) {
    const ours = await epochSeconds(samples);
    const reference = runReference("epoch", { samples });
    out.push(result(`MLP epoch, ${samples} samples`, "s/epoch", ours, reference, { higherIsBetter: false }));
  }
  return out;
}

export async function benchTaskCount(pairCounts: readonly number[] = [1, 2, 4], steps = 20): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const pairs of pairCounts) {
    const ours = await measure(() => mlpSetup(pairs), (s) =>
      perSecond(() => { trainStep(s.model, s.optimizer, s.x, (o) => multiPairLoss(o, s.batches, s.pairs, true)); }, steps), disposeState);
    const reference = runReference("tasks", { pairs, steps });
    out.push(result(`MLP step, ${2 * pairs} tasks (${pairs} coupled pairs)`, "steps/s", ours, reference));
  }
  return out;
}

/**
 * Hook for the lead: backbone feature extraction, images per second (e.g. the built-in pretrained backbone on
 * 224x224 images, against torchvision's equivalent). Returns null until src/features/ exists.
 */
/**
 * The same MLP step as benchMlpStep, built from the library's own parts, as `train()` runs it:
 * MultiTaskModel (512 -> 256 relu -> heads 7 and 12, no dropout), buildObjective with DM + SCA
 * (product rule, lambdas 1), optimizer.minimize over model.forward + objective. Same PyTorch reference.
 */
export async function benchLibraryMlpStep(steps = 40): Promise<BenchResult> {
  const tasks = [multiClassTask("a", Array.from({ length: 7 }, (_, i) => `c${i}`)), multiLabelTask("b", Array.from({ length: 12 }, (_, j) => `l${j}`))];
  const R = syntheticRelatedness(7, 12);
  const model = new MultiTaskModel({ inputShape: [512], tasks, trunk: { hidden: [256], dropout: 0 }, seed: 1 });
  const objective = buildObjective(tasks, [{
    relatedness: { from: "a", to: "b", toKind: "multilabel", rows: tasks[0].kind === "multiclass" ? tasks[0].classes : [], columns: tasks[1].kind === "multilabel" ? tasks[1].labels : [], values: R },
    lambdas: { dm: 1, sca: 1, co: 0 },
  }]);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([256, 512], 0, 1, "float32", 1);
  const pb = syntheticPairBatch(256, 7, 12, 10);
  const targets = {
    a: { kind: "multiclass" as const, oneHot: pb.oneHotA as tf.Tensor2D, mask: pb.maskA as tf.Tensor1D },
    b: { kind: "multilabel" as const, values: pb.valuesB as tf.Tensor2D, mask: pb.maskB as tf.Tensor2D },
  };
  const variables = model.trainableVariables;
  try {
    const ours = await perSecond(() => {
      const cost = optimizer.minimize(() => objective(model.forward(x, true), targets).total, true, variables);
      cost?.dataSync();
      cost?.dispose();
    }, steps);
    const reference = runReference("mlp", { steps });
    return result("MLP step through MultiTaskModel + buildObjective (the trainer's path)", "steps/s", ours, reference, { goal: 1.0 });
  } finally {
    objective.dispose();
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, ...batchTensors(pb)]);
  }
}

/** MobileNetV2 feature extraction on real emoji PNGs; reference: the same extraction on the pure-JS cpu backend. */
export async function benchBackboneExtraction(images = 32): Promise<BenchResult | null> {
  const dir = path.join(path.dirname(require.resolve("emoji-datasource-twitter/package.json")), "img", "twitter", "64");
  const files = readdirSync(dir).sort().slice(0, images).map((f) => path.join(dir, f));
  const rate = async (backend: "wasm" | "cpu"): Promise<number> => {
    await useBackend(backend);
    const bb = await loadBackbone("mobilenetv2", { inputSize: 128 });
    try {
      const decoded = await Promise.all(files.map((f) => decodeImage(f, bb.decode)));
      await bb.extract(decoded.slice(0, 4)); // warm-up
      const start = performance.now();
      await bb.extract(decoded);
      return decoded.length / ((performance.now() - start) / 1000);
    } finally {
      bb.dispose();
    }
  };
  const ours = await rate("wasm");
  const reference = await rate("cpu");
  await useBackend("wasm");
  return result(`MobileNetV2 features at 128 px, ${images} emoji`, "images/s", ours, reference, {
    note: "reference: the same extraction on TensorFlow.js's cpu backend (no PyTorch MobileNetV2 weights offline)",
  });
}

/** Wall time and peak RSS of a child process running the CLI (GNU time when present, else wall time only). */
function timedStudy(args: string[]): { seconds: number; peakMB: number | null } {
  const out = mkdtempSync(path.join(os.tmpdir(), "distmatch-bench-study-"));
  const cli = ["--import", "tsx", "src/cli/main.ts", "study", "--dataset", "soybean", "--out", out, "-q", "--no-report", ...args];
  const gnuTime = existsSync("/usr/bin/time");
  const start = performance.now();
  const child = gnuTime
    ? spawnSync("/usr/bin/time", ["-f", "MAXRSS %M", process.execPath, ...cli], { encoding: "utf8" })
    : spawnSync(process.execPath, cli, { encoding: "utf8" });
  const seconds = (performance.now() - start) / 1000;
  rmSync(out, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(`default study failed: ${child.stderr.slice(-2000)}`);
  const rss = /MAXRSS (\d+)/.exec(child.stderr);
  return { seconds, peakMB: rss ? Number(rss[1]) / 1024 : null };
}

/**
 * The default study (`distmatch study --dataset soybean`, 3 seeds, nothing cached): its wall time
 * against the same study on the pure-JS cpu backend, and its peak RSS against the 1.5 GB budget.
 */
export async function benchDefaultStudy(): Promise<BenchResult[]> {
  const wasm = timedStudy([]);
  const cpu = timedStudy(["--backend", "cpu"]);
  const results = [result("default study (soybean, 3 seeds) wall time; reference: cpu backend", "s", wasm.seconds, cpu.seconds, { higherIsBetter: false })];
  if (wasm.peakMB !== null) {
    results.push(result("default study peak RSS; reference: the 1.5 GB budget", "MB", wasm.peakMB, 1536, { higherIsBetter: false, goal: 1 }));
  }
  return results;
}
