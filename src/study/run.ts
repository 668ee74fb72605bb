import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { useBackend } from "../engine/backend.js";
import { buildObjective, type CouplingSpec, type ScaMode } from "../coupling/index.js";
import { keepTasks } from "../data/sources.js";
import type { Source } from "../data/types.js";
import { MultiTaskModel } from "../models/multitask.js";
import { saveModel, type ModelMetadata } from "../models/io.js";
import type { Relatedness } from "../relatedness/types.js";
import type { Task } from "../tasks/types.js";
import { train, type TrainEvent } from "../train/trainer.js";
import { metricsFromProbabilities, predictSource } from "../train/evaluate.js";
import { primaryMetric } from "../eval/metrics.js";
import { exists, writeJsonAtomic } from "../io/atomic.js";
import { parseStudyConfig, type StudyConfig, type StudyConfigInput } from "./config.js";
import { prepareStudyData, type StudyData } from "./data.js";
import { planRelatedness, relatednessFromPredictions, type RelatednessPlan } from "./relatedness.js";
import { deltaM, summarize } from "./analysis.js";
import { getVariant, needsRelatedness, type VariantDefinition } from "./variants.js";
import { runResultSchema, type RunResult, type StudyResults } from "./results.js";
import { makeBackbone } from "./backbone.js";
import { builtinDatasets } from "../datasets/index.js";
import { softwareVersions } from "./software.js";
import { makeWeighting, type WeightingName } from "../weighting/index.js";

/** Progress of a study, for progress bars and logs. */
export type StudyEvent =
  | { readonly type: "data"; readonly data: StudyData }
  | { readonly type: "extract"; readonly done: number; readonly total: number; readonly label: string }
  | { readonly type: "run-start"; readonly run: RunKey; readonly index: number; readonly total: number }
  | { readonly type: "train"; readonly run: RunKey; readonly event: TrainEvent }
  | { readonly type: "run-end"; readonly run: RunKey; readonly result: RunResult; readonly cached: boolean }
  | { readonly type: "relatedness"; readonly seed: number; readonly from: string; readonly to: string; readonly method: string };

export interface RunKey {
  readonly variant: string;
  readonly seed: number;
  readonly task?: string;
}

export interface StudyOptions {
  /** Directory that relative paths in the config are resolved against (default: cwd). */
  readonly baseDir?: string;
  /** Also save every multi-task run's model (TF.js format) under <dir>/models/<variant>-s<seed>/. */
  readonly saveModels?: boolean;
  readonly onEvent?: (event: StudyEvent) => void;
}

export interface StudyOutcome {
  readonly results: StudyResults;
  readonly dir: string;
  readonly resultsFile: string;
}

/**
 * Runs the study protocol of METHOD.md section 5: for every seed, ST per task and the chosen MT
 * variants, with the same data, backbone and budget; then summarises per task over seeds and flags
 * negative transfer. Finished runs are kept under <dir>/runs/ keyed by a hash of everything they
 * depend on, so an interrupted study resumes and a changed config reuses nothing stale.
 */
