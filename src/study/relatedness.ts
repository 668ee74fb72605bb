import type { Source } from "../data/types.js";
import type { Relatedness } from "../relatedness/types.js";
import { alignRelatedness, builtinPriors, estimateFromPredictions, estimateFromSources, loadRelatedness } from "../relatedness/index.js";
import type { Task } from "../tasks/types.js";
import type { CouplingConfig, StudyConfig } from "./config.js";
import type { ScaMode } from "../coupling/index.js";
import type { BuiltinDataset } from "../datasets/types.js";
import { own } from "../data/names.js";
import { relatednessInformativeness, type DirectionScore, type RelatednessInformativeness } from "../relatedness/informativeness.js";

export type RelatednessMethod = "file" | "prior" | "overlap" | "predictions";

/** How the relatedness of one pair is obtained, decided before training. */
export interface RelatednessPlan {
  readonly from: Task;
  readonly to: Task;
  readonly method: RelatednessMethod;
  /** Set for file, prior and overlap; predictions are estimated per seed from the ST models. */
  readonly fixed?: Relatedness;
}

function task(tasks: readonly Task[], name: string): Task {
  const t = tasks.find((x) => x.name === name);
  if (!t) throw new Error(`unknown task "${name}"`);
  return t;
}

function labelledAt(source: Source, task: string, row: number): boolean {
  const t = own(source.targets, task);
  if (!t) return false;
  if (t.kind === "multiclass") return t.labels[row] >= 0;
  const width = t.mask.length / source.n;
  return t.mask.subarray(row * width, (row + 1) * width).some((m) => m > 0);
}

/** Whether any training sample carries labels of both tasks. */
function coAnnotated(sources: readonly Source[], a: string, b: string): boolean {
  return sources.some((s) => {
    for (let i = 0; i < s.n; i++) if (labelledAt(s, a, i) && labelledAt(s, b, i)) return true;
    return false;
  });
}

/**
 * Chooses per pair where R comes from: a file or named prior when the config says so; with "auto",
 * the data set's prior if it has one for the pair, else the co-annotated overlap if there is one,
 * else the single-task models' predictions.
 */
export async function planRelatedness(
  config: StudyConfig,
  tasks: readonly Task[],
  pairs: readonly (readonly [string, string])[],
  sources: readonly Source[],
  dataset: BuiltinDataset | undefined,
  baseDir: string,
): Promise<RelatednessPlan[]> {
  const plans: RelatednessPlan[] = [];
  for (const [a, b] of pairs) {
    const from = task(tasks, a);
    const to = task(tasks, b);
    if (from.kind !== "multiclass") throw new Error(`coupling pair [${a}, ${b}]: task A ("${a}") must be multi-class`);
    plans.push(await planPair(config, from, to, sources, dataset, baseDir));
  }
  return plans;
}

async function planPair(
  config: StudyConfig,
  from: Task,
  to: Task,
  sources: readonly Source[],
  dataset: BuiltinDataset | undefined,
  baseDir: string,
): Promise<RelatednessPlan> {
  const { method, file, prior, alpha } = config.relatedness;
  if (method === "file" || (method === "auto" && file)) {
    const R = await fileFor(typeof file === "string" ? [file] : file!, from, to, baseDir);
    if (R) return { from, to, method: "file", fixed: R };
    if (method === "file") throw new Error(`relatedness.file: none of ${JSON.stringify(file)} relates "${from.name}" to "${to.name}" (each coupled pair needs one)`);
  }
  const priorR = findPrior(prior, dataset, from, to);
  if (method === "prior" || (method === "auto" && priorR)) {
    if (!priorR) throw new Error(`relatedness.method "prior": no prior for [${from.name}, ${to.name}]${prior ? ` named "${prior}"` : ""}`);
    return { from, to, method: "prior", fixed: alignRelatedness(priorR, from, to, `prior ${priorR.origin ?? ""}`) };
  }
  if (method === "overlap" || (method === "auto" && coAnnotated(sources, from.name, to.name))) {
    return { from, to, method: "overlap", fixed: estimateFromSources(sources, from, to, { alpha }) };
  }
  return { from, to, method: "predictions" };
}

