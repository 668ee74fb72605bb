/**
 * Per-kernel time of one training step (tf.profile, wall time per kernel call, summed by kernel name):
 * `npx tsx bench/profile.ts [mlp|cnn]`. Used to find what keeps a step slow.
 */
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../src/engine/backend.js";
import "../src/engine/fast.js";
import { buildCnn, buildMlp, pairLoss, pairTensors, syntheticPairBatch, trainStep } from "./models.js";

async function main(kind: string): Promise<void> {
  await useBackend("wasm");
  const cnn = kind === "cnn";
  const batchSize = cnn ? 64 : 256;
  const model = cnn ? buildCnn(64, [16, 32, 64], [7, 12]) : buildMlp(512, 256, [7, 12]);
  const x = cnn ? tf.randomNormal([64, 64, 64, 3]) : tf.randomNormal([256, 512]);
  const pair = pairTensors(7, 12);
  const batch = syntheticPairBatch(batchSize, 7, 12, 1);
  const optimizer = tf.train.adam(1e-3);
  const step = (): number => trainStep(model, optimizer, x, (out) => pairLoss(out[0], out[1], batch, pair, true));
  step();
  const start = performance.now();
  const info = await tf.profile(() => { step(); });
  const wall = performance.now() - start;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    entry.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    entry.calls += 1;
    byKernel.set(k.name, entry);
  }
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((s, [, v]) => s + v.ms, 0);
  console.log(`${kind} step: wall ${wall.toFixed(1)} ms (profiled), kernels ${total.toFixed(1)} ms`);
  for (const [name, v] of rows.slice(0, 15)) console.log(`${name.padEnd(28)} ${v.ms.toFixed(1).padStart(8)} ms  ${String(v.calls).padStart(4)} calls`);
}

await main(process.argv[2] ?? "mlp");
