import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { useBackend } from "../engine/backend.js";
import { buildObjective, type CouplingSpec } from "../coupling/index.js";
import { keepTasks } from "../data/sources.js";
import type { Source } from "../data/types.js";
import { MultiTaskModel } from "../models/multitask.js";
import { saveModel, type ModelMetadata } from "../models/io.js";
import type { Relatedness } from "../relatedness/types.js";
import type { Task } from "../tasks/types.js";
import { train, type TrainEvent, type TrainResult } from "../train/trainer.js";
import { metricsFromProbabilities, predictSource } from "../train/evaluate.js";
import { primaryMetric } from "../eval/metrics.js";
import { exists, writeJsonAtomic } from "../io/atomic.js";
import { applyOverride, parseStudyConfig, tuningGrid, type CouplingConfig, type CouplingOverride, type StudyConfig, type StudyConfigInput } from "./config.js";
import { prepareStudyData, type StudyData } from "./data.js";
import { checkRelatedness, planRelatedness, relatednessFromPredictions, scaModeFor, type RelatednessPlan } from "./relatedness.js";
import { deltaM, mean, summarize } from "./analysis.js";
import { getVariant, needsRelatedness, type VariantDefinition } from "./variants.js";
import { type RunResult, type StudyResults, type TuningRecord } from "./results.js";
import { CONFIDENCE_LEVEL } from "./statistics.js";
import { readFloat32Verified, readRunResult, removeStaleTempFiles, writeFloat32Verified, writeRunResult, type CorruptFileHandler } from "./cache.js";
import { fileSafeName, own } from "../data/names.js";
import { validateStudyData } from "./validate.js";
import { quarantineFile } from "../train/checkpoint.js";
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
  /** With a shard: this many of the phase's runs are still being trained by other shards. */
  | { readonly type: "shard-wait"; readonly missing: number; readonly total: number; readonly runsDir: string }
  /** A tuning run finished (it has a validation score, not a RunResult). */
  | { readonly type: "tuning-score"; readonly run: RunKey; readonly score: number; readonly cached: boolean }
  | { readonly type: "tuned"; readonly split: number; readonly chosen: CouplingOverride; readonly score: number }
  | { readonly type: "relatedness"; readonly split: number; readonly seed: number; readonly from: string; readonly to: string; readonly method: string }
  /** Something was repaired on the way (a corrupt cached file moved aside and recomputed, stale temp files removed). */
  | { readonly type: "warning"; readonly message: string };

export interface RunKey {
  readonly variant: string;
  /** Split repeat: the data was split with split.seed + split. */
  readonly split: number;
  readonly seed: number;
  readonly task?: string;
}

export interface StudyOptions {
  /** Directory that relative paths in the config are resolved against (default: cwd). */
  readonly baseDir?: string;
  /** Also save every multi-task run's model (TF.js format) under <dir>/models/<variant>-s<seed>/. */
  readonly saveModels?: boolean;
  /** Where finished runs are cached (default <dir>/runs/); studies that share it reuse each other's identical runs. */
  readonly runsDir?: string;
  readonly onEvent?: (event: StudyEvent) => void;
  /**
   * Runs trained at once (Node only; default 1): one in this process, the others in N - 1 worker
   * processes. TensorFlow.js's wasm backend uses one core, so N jobs use N cores; results are
   * bit-identical to one job.
   */
  readonly jobs?: number;
  /**
   * Run only this shard's share of the runs (`index` of `count`, 0-based; runs are assigned by a hash
   * of their key), for several machines sharing one runs folder: between phases each waits for the
   * others' runs to appear there, and each then writes the same results.
   */
  readonly shard?: { readonly index: number; readonly count: number };
}

export interface StudyOutcome {
  readonly results: StudyResults;
  readonly dir: string;
  readonly resultsFile: string;
}

type ResolvedRelatedness = Map<string, { plan: RelatednessPlan; used: Relatedness; estimated?: Relatedness }>;

/**
 * Runs the study protocol of METHOD.md section 5: for every split repeat and seed, ST per task and the
 * chosen MT variants with the same data, backbone and budget, each keeping the checkpoint with the best
 * mean primary validation metric; optionally the coupling settings are chosen per split on validation
 * data only; then the paired analysis per task. Finished runs are kept under <dir>/runs/ keyed by a hash
 * of everything they depend on, so an interrupted study resumes and a changed config reuses nothing stale.
 */
