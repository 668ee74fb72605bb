import { z } from "zod";
import { readFileText } from "../io/storage.js";
import { variantIds } from "./variants.js";

/** Seeds are hashed as 32-bit integers: larger ones would wrap onto smaller ones. */
export const MAX_SEED = 2 ** 32 - 1;
/** A hard cap before any estimate: far above any useful batch, far below what hangs the wasm heap. */
export const MAX_BATCH_SIZE = 65536;

/**
 * One configuration object drives a study. The CLI maps flags and a config file onto it; every
 * field has a default, so `{ "dataset": "soybean" }` is a complete study.
 */
export const studyConfigSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' or '-' only").refine((n) => !/^\.+$/.test(n), "must not be '.' or '..' (the output must stay inside outDir)").optional()
    .describe("study name; the output goes to <outDir>/<name>/ (default: the data set's name)"),
  dataset: z.string().optional().describe("a built-in data set (see `distmatch datasets`)"),
  data: z
    .strictObject({
      sources: z.array(z.strictObject({ file: z.string(), name: z.string().optional() })).min(1),
      test: z.string().optional().describe("a file annotated for every task; default: split off the sources"),
      spec: z.record(z.string(), z.unknown()).describe("column spec: which columns are inputs and which are task labels"),
      images: z
        .strictObject({
          column: z.string().optional().describe('image path column (default: "image", "path" or "file")'),
          representation: z.enum(["mobilenetv2", "face-descriptor", "pixels"]).default("mobilenetv2"),
          size: z.number().int().positive().optional().describe("backbone input side, or pixel grid side for a CNN"),
          model: z.string().optional().describe("your own TensorFlow.js layers model.json as the backbone (instead of representation)"),
          layer: z.string().optional().describe("with model: the layer whose output are the features (default: the model's output)"),
          allowOutside: z.boolean().default(false).describe("accept image paths outside the manifest's folder"),
        })
        .optional()
        .describe("the files are image manifests: inputs come from the images, labels from the spec's tasks"),
    })
    .optional()
    .describe("bring-your-own data: CSV/JSONL/ARFF manifests, one source each"),
  representation: z.string().optional().describe("input representation of the data set (e.g. features, pixels, mobilenetv2)"),
  variants: z.array(z.enum(variantIds)).min(1).default(["st", "mt", "mt+coupling"]),
  seeds: z
    .array(z.number().int().nonnegative().max(MAX_SEED, `at most ${MAX_SEED} (seeds are 32-bit)`))
    .min(1)
    .refine((s) => new Set(s).size === s.length, "every seed once (a repeated seed repeats a run and would count twice)")
    .default([0, 1, 2]),
  relatedness: z
    .strictObject({
      method: z.enum(["auto", "file", "prior", "overlap", "predictions"]).default("auto"),
      file: z
        .union([z.string(), z.array(z.string()).min(1)])
        .optional()
        .describe("a relatedness matrix file (JSON or CSV); several, one per coupled pair, as a list: each pair takes the file whose tasks it names"),
      prior: z.string().optional(),
      alpha: z.number().positive().default(1),
    })
    .default({ method: "auto", alpha: 1 }),
  split: z
    .strictObject({
      validation: z.number().min(0).max(0.5).default(0.15),
      test: z.number().min(0).max(0.5).default(0.2),
      overlap: z.number().min(0).max(1).default(0),
      ratio: z.array(z.number().nonnegative()).optional().describe("relative sizes of the task-only subsets"),
      seed: z.number().int().nonnegative().max(MAX_SEED, `at most ${MAX_SEED} (seeds are 32-bit)`).default(0).describe("seed of the first split repeat; repeat r uses seed + r"),
      repeats: z.number().int().positive().default(3).describe("split repeats: every seed runs on each, and ST/MT pairs share split and seed"),
    })
    .default({ validation: 0.15, test: 0.2, overlap: 0, seed: 0, repeats: 3 }),
  model: z
    .strictObject({
      hidden: z.array(z.number().int().positive()).default([128]),
      activation: z.enum(["relu", "elu", "selu", "tanh", "sigmoid", "linear"]).default("relu"),
      dropout: z.number().min(0).max(0.9).default(0.2),
      batchNorm: z.boolean().default(false),
      headHidden: z.array(z.number().int().positive()).default([]).describe("task-specific capacity: hidden layer sizes inside every task's head, after the shared trunk ([] = linear heads)"),
    })
    .default({ hidden: [128], activation: "relu", dropout: 0.2, batchNorm: false, headHidden: [] }),
  training: z
    .strictObject({
      epochs: z.number().int().positive().default(40),
      batchSize: z.number().int().positive().max(MAX_BATCH_SIZE, `at most ${MAX_BATCH_SIZE}`).default(32).describe("samples per step; also bounded by a memory estimate once the data's size is known"),
      learningRate: z.number().positive().default(3e-3),
      learningRateSchedule: z.enum(["constant", "cosine"]).optional().describe('"constant" (default) or "cosine": from learningRate at the first epoch towards 0 at the end of the budget, set every epoch'),
      weightDecay: z.number().min(0).default(1e-4),
      sampler: z.enum(["quota", "proportional", "round-robin"]).default("quota"),
      patience: z.number().int().nonnegative().default(10),
      monitor: z.string().default("mean").describe('checkpoint selection and early stopping: "mean" (mean over the model\'s tasks of each task\'s primary validation metric: the study protocol), "loss" (summed validation loss) or a task name'),
      stepsPerEpoch: z.number().int().positive().optional(),
      engine: z.enum(["tfjs", "torch"]).optional().describe('what runs the training steps: "tfjs" (default: the TensorFlow.js backend) or "torch" (the optional native engine on libtorch, Node only; MLPs on feature vectors with equal task weights, other runs stay on tfjs)'),
    })
    .default({ epochs: 40, batchSize: 32, learningRate: 3e-3, weightDecay: 1e-4, sampler: "quota", patience: 10, monitor: "mean" }),
  coupling: z
    .strictObject({
      lambdaDm: z.number().min(0).default(0.1).describe("weight of distribution matching (METHOD.md: 1)"),
      lambdaSca: z.number().min(0).default(0.1).describe("weight of soft co-annotation (METHOD.md: 1)"),
      lambdaCo: z.number().min(0).default(1).describe("weight of label co-annotation (variant co)"),
      scaMode: z.enum(["auto", "product", "bernoulli", "likelihood"]).default("auto").describe("auto: product for sparse domain knowledge (an R with a 0 entry), likelihood for a dense R (estimated, or a file of estimates); likelihood: the Bayes posterior of label co-annotation with p_B in place of the labels (suits estimated, dense relatedness)"),
      stopGradient: z.boolean().default(true).describe("stop the gradient through the implied distributions (METHOD.md: false)"),
      dmGradient: z.enum(["both", "matched", "implied"]).optional().describe('which heads DM\'s gradient reaches (default: from stopGradient, true = "matched"): "both" (METHOD.md), "matched" (head B only: DM sends head A nothing) or "implied" (head A only, through q_B = p_A R: keeps DM\'s exchange into head A without pushing p_B to 0 or 1)'),
      scaGradient: z.enum(["both", "matched", "implied"]).optional().describe('which heads SCA\'s gradient reaches (default: from stopGradient): "both", "matched" (head A only) or "implied" (head B only, through q_A)'),
      applyTo: z.enum(["all", "missing"]).default("missing").describe('samples DM and SCA apply to: "missing" (only where the matched task is unannotated) or "all" (METHOD.md)'),
      divergence: z.enum(["cross-entropy", "kl"]).default("kl").describe('how DM and SCA compare target and prediction: "kl" (cross-entropy minus the target\'s entropy: same gradient for the matched head, no reward for confident predictions in the head that made the target) or "cross-entropy" (METHOD.md)'),
      pairs: z.array(z.tuple([z.string(), z.string()])).optional().describe("task pairs [A, B] to couple (default: the data set's)"),
      minConfidence: z.number().min(0).lt(1).optional().describe("confidence gate (an extension; default 0 = off): DM and SCA count only the samples where their source head's confidence (largest class probability; multi-label: mean of max(p, 1 - p)) reaches this, the others adding 0"),
      trunkGradient: z.boolean().optional().describe("whether DM and SCA send gradient into the shared backbone and trunk (default true, METHOD.md); false: they train the heads only (an extension)"),
    })
    .default({ lambdaDm: 0.1, lambdaSca: 0.1, lambdaCo: 1, scaMode: "auto", stopGradient: true, applyTo: "missing", divergence: "kl" }),
  tuning: z
    .strictObject({
      grid: z.array(z.record(z.string(), z.unknown())).min(1).optional()
        .describe("candidate coupling settings, each a partial override of the coupling section (default: defaultTuningGrid)"),
      seeds: z.array(z.number().int().nonnegative()).min(1).optional().describe("seeds each candidate is trained with, its score the mean over them (default: the study's seeds)"),
      variant: z.enum(variantIds).default("mt+coupling").describe("the variant the candidates are trained as; the chosen setting applies to every coupling variant"),
      criterion: z
        .enum(["mean", "worst-task"])
        .default("mean")
        .describe('how candidates are scored on validation: "mean" (the mean over tasks of each primary metric) or "worst-task" (the smallest gain of any task over its ST model of the same split and seed, so a candidate that trades one task for another loses)'),
    })
    .optional()
    .describe("choose the coupling settings per split repeat on the validation split only (inner selection)"),
  preset: z.enum(["paper"]).optional().describe('"paper": METHOD.md\'s literal coupling (λ = 1, cross-entropy, product rule, gradients into both heads, every sample); explicit coupling fields still win'),
  weighting: z
    .strictObject({
      gradnormAlpha: z.number().min(0).default(1.5).describe("GradNorm's asymmetry alpha (variants gradnorm, gradnorm+coupling; Chen et al. 2018)"),
    })
    .default({ gradnormAlpha: 1.5 })
    .describe("loss-weighting baselines (variants uw, gradnorm, pcgrad, aligned-mtl and their +coupling forms)"),
  outDir: z.string().default("runs"),
  backend: z.enum(["wasm", "cpu", "tensorflow", "webgl", "auto"]).default("wasm"),
});

