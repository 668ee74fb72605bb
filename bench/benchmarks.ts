import * as tf from "@tensorflow/tfjs";
import { type BenchResult, perSecond, result, runReference } from "./harness.js";
import {
  buildCnn, buildMlp, multiPairLoss, type PairBatch, pairLoss, pairTensors, syntheticPairBatch, trainStep,
} from "./models.js";

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
export async function benchBackboneExtraction(): Promise<BenchResult | null> {
  return null;
}

/**
 * Hook for the lead: the default study (`distmatch study --dataset soybean`), wall time in seconds and peak RSS
 * in MB (process.resourceUsage().maxRSS / 1024, goal < 1536). Returns [] until src/study/ runs end to end.
 */
export async function benchDefaultStudy(): Promise<BenchResult[]> {
  return [];
}