export async function runStudy(input: StudyConfigInput, options: StudyOptions = {}): Promise<StudyOutcome> {
  const config = parseStudyConfig(withDatasetDefaults(input));
  if (options.shard && !(Number.isInteger(options.shard.count) && options.shard.count >= 1 && Number.isInteger(options.shard.index) && options.shard.index >= 0 && options.shard.index < options.shard.count)) {
    throw new Error(`shard: expected 0 <= index < count, got ${options.shard.index} of ${options.shard.count}`);
  }

  const baseDir = options.baseDir ?? process.cwd();
  const emit = options.onEvent ?? (() => {});
  const backend = await useBackend(config.backend);
  const started = new Date();
  const { name, dir, runsDir } = studyDirs(config, baseDir, options.runsDir);
  await fs.mkdir(runsDir, { recursive: true });
  // A shared folder may hold other machines' temp files, whose processes this one cannot see.
  if (!options.shard) {
    const stale = await removeStaleTempFiles(runsDir);
    if (stale.length > 0) emit({ type: "warning", message: `removed ${stale.length} temporary file(s) left by an interrupted run in ${runsDir}` });
  }

  const grid = config.tuning ? tuningGrid(config) : [];
  const tuningSeeds = tuningSeedsOf(config);
  const workers = options.jobs ?? 1;
  const ref: StudyRef = { input, baseDir, saveModels: options.saveModels ?? false, ...(options.runsDir ? { runsDir: options.runsDir } : {}) };
  const env: SplitEnv = { baseDir, dir, runsDir, saveModels: options.saveModels ?? false, emit, grid, tuningSeeds };
  const splits: OpenedSplit[] = [];
  for (let split = 0; split < config.split.repeats; split++) {
    splits.push(await openSplit(config, split, env, (data) => split === 0 && emit({ type: "data", data })));
  }
  const pass: StudyPass = { config, splits, grid, tuningSeeds, workers, ref, emit, progress: { index: 0 }, pool: {}, ...(options.shard ? { shard: options.shard } : {}) };
  let phases;
  try {
    const { stRuns, relatedness, stValidation } = await singleTaskPhase(pass);
    const { mtJobs, tuned } = await tuningPhase(pass, relatedness, stValidation);
    phases = { runs: await multiTaskPhase(pass, stRuns, mtJobs, relatedness), relatedness, tuned };
  } finally {
    pass.pool.open?.close();
  }
  const { runs, relatedness, tuned } = phases;
  const { data } = splits[0];
  const firstRelatedness = relatedness[0].get(config.seeds[0])!;
  const visibleVariants = config.variants.map(getVariant);
  const visibleRuns = runs.filter((r) => config.variants.includes(r.variant));
  const taskMetrics = data.tasks.map((t) => ({ name: t.name, metric: primaryMetric(t.kind) }));
  const variantRecords = visibleVariants.map(({ id, label, description, singleTask }) => ({ id, label, description, singleTask }));
  const finished = new Date();
  const results: StudyResults = {
    schemaVersion: 2,
    name,
    configHash: hashOf(config),
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
    relatedness: [...firstRelatedness.entries()].map(([key, { plan, used, estimated }]) => {
      const check = checkRelatedness(matricesOf(splits, relatedness, key));
      return {
        method: plan.method,
        used: plain(used),
        ...(plan.fixed && plan.method !== "overlap" ? { given: plain(plan.fixed) } : {}),
        ...(estimated ? { estimated: plain(estimated) } : {}),
        ...(check ? { check } : {}),
      };
    }),
    seeds: config.seeds,
    protocol: {
      splitRepeats: config.split.repeats,
      seeds: config.seeds,
      selection: config.training.monitor === "mean" ? "mean over tasks of each task's primary validation metric" : `validation ${config.training.monitor}`,
      interval: { method: "t", level: CONFIDENCE_LEVEL, over: "(split, seed) pairs" },
      ...(config.preset ? { preset: config.preset } : {}),
    },
    ...(grid.length > 0
      ? { tuning: { grid: grid.map((g) => ({ ...g })), seeds: tuningSeeds, variant: config.tuning!.variant, criterion: config.tuning!.criterion, perSplit: tuned } }
      : {}),
    variants: variantRecords,
    runs: visibleRuns,
    summary: summarize(taskMetrics, variantRecords, visibleRuns),
    deltaM: deltaM(taskMetrics, variantRecords, visibleRuns),
    timing: { startedAt: started.toISOString(), finishedAt: finished.toISOString(), wallSeconds: (finished.getTime() - started.getTime()) / 1000 },
  };
  const resultsFile = path.join(dir, "results.json");
  await writeJsonAtomic(resultsFile, results);
  return { results, dir, resultsFile };
}

/** Every distinct matrix a pair used (one per split, or per split and seed), with its split's data. */
function matricesOf(splits: readonly OpenedSplit[], relatedness: readonly Map<number, ResolvedRelatedness>[], key: string) {
  return splits.flatMap(({ data }, i) => {
    const resolved = [...relatedness[i].values()].flatMap((perSeed) => perSeed.get(key) ?? []);
    const distinct = [...new Set(resolved.map((r) => r.used))];
    return distinct.map((R) => ({ R, sources: data.sources, validation: data.validation, from: resolved[0].plan.from }));
  });
}

/** What the study uses of src/study/parallel-runs.ts's pool (that module is loaded only with workers). */
interface StudyPoolHandle {
  run(study: StudyRef, jobs: readonly { readonly split: number; readonly job: SplitJob }[], onEvent: (event: StudyEvent) => void): Promise<unknown>;
  close(): void;
}

/**
 * One study's passes over its splits. With several workers, each phase first runs all its jobs (of
 * every split) in the pool, then the sequential loop reads them back from the runs folder in order.
 */
interface StudyPass {
  readonly config: StudyConfig;
  readonly splits: readonly OpenedSplit[];
  readonly grid: readonly CouplingOverride[];
  readonly tuningSeeds: readonly number[];
  readonly workers: number;
  readonly ref: StudyRef;
  readonly emit: (event: StudyEvent) => void;
  /** Run numbering across splits and phases. */
  readonly progress: { index: number };
  readonly shard?: { readonly index: number; readonly count: number };
  /** The worker processes, started by the first phase that needs them and kept until the study ends. */
  readonly pool: { open?: StudyPoolHandle };
}

/** Every split's ST runs (for the study's seeds and the tuning seeds) and the relatedness they imply. */
async function singleTaskPhase(pass: StudyPass): Promise<{ stRuns: RunResult[][]; relatedness: Map<number, ResolvedRelatedness>[]; stValidation: Map<number, Record<string, number>>[] }> {
  const { config, splits, progress } = pass;
  const stSeeds = unique([...config.seeds, ...(pass.grid.length ? pass.tuningSeeds : [])]);
  await runPhase(pass, splits.map((o) => stJobs(o, stSeeds)));
  const stRuns: RunResult[][] = [];
  const relatedness: Map<number, ResolvedRelatedness>[] = [];
  const stValidation: Map<number, Record<string, number>>[] = [];
  for (const opened of splits) {
    opened.ctx.index = progress.index;
    const perSeed = new Map<number, ResolvedRelatedness>();
    const validation = new Map<number, Record<string, number>>();
    const runs: RunResult[] = [];
    for (const seed of stSeeds) {
      const done = await seedRuns(opened, seed);
      if (config.seeds.includes(seed)) runs.push(...done.runs);
      perSeed.set(seed, done.relatedness);
      validation.set(seed, stSelectedValidation(done.runs));
    }
    stRuns.push(runs);
    relatedness.push(perSeed);
    stValidation.push(validation);
    progress.index = opened.ctx.index;
  }
  return { stRuns, relatedness, stValidation };
}

/** Each task's validation value at its ST model's selected checkpoint (the "st" variant's runs of one seed). */
function stSelectedValidation(runs: readonly RunResult[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const run of runs) {
    if (run.variant !== "st" || !run.task) continue;
    const value = run.curves[run.bestEpoch - 1]?.validation[run.task];
    if (value !== undefined) out[run.task] = value;
  }
  return out;
}