export async function runStudy(input: StudyConfigInput, options: StudyOptions = {}): Promise<StudyOutcome> {
  const config = parseStudyConfig(withDatasetDefaults(input));
  const baseDir = options.baseDir ?? process.cwd();
  const emit = options.onEvent ?? (() => {});
  const backend = await useBackend(config.backend);
  const started = new Date();
  const name = config.name ?? config.dataset ?? "study";
  const dir = path.resolve(baseDir, config.outDir, name);
  await fs.mkdir(path.join(dir, "runs"), { recursive: true });

  const data = await prepareStudyData(config, {
    baseDir,
    onProgress: (done, total, label) => emit({ type: "extract", done, total, label }),
  });
  emit({ type: "data", data });
  const configHash = hashOf({ config: { ...config, name: undefined, outDir: undefined, seeds: undefined, variants: undefined }, data: dataFingerprint(data) });
  const plans = await planRelatedness(config, data.tasks, data.pairs, data.sources, data.dataset, baseDir);
  const variantIds = orderVariants(config.variants, plans);
  const total = config.seeds.length * variantIds.reduce((n, id) => n + (getVariant(id).singleTask ? data.tasks.length : 1), 0);
  const ctx: RunContext = { config, data, dir, configHash, emit, index: 0, total, saveModels: options.saveModels ?? false };

  const runs: RunResult[] = [];
  const usedRelatedness = new Map<string, { plan: RelatednessPlan; used: Relatedness; estimated?: Relatedness }>();
  for (const seed of config.seeds) {
    const stProbs = new Map<string, Float32Array>();
    for (const id of variantIds.filter((v) => getVariant(v).singleTask)) {
      for (const task of data.tasks) runs.push(await singleTaskRun(ctx, getVariant(id), seed, task, stProbs));
    }
    const relatedness = needsRelatedness(variantIds) ? await resolveRelatedness(ctx, plans, seed, stProbs) : new Map();
    if (seed === config.seeds[0]) {
      for (const [key, value] of relatedness) usedRelatedness.set(key, value);
    }
    for (const id of variantIds.filter((v) => !getVariant(v).singleTask)) {
      runs.push(await multiTaskRun(ctx, getVariant(id), seed, [...relatedness.values()]));
    }
  }

  const visibleVariants = config.variants.map(getVariant);
  const visibleRuns = runs.filter((r) => config.variants.includes(r.variant));
  const summary = summarize(
    data.tasks.map((t) => ({ name: t.name, metric: primaryMetric(t.kind) })),
    visibleVariants,
    visibleRuns,
  );
  const finished = new Date();
  const results: StudyResults = {
    schemaVersion: 1,
    name,
    configHash,
    config: JSON.parse(JSON.stringify(config)) as Record<string, unknown>,
    software: { ...(await softwareVersions()), backend: backend.name },
    data: {
      tasks: data.tasks.map((t) => ({ ...t }) as StudyResults["data"]["tasks"][number]),
      inputShape: [...data.inputs.inputShape],
      sources: data.sources.map((s) => ({ name: s.name, n: s.n, annotated: annotatedCounts(s, data.tasks) })),
      validation: { n: data.validation.n },
      test: { n: data.test.n },
      description: data.description,
      ...(data.licence ? { licence: data.licence } : {}),
    },
    relatedness: [...usedRelatedness.values()].map(({ plan, used, estimated }) => ({
      method: plan.method,
      used: plain(used),
      ...(plan.fixed && plan.method !== "overlap" ? { given: plain(plan.fixed) } : {}),
      ...(estimated ? { estimated: plain(estimated) } : {}),
    })),
    seeds: config.seeds,
    variants: visibleVariants.map(({ id, label, description, singleTask }) => ({ id, label, description, singleTask })),
    runs: visibleRuns,
    summary,
    deltaM: deltaM(summary),
    timing: { startedAt: started.toISOString(), finishedAt: finished.toISOString(), wallSeconds: (finished.getTime() - started.getTime()) / 1000 },
  };
  const resultsFile = path.join(dir, "results.json");
  await writeJsonAtomic(resultsFile, results);
  return { results, dir, resultsFile };
}

/** A built-in data set's training budget fills in what the config leaves unset. */
function withDatasetDefaults(input: StudyConfigInput): StudyConfigInput {
  const defaults = typeof input.dataset === "string" && Object.hasOwn(builtinDatasets, input.dataset) ? builtinDatasets[input.dataset].studyDefaults : undefined;
  return defaults ? { ...input, training: { ...defaults, ...input.training } } : input;
}

interface RunContext {
  readonly config: StudyConfig;
  readonly data: StudyData;
  readonly dir: string;
  readonly configHash: string;
  readonly emit: (event: StudyEvent) => void;
  readonly saveModels: boolean;
  index: number;
  readonly total: number;
}

/** ST runs are needed whenever a pair's relatedness comes from predictions, even if ST is not reported. */
function orderVariants(requested: readonly string[], plans: readonly RelatednessPlan[]): string[] {
  const ids = [...requested];
  const predictions = plans.some((p) => p.method === "predictions");
  if (predictions && needsRelatedness(ids) && !ids.includes("st")) ids.unshift("st");
  return ids.sort((a, b) => Number(getVariant(b).singleTask) - Number(getVariant(a).singleTask));
}

async function singleTaskRun(ctx: RunContext, variant: VariantDefinition, seed: number, task: Task, stProbs: Map<string, Float32Array>): Promise<RunResult> {
  const sources = ctx.data.sources.filter((s) => s.targets[task.name]).map((s) => keepTasks(s, [task.name]));
  const key: RunKey = { variant: variant.id, seed, task: task.name };
  const probsFile = runFile(ctx, key, "pool.f32");
  const result = await cachedRun(ctx, key, async () => {
    const { result, model } = await trainAndEvaluate(ctx, key, [task], sources, []);
    const probs = (await predictSource(model, ctx.data.pool))[task.name];
    await fs.writeFile(probsFile, Buffer.from(probs.buffer, probs.byteOffset, probs.byteLength));
    model.dispose();
    return result;
  });
  stProbs.set(task.name, await readFloat32(probsFile));
  return result;
}