export type StudyConfigInput = z.input<typeof studyConfigSchema>;
export type StudyConfig = z.output<typeof studyConfigSchema>;
export type CouplingConfig = StudyConfig["coupling"];
/** One candidate of a tuning grid: any coupling fields but the task pairs. */
export type CouplingOverride = Partial<Omit<CouplingConfig, "pairs">>;

const couplingSchema = studyConfigSchema.shape.coupling.unwrap();

/**
 * The default tuning grid (11 candidates): λ_dm and λ_sca in {0.1, 1} crossed with the divergence, then
 * each term alone at 0.1, then coupling off (the objective of plain MT): so where a split's validation
 * data say coupling hurts, the tuned model falls back to less of it, or none.
 * Budget: 11 candidates x tuning seeds (default: the study's seeds, 3) extra trainings per split repeat.
 */
export const defaultTuningGrid: readonly CouplingOverride[] = [
  ...[0.1, 1].flatMap((lambdaDm) => [0.1, 1].flatMap((lambdaSca) => (["kl", "cross-entropy"] as const).map((divergence) => ({ lambdaDm, lambdaSca, divergence })))),
  { lambdaDm: 0.1, lambdaSca: 0 },
  { lambdaDm: 0, lambdaSca: 0.1 },
  { lambdaDm: 0, lambdaSca: 0 },
];