/** Per split, the coupling chosen on validation (when tuning) and the MT jobs that use it. */
async function tuningPhase(
  pass: StudyPass,
  relatedness: readonly Map<number, ResolvedRelatedness>[],
  stValidation: readonly Map<number, Record<string, number>>[],
): Promise<{ mtJobs: SplitJob[][]; tuned: TuningRecord["perSplit"] }> {
  const { config, splits, grid, progress } = pass;
  if (grid.length > 0) {
    await runPhase(pass, splits.map(() => grid.flatMap((_, index) => pass.tuningSeeds.map((seed): SplitJob => ({ kind: "tune", variant: config.tuning!.variant, index, seed })))));
  }
  const mtJobs: SplitJob[][] = [];
  const tuned: TuningRecord["perSplit"] = [];
  for (const [i, opened] of splits.entries()) {
    const { ctx, split, variantIds } = opened;
    ctx.index = progress.index;
    let coupling = config.coupling;
    if (grid.length > 0) {
      const choice = await tuneCoupling(ctx, ctx.data, { split, grid, seeds: pass.tuningSeeds, variant: getVariant(config.tuning!.variant), relatedness: relatedness[i], stValidation: stValidation[i] });
      tuned.push({ split, scores: choice.scores, chosen: choice.chosen });
      pass.emit({ type: "tuned", split, chosen: grid[choice.chosen], score: choice.scores[choice.chosen] });
      coupling = applyOverride(config.coupling, grid[choice.chosen]);
    }
    mtJobs.push(config.seeds.flatMap((seed) => variantIds.filter((v) => !getVariant(v).singleTask).map((variant): SplitJob => ({ kind: "mt", variant, seed, coupling }))));
    progress.index = ctx.index;
  }
  return { mtJobs, tuned };
}

/** Every split's MT runs; the study's runs in the sequential order (per split: ST, then MT). */
async function multiTaskPhase(
  pass: StudyPass,
  stRuns: readonly RunResult[][],
  mtJobs: readonly SplitJob[][],
  relatedness: readonly Map<number, ResolvedRelatedness>[],
): Promise<RunResult[]> {
  const { splits, progress } = pass;
  await runPhase(pass, mtJobs);
  const runs: RunResult[] = [];
  for (const [i, opened] of splits.entries()) {
    opened.ctx.index = progress.index;
    runs.push(...stRuns[i]);
    for (const job of mtJobs[i]) if (job.kind === "mt") runs.push(await mtRun(opened, job, relatedness[i].get(job.seed)));
    progress.index = opened.ctx.index;
  }
  return runs;
}

export interface TuningOutcome {
  readonly tuning: TuningRecord;
  /** Per split, the chosen candidate merged into the config's coupling section. */
  readonly chosen: CouplingConfig[];
}

/**
 * Validation-only selection of the coupling settings without any final model (for deriving defaults):
 * the test split is dropped as soon as the data is split; ST models needed for relatedness from
 * predictions are fitted but never evaluated. Uses the config's tuning section (default grid if absent).
 */
export async function tuneStudy(input: StudyConfigInput, options: StudyOptions = {}): Promise<TuningOutcome> {
  const config = parseStudyConfig(withDatasetDefaults({ ...input, tuning: input.tuning ?? {} }));
  if (config.tuning!.criterion !== "mean") throw new Error(`tuneStudy: criterion "${config.tuning!.criterion}" needs ST models; run the study with --tune instead`);
  const baseDir = options.baseDir ?? process.cwd();
  const emit = options.onEvent ?? (() => {});
  await useBackend(config.backend);
  const { dir, runsDir } = studyDirs(config, baseDir, options.runsDir);
  await fs.mkdir(runsDir, { recursive: true });
  const grid = tuningGrid(config);
  const seeds = tuningSeedsOf(config);
  const variant = getVariant(config.tuning!.variant);
  const perSplit: TuningRecord["perSplit"] = [];
  const chosen: CouplingConfig[] = [];
  let index = 0;
  for (let split = 0; split < config.split.repeats; split++) {
    const prepared = await prepareStudyData({ ...config, split: { ...config.split, seed: config.split.seed + split } }, { baseDir });
    validateStudyData(config, prepared);
    const view = trainingView(prepared);
    const hash = runHash(config, split, view);
    const ctx: RunContext = { config, data: view, dir, runsDir, configHash: hash, viewHash: hash, emit, index, total: config.split.repeats * grid.length * seeds.length, saveModels: false, pooled: new Set() };
    const plans = await planRelatedness(config, view.tasks, view.pairs, view.sources, view.dataset, baseDir);
    const relatedness = new Map<number, ResolvedRelatedness>();
    for (const seed of seeds) {
      const stProbs = new Map<string, Float32Array>();
      if (plans.some((p) => p.method === "predictions")) {
        for (const task of view.tasks) stProbs.set(task.name, await singleTaskPoolProbabilities(ctx, { variant: "st", split, seed, task: task.name }, task));
      }
      relatedness.set(seed, await resolveRelatedness(ctx, plans, split, seed, stProbs));
    }
    const choice = await tuneCoupling(ctx, view, { split, grid, seeds, variant, relatedness });
    perSplit.push({ split, scores: choice.scores, chosen: choice.chosen });
    chosen.push(applyOverride(config.coupling, grid[choice.chosen]));
    emit({ type: "tuned", split, chosen: grid[choice.chosen], score: choice.scores[choice.chosen] });
    index = ctx.index;
  }
  return { tuning: { grid: grid.map((g) => ({ ...g })), seeds, variant: variant.id, perSplit }, chosen };
}

/** An ST model fitted on the training view only, and its predictions on the training pool. */
async function singleTaskPoolProbabilities(ctx: RunContext, key: RunKey, task: Task): Promise<Float32Array> {
  const sources = ctx.data.sources.filter((s) => s.targets[task.name]).map((s) => keepTasks(s, [task.name]));
  const { model } = await fitModel(ctx, ctx.data, key, [task], sources, []);
  try {
    return (await predictSource(model, ctx.data.pool))[task.name];
  } finally {
    model.dispose();
  }
}