/**
 * "auto" soft co-annotation: the product rule of METHOD.md for sparse domain knowledge (file, prior);
 * the likelihood rule (label co-annotation's Bayes posterior with p_B in place of the labels) for
 * matrices estimated from data, where every entry is > 0 and the product rule favours the classes with
 * the least related mass (measured on Soybean: the implied disease was right for 3.6 % of test plants
 * under the product rule, 44.5 % under the Bernoulli rule, 70.8 % under the likelihood rule).
 */
function scaModeFor(mode: StudyConfig["coupling"]["scaMode"], method: RelatednessPlan["method"]): ScaMode {
  if (mode !== "auto") return mode;
  return method === "file" || method === "prior" ? "product" : "likelihood";
}

async function multiTaskRun(
  ctx: RunContext,
  variant: VariantDefinition,
  seed: number,
  resolved: readonly { plan: RelatednessPlan; used: Relatedness }[],
): Promise<RunResult> {
  const relatedness = resolved.map((r) => r.used);
  const { config } = ctx;
  const lambdas = {
    dm: variant.terms.dm ? config.coupling.lambdaDm : 0,
    sca: variant.terms.sca ? config.coupling.lambdaSca : 0,
    co: variant.terms.co ? config.coupling.lambdaCo : 0,
  };
  const couplings: CouplingSpec[] =
    lambdas.dm + lambdas.sca + lambdas.co === 0
      ? []
      : resolved.map(({ plan, used }) => ({
          relatedness: used,
          lambdas,
          scaMode: scaModeFor(config.coupling.scaMode, plan.method),
          stopGradient: config.coupling.stopGradient,
          ...(config.coupling.dmGradient ? { dmGradient: config.coupling.dmGradient } : {}),
          ...(config.coupling.scaGradient ? { scaGradient: config.coupling.scaGradient } : {}),
          applyTo: config.coupling.applyTo,
          divergence: config.coupling.divergence,
        }));
  const key: RunKey = { variant: variant.id, seed };
  const modelDir = path.join(ctx.dir, "models", `${variant.id.replace(/[^A-Za-z0-9]+/g, "_")}-s${seed}`);
  const stale = ctx.saveModels && !(await exists(path.join(modelDir, "model.json")));
  return cachedRun(ctx, key, async () => {
    const { result, model } = await trainAndEvaluate(ctx, key, ctx.data.tasks, ctx.data.sources, couplings, variant.weighting);
    if (ctx.saveModels) await saveModel(modelDir, model.model, modelMetadata(ctx.data, variant.id, seed, relatedness));
    model.dispose();
    return result;
  }, stale);
}

async function trainAndEvaluate(
  ctx: RunContext,
  key: RunKey,
  tasks: readonly Task[],
  sources: readonly Source[],
  couplings: readonly CouplingSpec[],
  weightingName?: WeightingName,
): Promise<{ result: RunResult; model: MultiTaskModel }> {
  const { config, data } = ctx;
  const started = Date.now();
  // Same seed, same initial trunk: variants differ only in what they are trained with.
  const model = new MultiTaskModel({
    inputShape: data.inputs.inputShape,
    tasks,
    trunk: config.model,
    headHidden: config.model.headHidden,
    backbone: makeBackbone(data.inputs.inputShape, key.seed),
    seed: key.seed,
  });
  const objective = buildObjective(tasks, couplings);
  const weighting = weightingName
    ? makeWeighting(weightingName, { taskCount: tasks.length, seed: key.seed, gradnormAlpha: config.weighting.gradnormAlpha })
    : undefined;
  const stepsPerEpoch = config.training.stepsPerEpoch ?? Math.max(1, Math.ceil(data.pool.n / config.training.batchSize));
  try {
    const trained = await train({
      model,
      sources,
      objective,
      validation: data.validation,
      options: { ...config.training, stepsPerEpoch, seed: key.seed, checkpoint: runFile(ctx, key, "ckpt"), resume: true },
      onEvent: (event) => ctx.emit({ type: "train", run: key, event }),
      ...(weighting ? { weighting } : {}),
    });
    const metrics = metricsFromProbabilities(tasks, data.test, await predictSource(model, data.test));
    const result: RunResult = {
      variant: key.variant,
      seed: key.seed,
      ...(key.task ? { task: key.task } : {}),
      metrics,
      curves: trained.history,
      bestEpoch: trained.bestEpoch,
      epochs: trained.epochs,
      wallSeconds: (Date.now() - started) / 1000,
    };
    return { result, model };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    objective.dispose();
    weighting?.dispose();
  }
}

