/**
 * Ten CNN training steps (buildSmallCnn 64x64x3, batch 64, heads 7 and 12, DM + SCA, Adam) in their own
 * process, so that its peak resident memory is the step's: `tsx bench/step-child.ts [tfjs|torch]`.
 * Prints {"steps": 10}. The PyTorch side is `reference/steps.py cnn`.
 */
import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../src/engine/backend.js";
import "../src/engine/fast.js";
import { Rng } from "../src/engine/random.js";
import { fusedAdam } from "../src/train/fused-adam.js";
import { TorchEngine } from "../src/train/torch-engine.js";
import { libraryCnn, pairObjective, pairTasks, syntheticSource, syntheticTargets, targetTensors, trainerStep } from "./models.js";

const engine = process.argv[2] ?? "tfjs";
if (engine !== "tfjs" && engine !== "torch") throw new Error(`step-child: engine must be tfjs or torch, got ${engine}`);
const STEPS = 10;
const BATCH = 64;
await useBackend("wasm");
const tasks = pairTasks(1);
const model = libraryCnn(tasks);
const objective = pairObjective(tasks);
const optimizer = fusedAdam(1e-3);
if (engine === "torch") {
  const native = new TorchEngine({ model, objective, learningRate: 1e-3, weightDecay: 0 });
  native.load(optimizer);
  native.bindSources([{ ...syntheticSource(tasks, BATCH, 64 * 64 * 3, 10, "split"), inputShape: [64, 64, 3] }]);
  const picks = Array.from({ length: BATCH }, (_, row) => ({ source: 0, row }));
  for (let i = 0; i < STEPS; i++) native.stepOnPicks(picks, i);
} else {
  const inputs = tf.randomNormal([BATCH, 64, 64, 3], 0, 1, "float32", 2);
  const targets = syntheticTargets(tasks, BATCH, 20);
  const rng = new Rng(4);
  for (let i = 0; i < STEPS; i++) tf.dispose(Object.values(trainerStep(model, objective, optimizer, { inputs, targets }, rng, model.trainableVariables)));
  tf.dispose([inputs, ...targetTensors(targets)]);
}
console.log(JSON.stringify({ steps: STEPS }));