function unique(values: readonly number[]): number[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}

/**
 * What every run of one split depends on besides its variant, seed and coupling: the config without
 * the fields that only choose which runs exist (seeds, variants, repeats) or that only coupling runs
 * use (they hash their coupling settings themselves), plus the split's data.
 */
function runHash(config: StudyConfig, split: number, data: TrainingView, test?: Source): string {
  const shared = { ...config, name: undefined, outDir: undefined, seeds: undefined, variants: undefined, coupling: undefined, tuning: undefined, preset: undefined };
  return hashOf({ config: { ...shared, split: { ...config.split, repeats: undefined } }, split, data: dataFingerprint(data, test) });
}

/** The study data without the test split: all that training and tuning may see. */
export type TrainingView = Omit<StudyData, "test">;

function trainingView(data: StudyData): TrainingView {
  const { test: _test, ...view } = data;
  return view;
}

/** The study's output folder and its runs cache (the config's, or a shared one given as an option). */
function studyDirs(config: StudyConfig, baseDir: string, runsDirOption?: string): { name: string; dir: string; runsDir: string } {
  const name = config.name ?? config.dataset ?? "study";
  const dir = path.resolve(baseDir, config.outDir, name);
  return { name, dir, runsDir: runsDirOption ? path.resolve(baseDir, runsDirOption) : path.join(dir, "runs") };
}

/**
 * Seeds each tuning candidate trains with: the config's, else the study's seeds. One seed's validation
 * noise was as large as the gaps between the best candidates (emoji: seed-to-seed sd about 1 point),
 * so a single seed chose among them at random.
 */
function tuningSeedsOf(config: StudyConfig): number[] {
  return config.tuning?.seeds ?? [...config.seeds];
}

/** One split repeat, opened: its data (test split included, for the final runs), plans and run context. */
export interface OpenedSplit {
  readonly split: number;
  readonly data: StudyData;
  readonly plans: readonly RelatednessPlan[];
  /** The variants that run (ST first), including an ST needed only for relatedness. */
  readonly variantIds: readonly string[];
  readonly ctx: RunContext;
}

interface SplitEnv {
  readonly baseDir: string;
  readonly dir: string;
  readonly runsDir: string;
  readonly saveModels: boolean;
  readonly emit: (event: StudyEvent) => void;
  readonly grid: readonly CouplingOverride[];
  readonly tuningSeeds: readonly number[];
}

async function openSplit(config: StudyConfig, split: number, env: SplitEnv, onData?: (data: StudyData) => void): Promise<OpenedSplit> {
  const data = await prepareStudyData({ ...config, split: { ...config.split, seed: config.split.seed + split } }, {
    baseDir: env.baseDir,
    onProgress: (done, total, label) => env.emit({ type: "extract", done, total, label }),
  });
  validateStudyData(config, data);
  onData?.(data);
  const plans = await planRelatedness(config, data.tasks, data.pairs, data.sources, data.dataset, env.baseDir);
  const variantIds = orderVariants(config.variants, plans, config.tuning);
  const perSeed = variantIds.reduce((n, id) => n + (getVariant(id).singleTask ? data.tasks.length : 1), 0);
  const ctx: RunContext = {
    config,
    data: trainingView(data),
    test: data.test,
    dir: env.dir,
    runsDir: env.runsDir,
    configHash: runHash(config, split, data, data.test),
    viewHash: runHash(config, split, data),
    emit: env.emit,
    index: 0,
    total: config.split.repeats * (config.seeds.length * perSeed + env.grid.length * env.tuningSeeds.length),
    saveModels: env.saveModels,
    pooled: new Set(),
  };
  return { split, data, plans, variantIds, ctx };
}

/** One run of a split, as the sequential loop and a pool worker both run it. */
export type SplitJob =
  | { readonly kind: "st"; readonly variant: string; readonly seed: number; readonly task: string }
  | { readonly kind: "mt"; readonly variant: string; readonly seed: number; readonly coupling: CouplingConfig }
  /** Candidate `index` of the tuning grid, with one tuning seed. */
  | { readonly kind: "tune"; readonly variant: string; readonly index: number; readonly seed: number };

export function splitJobKey(split: number, job: SplitJob): RunKey {
  if (job.kind === "st") return { variant: job.variant, split, seed: job.seed, task: job.task };
  if (job.kind === "mt") return { variant: job.variant, split, seed: job.seed };
  return { variant: tuningRunVariant(job.variant, job.index), split, seed: job.seed };
}

function stJobs(opened: OpenedSplit, seeds: readonly number[]): SplitJob[] {
  const st = opened.variantIds.filter((v) => getVariant(v).singleTask);
  return seeds.flatMap((seed) => st.flatMap((variant) => opened.data.tasks.map((task): SplitJob => ({ kind: "st", variant, seed, task: task.name }))));
}

/** A seed's ST runs (cached once done) and the relatedness their predictions imply. */
async function seedRuns(opened: OpenedSplit, seed: number): Promise<{ runs: RunResult[]; relatedness: ResolvedRelatedness }> {
  const { ctx, plans, split } = opened;
  const stProbs = new Map<string, Float32Array>();
  const runs: RunResult[] = [];
  for (const job of stJobs(opened, [seed])) runs.push(await stRun(opened, job as Extract<SplitJob, { kind: "st" }>, stProbs));
  const needed = needsRelatedness(opened.variantIds);
  return { runs, relatedness: needed ? await resolveRelatedness(ctx, plans, split, seed, stProbs) : new Map() };
}

function stRun(opened: OpenedSplit, job: Extract<SplitJob, { kind: "st" }>, stProbs: Map<string, Float32Array>): Promise<RunResult> {
  const task = opened.data.tasks.find((t) => t.name === job.task);
  if (!task) throw new Error(`no task "${job.task}" in this study`);
  return singleTaskRun(opened.ctx, getVariant(job.variant), splitJobKey(opened.split, job), task, stProbs);
}

/** An MT run; it needs its seed's relatedness, which a worker recomputes from the cached ST runs. */
async function mtRun(opened: OpenedSplit, job: Extract<SplitJob, { kind: "mt" }>, relatedness?: ResolvedRelatedness): Promise<RunResult> {
  const resolved = relatedness ?? (await seedRuns(opened, job.seed)).relatedness;
  return multiTaskRun(opened.ctx, getVariant(job.variant), splitJobKey(opened.split, job), [...resolved.values()], job.coupling);
}