/** Reuses a finished run whose inputs hash the same; otherwise runs it and stores the result. */
async function cachedRun(ctx: RunContext, key: RunKey, run: () => Promise<RunResult>, force = false): Promise<RunResult> {
  ctx.index++;
  ctx.emit({ type: "run-start", run: key, index: ctx.index, total: ctx.total });
  const file = runFile(ctx, key, "json");
  if (!force && (await exists(file))) {
    const parsed = runResultSchema.safeParse(JSON.parse(await fs.readFile(file, "utf8")));
    if (parsed.success) {
      ctx.emit({ type: "run-end", run: key, result: parsed.data, cached: true });
      return parsed.data;
    }
  }
  const result = await run();
  await writeJsonAtomic(file, result);
  await fs.rm(runFile(ctx, key, "ckpt"), { force: true });
  ctx.emit({ type: "run-end", run: key, result, cached: false });
  return result;
}

function runFile(ctx: RunContext, key: RunKey, ext: string): string {
  const label = [key.variant.replace(/[^A-Za-z0-9]+/g, "_"), key.task ? key.task.replace(/[^A-Za-z0-9]+/g, "_") : "", `s${key.seed}`].filter(Boolean).join("-");
  return path.join(ctx.dir, "runs", `${label}-${ctx.configHash.slice(0, 12)}.${ext}`);
}

async function readFloat32(file: string): Promise<Float32Array> {
  const buf = await fs.readFile(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** R per pair for this seed: fixed ones as planned, the others from this seed's ST predictions. */
async function resolveRelatedness(
  ctx: RunContext,
  plans: readonly RelatednessPlan[],
  seed: number,
  stProbs: ReadonlyMap<string, Float32Array>,
): Promise<Map<string, { plan: RelatednessPlan; used: Relatedness; estimated?: Relatedness }>> {
  const out = new Map<string, { plan: RelatednessPlan; used: Relatedness; estimated?: Relatedness }>();
  for (const plan of plans) {
    const pA = stProbs.get(plan.from.name);
    const pB = stProbs.get(plan.to.name);
    const estimated = pA && pB ? relatednessFromPredictions(plan.from, plan.to, pA, pB) : undefined;
    const used = plan.fixed ?? estimated;
    if (!used) throw new Error(`relatedness [${plan.from.name}, ${plan.to.name}]: needs the ST models' predictions, but they were not trained`);
    ctx.emit({ type: "relatedness", seed, from: plan.from.name, to: plan.to.name, method: plan.method });
    out.set(`${plan.from.name}->${plan.to.name}`, { plan, used, ...(estimated ? { estimated } : {}) });
  }
  return out;
}

function annotatedCounts(source: Source, tasks: readonly Task[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const task of tasks) {
    const t = source.targets[task.name];
    if (!t) continue;
    if (t.kind === "multiclass") out[task.name] = t.labels.reduce((n, k) => n + (k >= 0 ? 1 : 0), 0);
    else {
      const M = task.kind === "multilabel" ? task.labels.length : 1;
      let n = 0;
      for (let i = 0; i < source.n; i++) if (t.mask.subarray(i * M, (i + 1) * M).some((m) => m > 0)) n++;
      out[task.name] = n;
    }
  }
  return out;
}

function dataFingerprint(data: StudyData): string {
  const h = createHash("sha256");
  h.update(Buffer.from(data.inputs.inputs.buffer, data.inputs.inputs.byteOffset, data.inputs.inputs.byteLength));
  for (const s of [...data.sources, data.validation, data.test]) {
    h.update(s.name);
    for (const [name, t] of Object.entries(s.targets)) {
      h.update(name);
      const arr = t.kind === "multiclass" ? t.labels : t.values;
      h.update(Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
      if (t.kind === "multilabel") h.update(Buffer.from(t.mask.buffer, t.mask.byteOffset, t.mask.byteLength));
    }
  }
  return h.digest("hex");
}

function modelMetadata(data: StudyData, variant: string, seed: number, relatedness: readonly Relatedness[]): ModelMetadata {
  const encoder = (data.inputs as { encoder?: { toJSON(): unknown } }).encoder;
  return {
    format: "distmatch-model",
    version: 1,
    tasks: data.tasks,
    inputShape: data.inputs.inputShape,
    ...(data.inputs.inputNames ? { inputNames: data.inputs.inputNames } : {}),
    ...(encoder ? { encoder: encoder.toJSON() } : {}),
    extra: { variant, seed, relatedness, dataset: data.dataset?.name ?? null },
  };
}

/** A mutable deep copy, as the results schema types want. */
function plain<T>(value: T): StudyResults["relatedness"][number]["used"] {
  return JSON.parse(JSON.stringify(value)) as StudyResults["relatedness"][number]["used"];
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

