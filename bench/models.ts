import * as tf from "@tensorflow/tfjs";

/*
 * The benchmarked models and loss, written plainly so bench/reference/steps.py can mirror them op for op.
 * The coupling terms follow METHOD.md section 3 inline, because src/coupling/ did not exist yet when this
 * was written; replace them with distributionMatchingLoss / softCoAnnotationLoss once it does.
 */

export const EPS = 1e-7;

/** Synthetic relatedness, K x M, last class neutral (no related label), like expressions -> AUs. */
export function syntheticRelatedness(k: number, m: number): number[][] {
  return Array.from({ length: k }, (_, c) =>
    Array.from({ length: m }, (_, j) => (c === k - 1 ? 0 : (c * 5 + j * 3) % 7 === 0 ? 1 : (c + j) % 4 === 0 ? 0.5 : 0)));
}

/** [M, K] matrix adding sum_j log(1 - p_B(j)) over labels related to any class to each neutral class's score. */
export function neutralMap(r: number[][]): number[][] {
  const m = r[0].length;
  const related = Array.from({ length: m }, (_, j) => r.some((row) => row[j] > 0));
  const neutral = r.map((row) => row.every((v) => v <= 0));
  return Array.from({ length: m }, (_, j) => neutral.map((n) => (n && related[j] ? 1 : 0)));
}

export interface PairTensors {
  readonly r: tf.Tensor2D;
  readonly rT: tf.Tensor2D;
  readonly neutral: tf.Tensor2D;
}

export function pairTensors(k: number, m: number): PairTensors {
  const r = syntheticRelatedness(k, m);
  return { r: tf.tensor2d(r), rT: tf.tensor2d(r).transpose(), neutral: tf.tensor2d(neutralMap(r)) };
}

export interface PairBatch {
  readonly oneHotA: tf.Tensor2D; // [B, K]
  readonly maskA: tf.Tensor1D; // [B]
  readonly valuesB: tf.Tensor2D; // [B, M]
  readonly maskB: tf.Tensor2D; // [B, M]
}

/** Synthetic targets: the first 60% of the batch carries A labels, the last 60% B labels (20% overlap). */
export function syntheticPairBatch(batch: number, k: number, m: number, seed: number): PairBatch {
  return tf.tidy(() => {
    const labels = tf.randomUniform([batch], 0, k, "int32", seed);
    const rows = tf.range(0, batch).div(batch);
    const maskA = rows.less(0.6).cast("float32") as tf.Tensor1D;
    const hasB = rows.greaterEqual(0.4).cast("float32").reshape([batch, 1]);
    return {
      oneHotA: tf.oneHot(labels, k).cast("float32") as tf.Tensor2D,
      maskA,
      valuesB: tf.randomUniform([batch, m], 0, 1, "float32", seed + 1).less(0.3).cast("float32") as tf.Tensor2D,
      maskB: tf.mul(tf.ones([batch, m]), hasB) as tf.Tensor2D,
    };
  });
}

function bce(p: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const pc = tf.clipByValue(p, EPS, 1 - EPS);
  return tf.neg(tf.add(tf.mul(target, tf.log(pc)), tf.mul(tf.sub(1, target), tf.log(tf.sub(1, pc)))));
}

/** L_A + L_B + L_DM + L_SCA for one (multi-class A, multi-label B) pair. */
export function pairLoss(logitsA: tf.Tensor, logitsB: tf.Tensor, batch: PairBatch, pair: PairTensors, coupling: boolean): tf.Scalar {
  const logPA = tf.logSoftmax(logitsA);
  const ceA = tf.neg(tf.sum(tf.mul(batch.oneHotA, logPA), 1));
  const lossA = tf.div(tf.sum(tf.mul(ceA, batch.maskA)), tf.maximum(tf.sum(batch.maskA), 1));
  const pB = tf.sigmoid(logitsB);
  const lossB = tf.div(tf.sum(tf.mul(bce(pB, batch.valuesB), batch.maskB)), tf.maximum(tf.sum(batch.maskB), 1));
  if (!coupling) return tf.add(lossA, lossB) as tf.Scalar;
  const pA = tf.exp(logPA);
  // distribution matching A -> B: q_B = p_A R, H(p_B, q_B) averaged over labels and samples
  const qB = tf.matMul(pA, pair.r);
  const lossDM = tf.mean(bce(qB, pB));
  // soft co-annotation B -> A: q_A = softmax(log p_B R^T + log(1 - p_B) N), L = -sum q_A log p_A
  const pBc = tf.clipByValue(pB, EPS, 1 - EPS);
  const scores = tf.add(tf.matMul(tf.log(pBc), pair.rT), tf.matMul(tf.log(tf.sub(1, pBc)), pair.neutral));
  const lossSCA = tf.mean(tf.neg(tf.sum(tf.mul(tf.softmax(scores), logPA), 1)));
  return tf.addN([lossA, lossB, lossDM, lossSCA]) as tf.Scalar;
}

/** Trunk Dense(hidden, relu) and one Dense head per task: heads alternate 7-class and 12-label, as in the issue. */
export function buildMlp(inputDim: number, hidden: number, headSizes: readonly number[]): tf.LayersModel {
  const input = tf.input({ shape: [inputDim] });
  const trunk = tf.layers.dense({ units: hidden, activation: "relu" }).apply(input) as tf.SymbolicTensor;
  const heads = headSizes.map((units) => tf.layers.dense({ units }).apply(trunk) as tf.SymbolicTensor);
  return tf.model({ inputs: input, outputs: heads });
}

/** Three conv3x3(same) + batch-norm + relu + maxpool2 blocks, global average pool, one head per task. */
export function buildCnn(size: number, channels: readonly number[], headSizes: readonly number[]): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x: tf.SymbolicTensor = input;
  for (const filters of channels) {
    x = tf.layers.conv2d({ filters, kernelSize: 3, padding: "same", useBias: false }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  }
  const pooled = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const heads = headSizes.map((units) => tf.layers.dense({ units }).apply(pooled) as tf.SymbolicTensor);
  return tf.model({ inputs: input, outputs: heads });
}

/** Sum of pairLoss over consecutive (A, B) head pairs. */
export function multiPairLoss(outputs: tf.Tensor[], batches: readonly PairBatch[], pairs: readonly PairTensors[], coupling: boolean): tf.Scalar {
  const terms: tf.Tensor[] = [];
  for (let p = 0; p < pairs.length; p++) terms.push(pairLoss(outputs[2 * p], outputs[2 * p + 1], batches[p], pairs[p], coupling));
  return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Scalar;
}

/** One Adam step on the loss; reads the loss back, as a training loop that reports progress does. */
export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, lossOf: (outputs: tf.Tensor[]) => tf.Scalar): number {
  const cost = optimizer.minimize(() => {
    const out = model.apply(x, { training: true });
    return lossOf(Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor]);
  }, true);
  if (!cost) throw new Error("optimizer.minimize returned no cost");
  const value = cost.dataSync()[0];
  cost.dispose();
  return value;
}