/** Runs one job as a pool worker does: an ST or MT run's result, or a tuning run's validation values. */
export async function runSplitJob(opened: OpenedSplit, job: SplitJob): Promise<RunResult | Record<string, number>> {
  if (job.kind === "st") return stRun(opened, job, new Map());
  if (job.kind === "mt") return mtRun(opened, job);
  const { config } = opened.ctx;
  const grid = tuningGrid(config);
  const variant = getVariant(job.variant);
  const resolved = [...(await seedRuns(opened, job.seed)).relatedness.values()];
  return tuningScore(opened.ctx, opened.ctx.data, { split: opened.split, index: job.index, candidate: grid[job.index], seed: job.seed, variant, resolved });
}

/** What a pool worker needs to open the same study the parent opened. */
export interface StudyRef {
  readonly input: StudyConfigInput;
  readonly baseDir: string;
  readonly runsDir?: string;
  readonly saveModels: boolean;
}

/** A split as a pool worker opens it: the parent's config, data and run context; events go to `emit`. */
export async function openSplitForWorker(ref: StudyRef, split: number, emit: (event: StudyEvent) => void): Promise<OpenedSplit> {
  const config = parseStudyConfig(withDatasetDefaults(ref.input));
  await useBackend(config.backend);
  const { dir, runsDir } = studyDirs(config, ref.baseDir, ref.runsDir);
  return openSplit(config, split, { baseDir: ref.baseDir, dir, runsDir, saveModels: ref.saveModels, emit, grid: config.tuning ? tuningGrid(config) : [], tuningSeeds: tuningSeedsOf(config) });
}

/**
 * A phase's jobs before the sequential loop reads them back: on `workers` processes, and with a shard
 * only this shard's share, then waiting for the other shards' runs. Sequential and unsharded, the loop
 * itself runs them.
 */
async function runPhase(pass: StudyPass, jobs: readonly (readonly SplitJob[])[]): Promise<void> {
  if (pass.workers <= 1 && !pass.shard) return;
  const batch = pass.splits.flatMap((opened, i) => jobs[i].map((job) => ({ split: opened.split, job })));
  const mine = pass.shard ? batch.filter(({ split, job }) => shardOfKey(splitJobKey(split, job), pass.shard!.count) === pass.shard!.index) : batch;
  if (pass.workers > 1) await runInPool(pass, mine);
  else {
    for (const { split, job } of mine) {
      const { ctx } = pass.splits[split];
      ctx.index = pass.progress.index;
      await runSplitJob(pass.splits[split], job);
      pass.progress.index = ctx.index;
    }
  }
  for (const { split, job } of batch) pass.splits[split].ctx.pooled.add(runKeyId(splitJobKey(split, job)));
  if (pass.shard) await waitForRuns(pass, batch);
}

/** Which of `count` shards a run belongs to: a hash of its key, so every machine agrees without talking. */
export function shardOfKey(key: RunKey, count: number): number {
  return Number.parseInt(hashOf(runKeyId(key)).slice(0, 8), 16) % count;
}

