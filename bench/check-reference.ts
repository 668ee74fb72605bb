/**
 * Checks that bench/reference/steps.py computes the same loss as the library: the terms of
 * buildObjective (supervised A and B, DM, product-mode SCA) and of the reference's pair_loss on the
 * same synthetic logits and targets must agree to float32 precision. `npx tsx bench/check-reference.ts`;
 * exits 1 on a mismatch, 0 (with a message) when torch is missing.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MultiClassBatchTargets, MultiLabelBatchTargets } from "../src/data/batch.js";
import { useBackend } from "../src/engine/backend.js";
import { runReferenceValue } from "./harness.js";
import { K, M, pairObjective, pairTasks, syntheticTargets, targetTensors } from "./models.js";

/** Spread-out synthetic logits (large and small), deterministic. */
function logits(rows: number, cols: number, phase: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => 4 * Math.sin(1.7 * i + 2.3 * j + phase)));
}

async function main(): Promise<void> {
  await useBackend("wasm");
  const tasks = pairTasks(1);
  const batch = 40;
  const targets = syntheticTargets(tasks, batch, 7);
  const a = targets.a0 as MultiClassBatchTargets;
  const b = targets.b0 as MultiLabelBatchTargets;
  const la = logits(batch, K, 0.3);
  const lb = logits(batch, M, 1.1);
  const objective = pairObjective(tasks);
  const { terms, total } = objective({ a0: tf.tensor2d(la), b0: tf.tensor2d(lb) }, targets);
  const ours = ["sup:a0", "sup:b0", "dm:a0->b0", "sca:a0<-b0"].map((name) => terms[name].dataSync()[0]);
  const dir = mkdtempSync(path.join(os.tmpdir(), "distmatch-bench-terms-"));
  const input = path.join(dir, "terms.json");
  writeFileSync(input, JSON.stringify({
    logitsA: la, logitsB: lb, oneHotA: a.oneHot.arraySync(), maskA: a.mask.arraySync(), valuesB: b.values.arraySync(), maskB: b.mask.arraySync(),
  }));
  const theirs = runReferenceValue<number[]>("terms", { input });
  rmSync(dir, { recursive: true, force: true });
  tf.dispose([total, ...Object.values(terms), ...targetTensors(targets)]);
  objective.dispose();
  if (theirs === null) {
    console.log("check-reference: skipped, python3 with torch not found (bench/setup.sh)");
    return;
  }
  const names = ["supervised A", "supervised B", "DM A->B", "SCA B->A (product)"];
  let ok = true;
  names.forEach((name, i) => {
    const close = Math.abs(ours[i] - theirs[i]) <= 1e-4 * Math.max(1, Math.abs(theirs[i]));
    ok &&= close;
    console.log(`${name.padEnd(20)} distmatch ${ours[i].toFixed(6)}  reference ${theirs[i].toFixed(6)}  ${close ? "ok" : "MISMATCH"}`);
  });
  if (!ok) process.exitCode = 1;
}

await main();
