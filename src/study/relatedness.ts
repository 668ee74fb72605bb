import type { Source } from "../data/types.js";
import type { Relatedness } from "../relatedness/types.js";
import { alignRelatedness, builtinPriors, estimateFromPredictions, estimateFromSources, loadRelatedness } from "../relatedness/index.js";
import type { Task } from "../tasks/types.js";
import type { StudyConfig } from "./config.js";
import type { BuiltinDataset } from "../datasets/types.js";
import { own } from "../data/names.js";

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
    const R = await loadRelatedness(resolvePath(baseDir, file!), { from, to });
    return { from, to, method: "file", fixed: R };
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