/** Polls the runs folder until every job's result file is there (the other shards write them). */
async function waitForRuns(pass: StudyPass, batch: readonly { split: number; job: SplitJob }[]): Promise<void> {
  const files = batch.map(({ split, job }) => jobResultFile(pass.splits[split], job));
  let reported = -1;
  for (;;) {
    const missing = (await Promise.all(files.map(async (f) => ((await exists(f)) ? 0 : 1)))).reduce<number>((a, b) => a + b, 0);
    if (missing === 0) return;
    if (missing !== reported) pass.emit({ type: "shard-wait", missing, total: files.length, runsDir: pass.splits[0].ctx.runsDir });
    reported = missing;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The file a job's result is cached in (what the sequential loop reads back). */
function jobResultFile(opened: OpenedSplit, job: SplitJob): string {
  const { ctx, split } = opened;
  const key = splitJobKey(split, job);
  if (job.kind === "st") return runFile(ctx, key, "json");
  if (job.kind === "mt") return runFile(ctx, key, "json", couplingHash(getVariant(job.variant), job.coupling, ctx.config));
  return tuningFile(ctx, key, getVariant(job.variant), applyOverride(ctx.config.coupling, tuningGrid(ctx.config)[job.index]));
}

/** Runs jobs on `pass.workers` processes (src/study/parallel-runs.ts); their progress is numbered here, in start order. */
async function runInPool(pass: StudyPass, batch: readonly { split: number; job: SplitJob }[]): Promise<void> {
  // Computed, so that bundlers for the browser (which has no processes) do not follow it.
  const module = `./parallel-runs${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`;
  const { openStudyPool } = (await import(/* @vite-ignore */ module)) as typeof import("./parallel-runs.js");
  for (const { split, job } of batch) pass.splits[split].ctx.pooled.add(runKeyId(splitJobKey(split, job)));
  const { ctx } = pass.splits[0];
  pass.pool.open ??= openStudyPool(pass.workers, pass.splits);
  await pass.pool.open.run(pass.ref, batch, (event) => {
    if (event.type === "run-start") ctx.emit({ ...event, index: ++pass.progress.index, total: ctx.total });
    else ctx.emit(event);
  });
}

/** A run's identity as text: for the pooled set, pool job keys and shard hashing. */
export function runKeyId(key: RunKey): string {
  return JSON.stringify([key.variant, key.split, key.seed, key.task ?? null]);
}

/** A built-in data set's training budget fills in what the config leaves unset. */
function withDatasetDefaults(input: StudyConfigInput): StudyConfigInput {
  const defaults = typeof input.dataset === "string" && Object.hasOwn(builtinDatasets, input.dataset) ? builtinDatasets[input.dataset].studyDefaults : undefined;
  return defaults ? { ...input, training: { ...defaults, ...input.training } } : input;
}

interface RunContext {
  readonly config: StudyConfig;
  /** Everything but the test split; only trainAndEvaluate reads `test`. */
  readonly data: TrainingView;
  readonly test?: Source;
  readonly dir: string;
  readonly runsDir: string;
  /** Hash of what the final runs depend on (test split included). */
  readonly configHash: string;
  /** Hash of what tuning runs depend on (no test split). */
  readonly viewHash: string;
  readonly emit: (event: StudyEvent) => void;
  readonly saveModels: boolean;
  index: number;
  readonly total: number;
  /** Runs a pool ran for this split: the loop reads them back without reporting them again. */
  readonly pooled: Set<string>;
}

/** ST runs are needed whenever a pair's relatedness comes from predictions, even if ST is not reported. */
function orderVariants(requested: readonly string[], plans: readonly RelatednessPlan[], tuning?: StudyConfig["tuning"]): string[] {
  const ids = [...requested];
  const predictions = plans.some((p) => p.method === "predictions");
  const forRelatedness = predictions && needsRelatedness([...ids, ...(tuning ? [tuning.variant] : [])]);
  // The "worst-task" tuning criterion compares every candidate with the ST models.
  if ((forRelatedness || tuning?.criterion === "worst-task") && !ids.includes("st")) ids.unshift("st");
  return ids.sort((a, b) => Number(getVariant(b).singleTask) - Number(getVariant(a).singleTask));
}

async function singleTaskRun(ctx: RunContext, variant: VariantDefinition, key: RunKey, task: Task, stProbs: Map<string, Float32Array>): Promise<RunResult> {
  const sources = ctx.data.sources.filter((s) => own(s.targets, task.name)).map((s) => keepTasks(s, [task.name]));
  const probsFile = runFile(ctx, key, "pool.f32");
  const width = task.kind === "multiclass" ? task.classes.length : task.labels.length;
  let probs = await readFloat32Verified(probsFile, ctx.data.pool.n * width, corruptFileWarning(ctx));
  const result = await cachedRun(ctx, key, async () => {
    const { result, model } = await trainAndEvaluate(ctx, key, [task], sources, []);
    probs = (await predictSource(model, ctx.data.pool))[task.name];
    await writeFloat32Verified(probsFile, probs);
    model.dispose();
    return result;
  }, probs === undefined);
  stProbs.set(task.name, probs!);
  return result;
}

/** The coupling terms of a variant under the given coupling settings; none for plain MT. */
function couplingSpecs(
  variant: VariantDefinition,
  resolved: readonly { plan: RelatednessPlan; used: Relatedness }[],
  coupling: CouplingConfig,
): CouplingSpec[] {
  const lambdas = {
    dm: variant.terms.dm ? coupling.lambdaDm : 0,
    sca: variant.terms.sca ? coupling.lambdaSca : 0,
    co: variant.terms.co ? coupling.lambdaCo : 0,
  };
  if (lambdas.dm + lambdas.sca + lambdas.co === 0) return [];
  return resolved.map(({ plan, used }) => ({
    relatedness: used,
    lambdas,
    scaMode: scaModeFor(coupling.scaMode, plan.method, used),
    stopGradient: coupling.stopGradient,
    ...(coupling.dmGradient ? { dmGradient: coupling.dmGradient } : {}),
    ...(coupling.scaGradient ? { scaGradient: coupling.scaGradient } : {}),
    applyTo: coupling.applyTo,
    divergence: coupling.divergence,
    ...(coupling.trunkGradient === false ? { trunkGradient: false } : {}),
    ...(coupling.minConfidence ? { minConfidence: coupling.minConfidence } : {}),
  }));
}

/** What a coupled run depends on beyond the split's hash: its coupling settings (none for plain MT). */
function couplingHash(variant: VariantDefinition, coupling: CouplingConfig, config: StudyConfig): string {
  const t = variant.terms;
  return t.dm || t.sca || t.co ? hashOf({ coupling, relatedness: config.relatedness }).slice(0, 8) : "";
}

async function multiTaskRun(
  ctx: RunContext,
  variant: VariantDefinition,
  key: RunKey,
  resolved: readonly { plan: RelatednessPlan; used: Relatedness }[],
  coupling: CouplingConfig,
): Promise<RunResult> {
  const relatedness = resolved.map((r) => r.used);
  const couplings = couplingSpecs(variant, resolved, coupling);
  const suffix = key.split > 0 ? `-r${key.split}` : "";
  const modelDir = path.join(ctx.dir, "models", `${variant.id.replace(/[^A-Za-z0-9]+/g, "_")}-s${key.seed}${suffix}`);
  const stale = ctx.saveModels && !(await exists(path.join(modelDir, "model.json")));
  const hash = couplingHash(variant, coupling, ctx.config);
  return cachedRun(ctx, key, async () => {
    const { result, model } = await trainAndEvaluate(ctx, key, ctx.data.tasks, ctx.data.sources, couplings, hash, variant.weighting);
    if (ctx.saveModels) await saveModel(modelDir, model.model, modelMetadata(ctx.data, variant.id, key.seed, relatedness, ctx.config.data?.spec));
    model.dispose();
    return result;
  }, stale, hash);
}

/** The model of one run, trained and selected on the training view; it never sees the test split. */
async function fitModel(
  ctx: RunContext,
  view: TrainingView,
  key: RunKey,
  tasks: readonly Task[],
  sources: readonly Source[],
  couplings: readonly CouplingSpec[],
  checkpoint?: string,
  weightingName?: WeightingName,
): Promise<{ model: MultiTaskModel; trained: TrainResult }> {
  const { config } = ctx;
  // Same seed, same initial trunk: variants differ only in what they are trained with.
  const model = new MultiTaskModel({
    inputShape: view.inputs.inputShape,
    tasks,
    trunk: config.model,
    headHidden: config.model.headHidden,
    backbone: makeBackbone(view.inputs.inputShape, key.seed),
    seed: key.seed,
  });
  const objective = buildObjective(tasks, couplings);
  const weighting = weightingName
    ? makeWeighting(weightingName, { taskCount: tasks.length, seed: key.seed, gradnormAlpha: config.weighting.gradnormAlpha })
    : undefined;
  const stepsPerEpoch = config.training.stepsPerEpoch ?? Math.max(1, Math.ceil(view.pool.n / config.training.batchSize));
  try {
    const trained = await train({
      model,
      sources,
      objective,
      validation: view.validation,
      options: { ...config.training, stepsPerEpoch, seed: key.seed, ...(checkpoint ? { checkpoint, resume: true } : {}) },
      onEvent: (event) => ctx.emit({ type: "train", run: key, event }),
      ...(weighting ? { weighting } : {}),
    });
    return { model, trained };
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    objective.dispose();
    weighting?.dispose();
  }
}

/** Fits on the training view, then reads the test split once for the selected model. */
async function trainAndEvaluate(
  ctx: RunContext,
  key: RunKey,
  tasks: readonly Task[],
  sources: readonly Source[],
  couplings: readonly CouplingSpec[],
  extraHash = "",
  weightingName?: WeightingName,
): Promise<{ result: RunResult; model: MultiTaskModel }> {
  const started = Date.now();
  const test = ctx.test;
  if (!test) throw new Error("internal error: a final run without a test split");
  // The checkpoint is named like the run's result, so runs with other coupling settings never resume it.
  const { model, trained } = await fitModel(ctx, ctx.data, key, tasks, sources, couplings, runFile(ctx, key, "ckpt", extraHash), weightingName);
  try {
    const metrics = metricsFromProbabilities(tasks, test, await predictSource(model, test));
    const result: RunResult = {
      variant: key.variant,
      split: key.split,
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
  }
}

/** The selected checkpoint's validation score: the mean over the model's tasks of each primary metric. */
export function selectedValidationScore(trained: { readonly history: readonly { readonly validation: Record<string, number> }[]; readonly bestEpoch: number }): number {
  return mean(Object.values(selectedValidation(trained)));
}

/** Each task's primary validation metric at the selected checkpoint. */
export function selectedValidation(trained: { readonly history: readonly { readonly validation: Record<string, number> }[]; readonly bestEpoch: number }): Record<string, number> {
  const record = trained.history[trained.bestEpoch - 1];
  if (!record || Object.keys(record.validation).length === 0) throw new Error("tuning: the run recorded no validation metrics (is the validation split empty?)");
  return record.validation;
}

/** The "worst-task" criterion: the smallest gain over ST of any task (validation values of one split and seed). */
export function worstTaskGain(candidate: Readonly<Record<string, number>>, singleTask: Readonly<Record<string, number>>): number {
  const gains = Object.entries(candidate).map(([task, value]) => {
    const st = Object.hasOwn(singleTask, task) ? singleTask[task] : undefined;
    if (st === undefined) throw new Error(`tuning: no ST validation value for task "${task}"`);
    return value - st;
  });
  return Math.min(...gains);
}

/** A candidate's tuning score: one value per tuning seed, averaged, under the config's criterion. */
function candidateScore(criterion: "mean" | "worst-task", perSeed: readonly { validation: Record<string, number>; st?: Record<string, number> }[]): number {
  return mean(
    perSeed.map(({ validation, st }) => {
      if (criterion === "mean") return mean(Object.values(validation));
      if (!st) throw new Error('tuning: criterion "worst-task" needs the ST runs of each tuning seed');
      return worstTaskGain(validation, st);
    }),
  );
}

/**
 * Inner selection of the coupling settings for one split: every grid candidate is trained as the tuning
 * variant with each tuning seed and scored on its selected checkpoint's validation values (by the
 * config's criterion, averaged over the seeds); the best wins (the first on ties). It receives the training view only, so it cannot read the test split.
 */
async function tuneCoupling(
  ctx: RunContext,
  view: TrainingView,
  args: {
    split: number;
    grid: readonly CouplingOverride[];
    seeds: readonly number[];
    variant: VariantDefinition;
    relatedness: ReadonlyMap<number, ResolvedRelatedness>;
    /** Per tuning seed, each task's ST validation value (needed by the "worst-task" criterion). */
    stValidation?: ReadonlyMap<number, Record<string, number>>;
  },
): Promise<{ scores: number[]; chosen: number }> {
  const scores: number[] = [];
  const criterion = ctx.config.tuning?.criterion ?? "mean";
  for (const [index, candidate] of args.grid.entries()) {
    const perSeed: { validation: Record<string, number>; st?: Record<string, number> }[] = [];
    for (const seed of args.seeds) {
      const resolved = [...(args.relatedness.get(seed)?.values() ?? [])];
      const validation = await tuningScore(ctx, view, { split: args.split, index, candidate, seed, variant: args.variant, resolved });
      const st = args.stValidation?.get(seed);
      perSeed.push({ validation, ...(st ? { st } : {}) });
    }
    scores.push(candidateScore(criterion, perSeed));
  }
  const chosen = scores.reduce((best, v, i) => (v > scores[best] ? i : best), 0);
  return { scores, chosen };
}

/** One tuning run: grid candidate `index` with one seed; its per-task validation values, cached in the runs folder. */
async function tuningScore(
  ctx: RunContext,
  view: TrainingView,
  job: {
    split: number;
    index: number;
    candidate: CouplingOverride;
    seed: number;
    variant: VariantDefinition;
    resolved: readonly { plan: RelatednessPlan; used: Relatedness }[];
  },
): Promise<Record<string, number>> {
  const coupling = applyOverride(ctx.config.coupling, job.candidate);
  const key: RunKey = { variant: tuningRunVariant(job.variant.id, job.index), split: job.split, seed: job.seed };
  const file = tuningFile(ctx, key, job.variant, coupling);
  const cached = await readTuningValidation(file, corruptFileWarning(ctx));
  if (cached !== undefined && ctx.pooled.has(runKeyId(key))) return cached;
  ctx.index++;
  ctx.emit({ type: "run-start", run: key, index: ctx.index, total: ctx.total });
  let validation = cached;
  if (validation === undefined) {
    const { model, trained } = await fitModel(ctx, view, key, view.tasks, view.sources, couplingSpecs(job.variant, job.resolved, coupling));
    model.dispose();
    validation = selectedValidation(trained);
    await writeJsonAtomic(file, { candidate: job.candidate, score: selectedValidationScore(trained), validation, bestEpoch: trained.bestEpoch });
  }
  ctx.emit({ type: "tuning-score", run: key, score: candidateScore("mean", [{ validation }]), cached: cached !== undefined });
  return validation;
}

function tuningFile(ctx: RunContext, key: RunKey, variant: VariantDefinition, coupling: CouplingConfig): string {
  return runFile(ctx, key, "json", couplingHash(variant, coupling, ctx.config), ctx.viewHash);
}

function tuningRunVariant(variant: string, index: number): string {
  return `tune:${variant}#${index}`;
}

/**
 * A cached tuning run's per-task validation values, or undefined when there is none, it predates them
 * (recomputed and overwritten), or it is unreadable (then it is moved aside).
 */
async function readTuningValidation(file: string, onCorrupt: CorruptFileHandler): Promise<Record<string, number> | undefined> {
  if (!(await exists(file))) return undefined;
  try {
    const stored = JSON.parse(await fs.readFile(file, "utf8")) as { score?: unknown; validation?: unknown };
    const validation = stored.validation;
    const valid = (v: unknown): v is Record<string, number> =>
      typeof v === "object" && v !== null && Object.keys(v).length > 0 && Object.values(v).every((x) => typeof x === "number" && Number.isFinite(x));
    if (valid(validation)) return validation;
    if (typeof stored.score === "number" && Number.isFinite(stored.score)) return undefined;
  } catch {
    // fall through: a truncated or edited file is recomputed
  }
  onCorrupt(file, await quarantineFile(file), "not a valid tuning score file");
  return undefined;
}

/** Reuses a finished run whose inputs hash the same; otherwise runs it and stores the result. */
async function cachedRun(ctx: RunContext, key: RunKey, run: () => Promise<RunResult>, force = false, extraHash = ""): Promise<RunResult> {
  const file = runFile(ctx, key, "json", extraHash);
  const cached = force ? undefined : await readRunResult(file, corruptFileWarning(ctx));
  if (cached && ctx.pooled.has(runKeyId(key))) return cached;
  ctx.index++;
  ctx.emit({ type: "run-start", run: key, index: ctx.index, total: ctx.total });
  if (cached) {
    ctx.emit({ type: "run-end", run: key, result: cached, cached: true });
    return cached;
  }
  const result = await run();
  await writeRunResult(file, result);
  await fs.rm(runFile(ctx, key, "ckpt", extraHash), { force: true });
  ctx.emit({ type: "run-end", run: key, result, cached: false });
  return result;
}

function runFile(ctx: RunContext, key: RunKey, ext: string, extraHash = "", hash = ctx.configHash): string {
  const label = [key.variant.replace(/[^A-Za-z0-9]+/g, "_"), key.task ? fileSafeName(key.task) : "", `r${key.split}`, `s${key.seed}`, extraHash].filter(Boolean).join("-");
  return path.join(ctx.runsDir, `${label}-${hash.slice(0, 12)}.${ext}`);
}

function corruptFileWarning(ctx: RunContext): CorruptFileHandler {
  return (file, movedTo, reason) => ctx.emit({ type: "warning", message: `${file}: ${reason}; moved it to ${movedTo} and recomputing this run` });
}

/** R per pair for this split and seed: fixed ones as planned, the others from this seed's ST predictions. */
async function resolveRelatedness(
  ctx: RunContext,
  plans: readonly RelatednessPlan[],
  split: number,
  seed: number,
  stProbs: ReadonlyMap<string, Float32Array>,
): Promise<ResolvedRelatedness> {
  const out: ResolvedRelatedness = new Map();
  for (const plan of plans) {
    const pA = stProbs.get(plan.from.name);
    const pB = stProbs.get(plan.to.name);
    const estimated = pA && pB ? relatednessFromPredictions(plan.from, plan.to, pA, pB) : undefined;
    const used = plan.fixed ?? estimated;
    if (!used) throw new Error(`relatedness [${plan.from.name}, ${plan.to.name}]: needs the ST models' predictions, but they were not trained`);
    ctx.emit({ type: "relatedness", split, seed, from: plan.from.name, to: plan.to.name, method: plan.method });
    out.set(`${plan.from.name}->${plan.to.name}`, { plan, used, ...(estimated ? { estimated } : {}) });
  }
  return out;
}

function annotatedCounts(source: Source, tasks: readonly Task[]): Record<string, number> {
  const out: [string, number][] = [];
  for (const task of tasks) {
    const t = own(source.targets, task.name);
    if (!t) continue;
    if (t.kind === "multiclass") out.push([task.name, t.labels.reduce((n, k) => n + (k >= 0 ? 1 : 0), 0)]);
    else {
      const M = task.kind === "multilabel" ? task.labels.length : 1;
      let n = 0;
      for (let i = 0; i < source.n; i++) if (t.mask.subarray(i * M, (i + 1) * M).some((m) => m > 0)) n++;
      out.push([task.name, n]);
    }
  }
  return Object.fromEntries(out);
}

function dataFingerprint(data: TrainingView, test?: Source): string {
  const h = createHash("sha256");
  h.update(Buffer.from(data.inputs.inputs.buffer, data.inputs.inputs.byteOffset, data.inputs.inputs.byteLength));
  for (const s of [...data.sources, data.validation, ...(test ? [test] : [])]) {
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

function modelMetadata(data: TrainingView, variant: string, seed: number, relatedness: readonly Relatedness[], spec?: unknown): ModelMetadata {
  const encoder = (data.inputs as { encoder?: { toJSON(): unknown } }).encoder;
  const images = (data.inputs as { images?: ModelMetadata["images"] }).images;
  return {
    format: "distmatch-model",
    version: 1,
    tasks: data.tasks,
    inputShape: data.inputs.inputShape,
    ...(data.inputs.inputNames ? { inputNames: data.inputs.inputNames } : {}),
    ...(encoder ? { encoder: encoder.toJSON() } : {}),
    ...(images ? { images } : {}),
    // The training spec, so `evaluate` reads label columns exactly as training did.
    extra: { variant, seed, relatedness, dataset: data.dataset?.name ?? null, ...(spec ? { spec } : {}) },
  };
}

/** A mutable deep copy, as the results schema types want. */
function plain<T>(value: T): StudyResults["relatedness"][number]["used"] {
  return JSON.parse(JSON.stringify(value)) as StudyResults["relatedness"][number]["used"];
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