/** METHOD.md's coupling, literally: λ = 1, cross-entropy, product rule, gradients into both heads, every sample. */
export const paperCoupling = {
  lambdaDm: 1,
  lambdaSca: 1,
  scaMode: "product",
  stopGradient: false,
  applyTo: "all",
  divergence: "cross-entropy",
} as const satisfies CouplingOverride;

/** The coupling section with one grid candidate applied, validated like the section itself. */
export function applyOverride(coupling: CouplingConfig, override: CouplingOverride, where = "coupling override"): CouplingConfig {
  for (const key of Object.keys(override)) {
    if (key === "pairs" || !(key in couplingSchema.shape)) {
      const known = Object.keys(couplingSchema.shape).filter((k) => k !== "pairs");
      throw new Error(`${where}: "${key}" is not a tunable coupling option (expected one of ${known.join(", ")})`);
    }
  }
  const result = couplingSchema.safeParse({ ...coupling, ...override });
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`${where}: invalid value\n${lines.join("\n")}`);
  }
  return result.data;
}

/** The tuning grid of a config (its own, else the default), every candidate validated. */
export function tuningGrid(config: StudyConfig, where = "study config"): CouplingOverride[] {
  const grid = (config.tuning?.grid ?? defaultTuningGrid) as CouplingOverride[];
  grid.forEach((entry, i) => applyOverride(config.coupling, entry, `${where}: tuning.grid[${i}]`));
  return grid.map((entry) => ({ ...entry }));
}

/** Validates a study config; errors name every offending field by its path. */
export function parseStudyConfig(input: unknown, where = "study config"): StudyConfig {
  const result = studyConfigSchema.safeParse(withPreset(input));
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new Error(`${where}: invalid configuration\n${lines.join("\n")}`);
  }
  const config = result.data;
  if (!config.dataset && !config.data) throw new Error(`${where}: give either "dataset" (a built-in data set) or "data" (your own files)`);
  if (config.dataset && config.data) throw new Error(`${where}: give "dataset" or "data", not both`);
  if (config.relatedness.method === "file" && !config.relatedness.file) throw new Error(`${where}: relatedness.file: required when relatedness.method is "file"`);
  if (config.tuning) tuningGrid(config, where);
  return config;
}

export async function readStudyConfig(file: string): Promise<StudyConfigInput> {
  let text: string;
  try {
    text = await readFileText(file);
  } catch (err) {
    throw new Error(`${file}: cannot read the study config (${(err as Error).message.replace(`${file}: cannot read (`, "").replace(/\)$/, "")})`, { cause: err });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, "")) as StudyConfigInput;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

/** A preset fills in the coupling fields the input leaves unset. */
function withPreset(input: unknown): unknown {
  if (typeof input !== "object" || input === null || (input as { preset?: unknown }).preset !== "paper") return input;
  const given = (input as { coupling?: unknown }).coupling;
  const coupling = typeof given === "object" && given !== null ? given : {};
  return { ...input, coupling: { ...paperCoupling, ...coupling } };
}
