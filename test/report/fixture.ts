/**
 * Builder of the synthetic results.json used by the report tests (test/fixtures/report/results.json).
 * The numbers are made up (deterministic pseudo-random); names carry HTML/script payloads on purpose.
 * Regenerate the file with: node --import tsx test/report/fixture.ts --write
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RunResult, StudyResults } from "../../src/study/results.js";
import { deltaM as deltaMOf, summarize } from "../../src/study/analysis.js";

export const XSS_IMG = "<img src=x onerror=alert(1)>";
export const XSS_SCRIPT = '"><script>alert(1)</script>';
export const FIXTURE_PATH = fileURLToPath(new URL("../fixtures/report/results.json", import.meta.url));

export const MC_TASK = `expression ${XSS_IMG}`;
export const ML_TASK = `${XSS_SCRIPT} units`;
export const MC_CLASSES = ["neutral", "happy", XSS_IMG, XSS_SCRIPT, "a.b[0]"];
export const ML_LABELS = ["AU1", "AU2", XSS_IMG, XSS_SCRIPT, "AU12", "AU25"];
const SEEDS = [1, 2, 3];
const TEST_PER_CLASS = 24;

/** Deterministic jitter in [-1, 1). */
function jitter(seed: number, salt: number): number {
  const x = Math.sin(seed * 12.9898 + salt * 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Target means per variant; "mt" on the multi-label task is the planted negative transfer. */
const TARGET: Record<string, { mc: number; ml: number }> = {
  st: { mc: 0.7, ml: 0.8 },
  mt: { mc: 0.72, ml: 0.74 },
  "mt+coupling": { mc: 0.77, ml: 0.82 },
  dm: { mc: 0.75, ml: 0.81 },
};

function confusion(accuracy: number, seed: number): number[][] {
  const k = MC_CLASSES.length;
  return MC_CLASSES.map((_, i) => {
    const correct = Math.max(0, Math.min(TEST_PER_CLASS, Math.round(TEST_PER_CLASS * (accuracy + 0.08 * jitter(seed, i)))));
    const row = new Array<number>(k).fill(0);
    row[i] = correct;
    const wrong = TEST_PER_CLASS - correct;
    row[(i + 1) % k] += Math.ceil(wrong * 0.6);
    row[(i + 2) % k] += wrong - Math.ceil(wrong * 0.6);
    return row;
  });
}

function multiclassMetrics(target: number, seed: number): RunResult["metrics"][string] {
  const matrix = confusion(target, seed);
  const correct = matrix.reduce((sum, row, i) => sum + row[i], 0);
  const accuracy = round4(correct / (TEST_PER_CLASS * MC_CLASSES.length));
  return {
    kind: "multiclass",
    primary: "accuracy",
    values: { accuracy, macroF1: round4(accuracy - 0.03) },
    confusion: matrix,
    n: TEST_PER_CLASS * MC_CLASSES.length,
  };
}

function multilabelMetrics(target: number, seed: number): RunResult["metrics"][string] {
  const perLabelF1 = ML_LABELS.map((_, j) => round4(Math.min(0.99, Math.max(0.05, target - 0.15 + 0.1 * j / ML_LABELS.length + 0.04 * jitter(seed, 10 + j)))));
  const meanF1 = round4(perLabelF1.reduce((a, b) => a + b, 0) / perLabelF1.length);
  const meanAccuracy = round4(target + 0.1 + 0.01 * jitter(seed, 30));
  return {
    kind: "multilabel",
    primary: "score",
    values: { meanF1, meanAccuracy, score: round4(0.5 * meanF1 + 0.5 * meanAccuracy) },
    perLabelF1,
    n: 120 * ML_LABELS.length,
  };
}

function curves(variant: string, seed: number, tasks: string[], finalValues: Record<string, number>): RunResult["curves"] {
  const epochs = variant === "st" ? 5 : 6;
  return Array.from({ length: epochs }, (_, e) => {
    const decay = Math.exp(-0.45 * e);
    const losses: Record<string, number> = {};
    for (const task of tasks) losses[`sup:${task}`] = round4(0.4 + 1.2 * decay + 0.02 * jitter(seed, e));
    if (variant === "mt+coupling" || variant === "dm") losses[`dm:${MC_TASK}->${ML_TASK}`] = round4(0.3 + 0.4 * decay);
    if (variant === "mt+coupling") losses[`sca:${MC_TASK}<-${ML_TASK}`] = round4(0.5 + 0.6 * decay);
    losses.total = round4(Object.values(losses).reduce((a, b) => a + b, 0));
    const validation: Record<string, number> = {};
    for (const task of tasks) validation[task] = round4(finalValues[task] * (1 - 0.35 * decay) + 0.01 * jitter(seed, 50 + e));
    return { epoch: e + 1, losses, validation, seconds: round4(1.5 + 0.1 * jitter(seed, e)) };
  });
}

function run(variant: string, seed: number, task?: string): RunResult {
  const target = TARGET[variant];
  const metrics: RunResult["metrics"] = {};
  if (task === undefined || task === MC_TASK) metrics[MC_TASK] = multiclassMetrics(target.mc, seed);
  if (task === undefined || task === ML_TASK) metrics[ML_TASK] = multilabelMetrics(target.ml, seed);
  const tasks = Object.keys(metrics);
  const finals = Object.fromEntries(tasks.map((t) => [t, metrics[t].values[metrics[t].primary]]));
  const curve = curves(variant, seed, tasks, finals);
  return {
    variant,
    split: 0,
    seed,
    ...(task !== undefined ? { task } : {}),
    metrics,
    curves: curve,
    bestEpoch: curve.length - 1,
    epochs: curve.length,
    wallSeconds: round4(curve.reduce((sum, c) => sum + c.seconds, 0) + 0.7),
  };
}

function relatedness(kind: "given" | "estimated"): StudyResults["relatedness"][number]["used"] {
  const values = MC_CLASSES.map((_, k) =>
    ML_LABELS.map((_, j) => round4(kind === "given" ? (k === j % MC_CLASSES.length ? 1 : k === 0 ? 0 : 0.25 * ((k + j) % 3)) : Math.min(0.97, Math.max(0.03, 0.5 + 0.45 * jitter(k, j))))),
  );
  return {
    from: MC_TASK,
    to: ML_TASK,
    toKind: "multilabel",
    rows: MC_CLASSES,
    columns: ML_LABELS,
    values,
    ...(kind === "estimated" ? { support: values.map((row) => row.map((_, j) => 3 + j)), origin: "overlap (synthetic)" } : { origin: `file ${XSS_IMG}.json` }),
  };
}

const VARIANTS: StudyResults["variants"] = [
  { id: "st", label: "ST", description: "one model per task", singleTask: true },
  { id: "mt", label: "MT", description: "shared trunk, supervised losses only", singleTask: false },
  { id: "mt+coupling", label: "MT + coupling", description: "MT with DM and SCA", singleTask: false },
  { id: "dm", label: `MT + DM ${XSS_IMG}`, description: "ablation: distribution matching only", singleTask: false },
];

export function syntheticResults(): StudyResults {
  const variants = ["st", "mt", "mt+coupling", "dm"];
  const runs: RunResult[] = [];
  for (const seed of SEEDS) {
    runs.push(run("st", seed, MC_TASK), run("st", seed, ML_TASK));
    for (const variant of variants.slice(1)) runs.push(run(variant, seed));
  }
  const records = VARIANTS;
  const tasks = [{ name: MC_TASK, metric: "accuracy" }, { name: ML_TASK, metric: "score" }];
  const summary = summarize(tasks, records, runs);
  const deltaM = deltaMOf(tasks, records, runs);
  const given = relatedness("given");
  return {
    schemaVersion: 2,
    name: "synthetic report fixture (made-up numbers, not real data)",
    configHash: "synthetic-0000",
    config: { dataset: `synthetic ${XSS_IMG}`, seeds: SEEDS, epochs: 6, batchSize: 32, lambdas: { dm: 1, sca: 1 }, note: XSS_SCRIPT },
    software: { distmatch: "0.1.0", node: "v20.0.0 (synthetic)", "@tensorflow/tfjs": "4.22.0", backend: `wasm ${XSS_IMG}` },
    data: {
      tasks: [
        { kind: "multiclass", name: MC_TASK, classes: MC_CLASSES },
        { kind: "multilabel", name: ML_TASK, labels: ML_LABELS },
      ],
      inputShape: [16],
      sources: [
        { name: `source A ${XSS_IMG}`, n: 900, annotated: { [MC_TASK]: 900 } },
        { name: `${XSS_SCRIPT} source B`, n: 300, annotated: { [ML_TASK]: 300 } },
        { name: "co-annotated", n: 30, annotated: { [MC_TASK]: 30, [ML_TASK]: 30 } },
      ],
      validation: { n: 120 },
      test: { n: 120 },
      description: `Synthetic numbers for testing the report ${XSS_SCRIPT}`,
      licence: "CC0 (synthetic)",
    },
    relatedness: [{ method: "file", used: given, given, estimated: relatedness("estimated") }],
    seeds: SEEDS,
    protocol: {
      splitRepeats: 1,
      seeds: SEEDS,
      selection: "mean over tasks of each task's primary validation metric",
      interval: { method: "t", level: 0.95, over: "(split, seed) pairs" },
    },
    variants: records,
    runs,
    summary,
    deltaM,
    timing: { startedAt: "2025-01-01T10:00:00.000Z", finishedAt: "2025-01-01T10:03:21.500Z", wallSeconds: 201.5 },
  };
}

if (process.argv.includes("--write")) {
  writeFileSync(FIXTURE_PATH, `${JSON.stringify(syntheticResults(), null, 2)}\n`);
  console.log(`wrote ${FIXTURE_PATH}`);
}
