import * as path from "node:path";
import { readStudyConfig, type StudyConfigInput } from "../study/config.js";
import { runStudy } from "../study/run.js";
import { writeReport } from "../report/index.js";
import { studyProgress } from "./progress.js";
import { formatSummaryTable } from "./table.js";
import { UsageError } from "./usage.js";
import { defaultJobs } from "../parallel/pool.js";

export interface StudyFlags {
  config?: string;
  dataset?: string;
  data?: string[];
  spec?: string;
  test?: string;
  name?: string;
  out: string;
  seeds?: number[];
  repeats?: number;
  preset?: string;
  tune?: boolean;
  tuneCriterion?: string;
  variants?: string[];
  epochs?: number;
  batchSize?: number;
  lr?: number;
  lrSchedule?: string;
  headHidden?: number[];
  overlap?: number;
  ratio?: number[];
  representation?: string;
  relatedness?: string;
  relatednessFile?: string[];
  prior?: string;
  lambdaDm?: number;
  lambdaSca?: number;
  scaMode?: string;
  stopGradient?: boolean;
  dmGradient?: string;
  scaGradient?: string;
  applyTo?: string;
  divergence?: string;
  trunkGradient?: boolean;
  minConfidence?: number;
  backend?: string;
  engine?: string;
  json?: boolean;
  report: boolean;
  quiet?: boolean;
  jobs?: number;
  shard?: { index: number; count: number };
  variant?: string;
  seed?: number;
}

type Obj = Record<string, unknown>;

/** Flags override the config file's fields; the merged object is validated by the study schema. */
export async function configFromFlags(flags: StudyFlags, mode: "study" | "train"): Promise<{ config: StudyConfigInput; baseDir: string }> {
  const fromFile = flags.config ? ((await readStudyConfig(flags.config)) as Obj) : {};
  const baseDir = flags.config ? path.dirname(path.resolve(flags.config)) : process.cwd();
  const config: Obj = { ...fromFile };
  const section = (key: string): Obj => (config[key] = { ...((config[key] as Obj | undefined) ?? {}) }) as Obj;
  if (flags.dataset) config.dataset = flags.dataset;
  if (flags.data) {
    if (!flags.spec) throw new UsageError("--data needs --spec <file> (which columns are inputs and which are labels)");
    const spec = await readStudyConfig(flags.spec);
    config.data = { sources: flags.data.map((file) => ({ file: path.resolve(file) })), spec, ...(flags.test ? { test: path.resolve(flags.test) } : {}) };
  }
  if (flags.name) config.name = flags.name;
  if (flags.out !== "runs" || config.outDir === undefined) config.outDir = path.resolve(flags.out);
  if (flags.seeds) config.seeds = flags.seeds;
  if (flags.repeats !== undefined) section("split").repeats = flags.repeats;
  if (flags.preset) config.preset = flags.preset;
  if ((flags.tune || flags.tuneCriterion) && config.tuning === undefined) config.tuning = {};
  if (flags.tuneCriterion) section("tuning").criterion = flags.tuneCriterion;
  if (flags.variants) config.variants = flags.variants;
  if (flags.representation) config.representation = flags.representation;
  if (flags.backend) config.backend = flags.backend;
  if (flags.engine) section("training").engine = flags.engine;
  if (flags.epochs !== undefined) section("training").epochs = flags.epochs;
  if (flags.batchSize !== undefined) section("training").batchSize = flags.batchSize;
  if (flags.lr !== undefined) section("training").learningRate = flags.lr;
  if (flags.lrSchedule) section("training").learningRateSchedule = flags.lrSchedule;
  if (flags.headHidden) section("model").headHidden = flags.headHidden;
  if (flags.overlap !== undefined) section("split").overlap = flags.overlap;
  if (flags.ratio) section("split").ratio = flags.ratio;
  if (flags.relatedness) section("relatedness").method = flags.relatedness;
  // One file stays a string, as before lists were allowed, so existing studies keep their config hash and cached runs.
  if (flags.relatednessFile) section("relatedness").file = flags.relatednessFile.length === 1 ? path.resolve(flags.relatednessFile[0]) : flags.relatednessFile.map((f) => path.resolve(f));
  if (flags.prior) section("relatedness").prior = flags.prior;
  if (flags.lambdaDm !== undefined) section("coupling").lambdaDm = flags.lambdaDm;
  if (flags.lambdaSca !== undefined) section("coupling").lambdaSca = flags.lambdaSca;
  if (flags.scaMode) section("coupling").scaMode = flags.scaMode;
  if (flags.stopGradient !== undefined) section("coupling").stopGradient = flags.stopGradient;
  if (flags.dmGradient) section("coupling").dmGradient = flags.dmGradient;
  if (flags.scaGradient) section("coupling").scaGradient = flags.scaGradient;
  if (flags.applyTo) section("coupling").applyTo = flags.applyTo;
  if (flags.divergence) section("coupling").divergence = flags.divergence;
  if (flags.trunkGradient === false) section("coupling").trunkGradient = false;
  if (flags.minConfidence !== undefined) section("coupling").minConfidence = flags.minConfidence;
  if (mode === "train") {
    // Its own folder, so that training one variant never overwrites a study's results.json and report.
    if (!flags.name) config.name = `${(config.name as string | undefined) ?? (config.dataset as string | undefined) ?? "study"}-train`;
    config.variants = [flags.variant ?? "mt+coupling"];
    config.seeds = [flags.seed ?? ((config.seeds as number[] | undefined)?.[0] ?? 0)];
    section("split").repeats = 1;
  }
  return { config: config as StudyConfigInput, baseDir };
}

export async function runStudyCommand(flags: StudyFlags, mode: "study" | "train"): Promise<void> {
  const { config, baseDir } = await configFromFlags(flags, mode);
  const progress = studyProgress({ quiet: Boolean(flags.quiet || flags.json) });
  let outcome;
  try {
    outcome = await runStudy(config, { baseDir, onEvent: progress.onEvent, saveModels: mode === "train", jobs: flags.jobs ?? defaultJobs(), ...(flags.shard ? { shard: flags.shard } : {}) });
  } finally {
    progress.stop();
  }
  const report = flags.report ? await writeReport(outcome.dir) : undefined;
  if (flags.json) {
    process.stdout.write(JSON.stringify({ results: outcome.resultsFile, report, summary: outcome.results.summary, deltaM: outcome.results.deltaM }, null, 2) + "\n");
    return;
  }
  process.stdout.write(`\n${formatSummaryTable(outcome.results)}\n\n`);
  if (mode === "train") {
    const variant = (config.variants ?? ["mt+coupling"])[0].replace(/[^A-Za-z0-9]+/g, "_");
    process.stdout.write(`model:   ${path.join(outcome.dir, "models", `${variant}-s${outcome.results.seeds[0]}`)}\n`);
  }
  process.stdout.write(`results: ${outcome.resultsFile}\n`);
  if (report) process.stdout.write(`report:  ${report}\n`);
}
