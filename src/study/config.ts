import { z } from "zod";
import { readFileText } from "../io/storage.js";
import { variantIds } from "./variants.js";

/**
 * One configuration object drives a study. The CLI maps flags and a config file onto it; every
 * field has a default, so `{ "dataset": "soybean" }` is a complete study.
 */
export const studyConfigSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' or '-' only").optional()
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
          allowOutside: z.boolean().default(false).describe("accept image paths outside the manifest's folder"),
        })
        .optional()
        .describe("the files are image manifests: inputs come from the images, labels from the spec's tasks"),
    })
    .optional()
    .describe("bring-your-own data: CSV/JSONL/ARFF manifests, one source each"),
  representation: z.string().optional().describe("input representation of the data set (e.g. features, pixels, mobilenetv2)"),
  variants: z.array(z.enum(variantIds)).min(1).default(["st", "mt", "mt+coupling"]),
  seeds: z.array(z.number().int().nonnegative()).min(1).default([0, 1, 2]),
  relatedness: z
    .strictObject({
      method: z.enum(["auto", "file", "prior", "overlap", "predictions"]).default("auto"),
      file: z.string().optional(),
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
      seed: z.number().int().nonnegative().default(0),
    })
    .default({ validation: 0.15, test: 0.2, overlap: 0, seed: 0 }),
  model: z
    .strictObject({
      hidden: z.array(z.number().int().positive()).default([128]),
      activation: z.enum(["relu", "elu", "selu", "tanh", "sigmoid", "linear"]).default("relu"),
      dropout: z.number().min(0).max(0.9).default(0.2),
      batchNorm: z.boolean().default(false),
    })
    .default({ hidden: [128], activation: "relu", dropout: 0.2, batchNorm: false }),
  training: z
    .strictObject({
      epochs: z.number().int().positive().default(40),
      batchSize: z.number().int().positive().default(32),
      learningRate: z.number().positive().default(3e-3),
      weightDecay: z.number().min(0).default(1e-4),
      sampler: z.enum(["quota", "proportional", "round-robin"]).default("quota"),
      patience: z.number().int().nonnegative().default(10),
      monitor: z.string().default("loss").describe('early stopping: "loss" (validation loss), "mean" (mean primary metric) or a task name'),
      stepsPerEpoch: z.number().int().positive().optional(),
    })
    .default({ epochs: 40, batchSize: 32, learningRate: 3e-3, weightDecay: 1e-4, sampler: "quota", patience: 10, monitor: "loss" }),
  coupling: z
    .strictObject({
      lambdaDm: z.number().min(0).default(0.1).describe("weight of distribution matching (METHOD.md: 1)"),
      lambdaSca: z.number().min(0).default(0.1).describe("weight of soft co-annotation (METHOD.md: 1)"),
      lambdaCo: z.number().min(0).default(1).describe("weight of label co-annotation (variant co)"),
      scaMode: z.enum(["auto", "product", "bernoulli", "likelihood"]).default("auto").describe("auto: product for file/prior relatedness, likelihood for estimated; likelihood: the Bayes posterior of label co-annotation with p_B in place of the labels (suits estimated, dense relatedness)"),
      stopGradient: z.boolean().default(true).describe("stop the gradient through the implied distributions (METHOD.md: false)"),
      applyTo: z.enum(["all", "missing"]).default("missing").describe('samples DM and SCA apply to: "missing" (only where the matched task is unannotated) or "all" (METHOD.md)'),
      divergence: z.enum(["cross-entropy", "kl"]).default("kl").describe('how DM and SCA compare target and prediction: "kl" (cross-entropy minus the target\'s entropy: same gradient for the matched head, no reward for confident predictions in the head that made the target) or "cross-entropy" (METHOD.md)'),
      pairs: z.array(z.tuple([z.string(), z.string()])).optional().describe("task pairs [A, B] to couple (default: the data set's)"),
    })
    .default({ lambdaDm: 0.1, lambdaSca: 0.1, lambdaCo: 1, scaMode: "auto", stopGradient: true, applyTo: "missing", divergence: "kl" }),
  outDir: z.string().default("runs"),
  backend: z.enum(["wasm", "cpu", "tensorflow", "webgl", "auto"]).default("wasm"),
});

export type StudyConfigInput = z.input<typeof studyConfigSchema>;
export type StudyConfig = z.output<typeof studyConfigSchema>;

/** Validates a study config; errors name every offending field by its path. */
export function parseStudyConfig(input: unknown, where = "study config"): StudyConfig {
  const result = studyConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    throw new Error(`${where}: invalid configuration\n${lines.join("\n")}`);
  }
  const config = result.data;
  if (!config.dataset && !config.data) throw new Error(`${where}: give either "dataset" (a built-in data set) or "data" (your own files)`);
  if (config.dataset && config.data) throw new Error(`${where}: give "dataset" or "data", not both`);
  if (config.relatedness.method === "file" && !config.relatedness.file) throw new Error(`${where}: relatedness.file: required when relatedness.method is "file"`);
  return config;
}

export async function readStudyConfig(file: string): Promise<StudyConfigInput> {
  let text: string;
  try {
    text = await readFileText(file);
  } catch {
    throw new Error(`${file}: cannot read the study config`);
  }
  try {
    return JSON.parse(text) as StudyConfigInput;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}