/** One file: it is the pair's, checked against both tasks. Several: the one whose from/to name the pair, if any. */
async function fileFor(files: readonly string[], from: Task, to: Task, baseDir: string): Promise<Relatedness | undefined> {
  if (files.length === 1) return loadRelatedness(resolvePath(baseDir, files[0]), { from, to });
  for (const file of files) {
    const R = await loadRelatedness(resolvePath(baseDir, file));
    if (R.from === from.name && R.to === to.name) return loadRelatedness(resolvePath(baseDir, file), { from, to });
  }
  return undefined;
}

function findPrior(name: string | undefined, dataset: BuiltinDataset | undefined, from: Task, to: Task): Relatedness | undefined {
  const candidates: Relatedness[] = [];
  if (name) {
    const make = own(builtinPriors, name);
    if (!make) throw new Error(`relatedness.prior: unknown prior "${name}" (known: ${Object.keys(builtinPriors).join(", ")})`);
    candidates.push(make());
  }
  candidates.push(...(dataset?.priors?.() ?? []));
  return candidates.find((r) => r.from === from.name && r.to === to.name);
}

function resolvePath(baseDir: string, file: string): string {
  return file.startsWith("/") ? file : `${baseDir}/${file}`;
}

/** R from single-task predictions over the training pool (METHOD.md section 2, estimator 3). */
export function relatednessFromPredictions(
  from: Task,
  to: Task,
  probsFrom: Float32Array,
  probsTo: Float32Array,
): Relatedness {
  return estimateFromPredictions(probsFrom, probsTo, from, to);
}

/** One pair's {@link relatednessInformativeness}, averaged over the study's matrices (one per split and seed). */
export interface RelatednessCheck {
  readonly on: "validation";
  /** How many matrices were scored: one per split for a fixed R, one per split and seed from predictions. */
  readonly matrices: number;
  readonly classFromLabels: DirectionScore;
  readonly labelsFromClass: DirectionScore;
}

/** A's training label counts over the sources, plus one per class (the prior for the check). */
function trainingPrior(sources: readonly Source[], from: Task): number[] {
  const K = from.kind === "multiclass" ? from.classes.length : 0;
  const counts = new Array<number>(K).fill(1);
  for (const s of sources) {
    const t = own(s.targets, from.name);
    if (t?.kind === "multiclass") for (const k of t.labels) if (k >= 0) counts[k]++;
  }
  return counts;
}

/**
 * Scores each matrix on its split's validation samples that carry both labels, then averages over
 * matrices (accuracies and baselines as means, n as the total). Undefined when no sample carries both.
 */
export function checkRelatedness(scored: readonly { readonly R: Relatedness; readonly sources: readonly Source[]; readonly validation: Source; readonly from: Task }[]): RelatednessCheck | undefined {
  const scores = scored.flatMap(({ R, sources, validation, from }) => {
    const a = own(validation.targets, R.from);
    const b = own(validation.targets, R.to);
    if (a?.kind !== "multiclass" || !b) return [];
    const s = relatednessInformativeness(R, trainingPrior(sources, from), a, b);
    return s.classFromLabels.n > 0 ? [s] : [];
  });
  if (scores.length === 0) return undefined;
  const mean = (pick: (s: RelatednessInformativeness) => DirectionScore): DirectionScore => ({
    accuracy: scores.reduce((t, s) => t + pick(s).accuracy, 0) / scores.length,
    baseline: scores.reduce((t, s) => t + pick(s).baseline, 0) / scores.length,
    n: scores.reduce((t, s) => t + pick(s).n, 0),
  });
  return { on: "validation", matrices: scores.length, classFromLabels: mean((s) => s.classFromLabels), labelsFromClass: mean((s) => s.labelsFromClass) };
}

/**
 * "auto" soft co-annotation: the product rule of METHOD.md for sparse domain knowledge (an R with 0
 * entries: unrelated labels); the likelihood rule (label co-annotation's Bayes posterior with p_B in
 * place of the labels) for a dense R, estimated from data, where every entry is > 0 and the product
 * rule favours the classes with the least related mass (measured on Soybean: the implied disease was
 * right for 3.6 % of test plants under the product rule, 44.5 % under the Bernoulli rule, 70.8 % under
 * the likelihood rule). A file or prior is judged by its entries, so a file of estimates gets likelihood.
 */
export function scaModeFor(mode: CouplingConfig["scaMode"], method: RelatednessPlan["method"], R: Relatedness): ScaMode {
  if (mode !== "auto") return mode;
  if (method === "overlap" || method === "predictions") return "likelihood";
  return R.values.some((row) => row.some((v) => v <= 0)) ? "product" : "likelihood";
}
