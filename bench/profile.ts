/**
 * Per-kernel time of one training step on the library path (MultiTaskModel + buildObjective + the
 * trainer's step, as bench/models.ts builds them; tf.profile, wall time per kernel call, summed by
 * kernel name): `npx tsx bench/profile.ts [mlp|cnn]`. Used to find what keeps a step slow.
 */
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../src/engine/backend.js";
import { fusedAdam } from "../src/train/fused-adam.js";
import { Rng } from "../src/engine/random.js";
import "../src/engine/fast.js";
import { accumulate, libraryCnn, libraryMlp, pairObjective, pairTasks, readMeans, syntheticTargets, trainerStep } from "./models.js";

async function main(kind: string): Promise<void> {
  await useBackend("wasm");
  const cnn = kind === "cnn";
  const batchSize = cnn ? 64 : 256;
  const tasks = pairTasks(1);
  const model = cnn ? libraryCnn(tasks) : libraryMlp(tasks);
  const objective = pairObjective(tasks);
  const inputs = cnn ? tf.randomNormal([64, 64, 64, 3]) : tf.randomNormal([256, 512]);
  const targets = syntheticTargets(tasks, batchSize, 1);
  const optimizer = fusedAdam(1e-3);
  const rng = new Rng(1);
  const variables = model.trainableVariables;
  const sums = new Map<string, tf.Tensor>();
  const step = (): void => accumulate(sums, trainerStep(model, objective, optimizer, { inputs, targets }, rng, variables));
  step();
  const start = performance.now();
  const info = await tf.profile(() => { step(); });
  const wall = performance.now() - start;
  await readMeans(sums, 2);
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
