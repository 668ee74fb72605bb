/**
 * One epoch of train() over N synthetic rows (512 features, 2 coupled tasks), in its own process so
 * that its peak resident memory is the epoch's: `tsx bench/epoch-child.ts N [tfjs|torch]`. Prints
 * {"seconds": ..., "samples": N} (the epoch after a 512-row warm-up, as the PyTorch side does).
 */
import { useBackend } from "../src/engine/backend.js";
import { train } from "../src/train/trainer.js";
import { libraryMlp, pairObjective, pairTasks, syntheticSource } from "./models.js";

const samples = Number(process.argv[2]);
if (!Number.isInteger(samples) || samples < 1) throw new Error(`epoch-child: expected a row count, got ${process.argv[2]}`);
const engine = (process.argv[3] ?? "tfjs") as "tfjs" | "torch";
if (engine !== "tfjs" && engine !== "torch") throw new Error(`epoch-child: engine must be tfjs or torch, got ${engine}`);
await useBackend("wasm");
const tasks = pairTasks(1);

async function epochSeconds(n: number): Promise<number> {
  const source = syntheticSource(tasks, n, 512, n, "random");
  const model = libraryMlp(tasks);
  const objective = pairObjective(tasks);
  try {
    const start = performance.now();
    await train({ model, sources: [source], objective, options: { epochs: 1, batchSize: 256, learningRate: 1e-3, patience: 0, seed: 5, engine } });
    return (performance.now() - start) / 1000;
  } finally {
    model.dispose();
    objective.dispose();
  }
}

await epochSeconds(512);
console.log(JSON.stringify({ seconds: await epochSeconds(samples), samples }));
