import * as tf from "../engine/tf.js";
import type { BatchTargets, MultiClassBatchTargets, MultiLabelBatchTargets } from "../data/batch.js";
import { alignRelatedness } from "../relatedness/validate.js";
import type { Relatedness } from "../relatedness/types.js";
import { supervisedLoss, taskProbabilities } from "../tasks/losses.js";
import type { Task } from "../tasks/types.js";
import {
  categoricalCoAnnotationLoss,
  categoricalCoAnnotationTargetsCore,
  coAnnotationConstants,
  coAnnotationLoss,
  coAnnotationTargetsCore,
  type CoAnnotationConstants,
  type CoAnnotationLosses,
  type CoAnnotationVariant,
} from "./coannotation.js";
import { DEFAULT_EPS, divergences, gradientPaths, headConfidence, tidyObject, type Divergence, type GradientPath } from "./common.js";
import { categoricalDistributionMatchingCore, distributionMatchingCore } from "./dm.js";
import {
  bayesPosterior,
  categoricalSoftCoAnnotationCore,
  scaWeights,
  scaWeightTensors,
  softCoAnnotationCore,
  type ScaMode,
  type ScaWeights,
} from "./sca.js";
import { emptyDict, own } from "../data/names.js";

/** One related pair (A = relatedness.from, B = relatedness.to) and the weights of its coupling terms. */
export interface CouplingSpec {
  readonly relatedness: Relatedness;
  /** Weights of distribution matching, soft co-annotation and label co-annotation; 0 = term not computed. */
  readonly lambdas: { readonly dm: number; readonly sca: number; readonly co: number };
  /** Multi-label B only (default "product"). */
  readonly scaMode?: ScaMode;
  /** Stop the gradient through the implied distributions q of DM and SCA (= dmGradient and scaGradient "matched"). */
  readonly stopGradient?: boolean;
  /**
   * Which heads DM's gradient reaches: "both" (METHOD.md), "matched" (head B only) or "implied" (head A
   * only, through q_B = p_A R); wins over stopGradient. See {@link GradientPath} for the gradients.
   */
  readonly dmGradient?: GradientPath;
  /** The same for SCA: "matched" = head A only, "implied" = head B only (through q_A). */
  readonly scaGradient?: GradientPath;
  /** Label co-annotation variant, multi-label B only (default "soft"). */
  readonly coVariant?: CoAnnotationVariant;
  /**
   * Which samples DM and SCA apply to: "all" (default, METHOD.md: every sample, labelled or not) or
   * "missing": DM (which matches head B) only on samples without a B annotation and SCA (which matches
   * head A) only on samples without an A label, so a coupling target never competes with a true label.
   */
  readonly applyTo?: CouplingScope;
  /**
   * How DM and SCA compare target and prediction: "cross-entropy" (default, METHOD.md) or "kl"
   * (cross-entropy minus the entropy of the first argument: same gradient for head A in both terms; head
   * B is pulled towards agreement instead of towards 0/1 in DM and confident predictions in SCA; see
   * {@link Divergence}).
   */
  readonly divergence?: Divergence;
  /**
   * Whether this pair's coupling terms send gradient into the shared backbone and trunk (default true,
   * METHOD.md). false (an extension): they read the heads applied to the shared features with the
   * gradient stopped (the trainer's heads-only logits), so they train the heads only and the trunk
   * learns from the supervised terms alone.
   */
  readonly trunkGradient?: boolean;
  /**
   * Confidence gate (default 0 = off; an extension, METHOD.md has none): DM A -> B counts only the samples
   * where head A's confidence is at least this, SCA A <- B only those where head B's is (see
   * {@link headConfidence}). The term stays a mean over all the samples it applies to, gated-out ones
   * adding 0 (as in FixMatch's confidence mask), so coupling grows as the source head grows sure.
   */
  readonly minConfidence?: number;
}

export type CouplingScope = "all" | "missing";

export { type Divergence, type GradientPath } from "./common.js";

export interface ObjectiveOptions {
  /** Clamp before every log (default 1e-7). */
  readonly eps?: number;

  /** Class prior of a task A, by task name, for the Bayes reverses (default uniform). */
  readonly priors?: Readonly<Record<string, readonly number[]>>;
}

export interface ObjectiveResult {
  /** Unweighted value of every computed term: "sup:<task>", "dm:<A>-><B>", "sca:<A><-<B>", "co:<A>-><B>", "co:<A><-<B>". */
  readonly terms: Record<string, tf.Scalar>;
  /** Sum of the supervised terms plus the lambda-weighted coupling terms. */
  readonly total: tf.Scalar;
}

/** The training objective; call dispose() to free the relatedness tensors it holds. */
export interface Objective {
  /** `couplingLogits`: the logits the coupling terms read (default `logits`), see {@link headsOnlyCoupling}. */
  (logits: Readonly<Record<string, tf.Tensor2D>>, targets: Readonly<Record<string, BatchTargets>>, couplingLogits?: Readonly<Record<string, tf.Tensor2D>>): ObjectiveResult;
  readonly termNames: readonly string[];
  /** Some coupling terms want logits whose gradient stops before the trunk (a CouplingSpec with trunkGradient false). */
  readonly headsOnlyCoupling: boolean;
  /** The couplings as plain numbers, for an engine other than TensorFlow.js (src/train/torch-engine.ts). */
  couplingPlans(): CouplingPlan[];
  dispose(): void;
}

/**
 * One coupling's per-step constants after validation and alignment: R [K, M] row-major, the SCA score
 * matrices (kind "log": s1 = onLog, s2 = onLog1m, both [M, K]; "linear": s1 = onProb [M, K], s2 = bias
 * [K]; "categorical": s1 = the Bayes posterior [M, K]) and the term settings.
 */
export interface CouplingPlan extends CouplingSettings {
  readonly eps: number;
  readonly R: Float32Array;
  readonly scaKind?: "log" | "linear" | "categorical";
  readonly s1?: Float32Array;
  readonly s2?: Float32Array;
}

/** A validated coupling's tasks (A = from, B = to) and term settings. */
interface CouplingSettings {
  readonly a: string;
  readonly b: string;
  readonly categorical: boolean;
  readonly lambdas: CouplingSpec["lambdas"];
  readonly dmGradient: GradientPath;
  readonly scaGradient: GradientPath;
  readonly applyTo: CouplingScope;
  readonly divergence: Divergence;
  readonly trunkGradient: boolean;
  readonly minConfidence: number;
}

/** A coupling with everything that depends only on R turned into tensors once. */
interface PreparedCoupling extends CouplingSettings {
  readonly R: tf.Tensor2D;
  readonly sca?: ScaWeights;
  readonly co?: CoAnnotationConstants;
  readonly posterior?: tf.Tensor2D;
}

/**
 * L = sum of supervised losses + sum over couplings of lambda_dm L_DM + lambda_sca L_SCA
 * + lambda_co (L_co(A->B) + L_co(A<-B)) (METHOD.md section 3). R is validated against the tasks
 * (names, shape, values) and aligned to their class/label order here, so errors surface before training.
 */
export function buildObjective(
  tasks: readonly Task[],
  couplings: readonly CouplingSpec[],
  options: ObjectiveOptions = {},
): Objective {
  const byName = indexTasks(tasks);
  const eps = options.eps ?? DEFAULT_EPS;
  const prepared: PreparedCoupling[] = [];
  try {
    couplings.forEach((spec, i) => prepared.push(prepareCoupling(spec, i, byName, options)));
  } catch (error) {
    prepared.forEach(disposeCoupling);
    throw error;
  }
  const termNames = [...tasks.map((t) => `sup:${t.name}`), ...prepared.flatMap(couplingTermNames)];
  assertUnique(termNames);

  const objective = (
    logits: Readonly<Record<string, tf.Tensor2D>>,
    targets: Readonly<Record<string, BatchTargets>>,
    couplingLogits?: Readonly<Record<string, tf.Tensor2D>>,
  ): ObjectiveResult =>
    tidyObject(() => {
      const probs = probabilityCache(byName, logits);
      const headsOnlyProbs = couplingLogits ? probabilityCache(byName, couplingLogits) : probs;
      const terms = emptyDict<tf.Scalar>();
      const weighted: tf.Scalar[] = [];
      for (const task of tasks) {
        const term = supervisedLoss(task, logitsOf(logits, task.name), targetsOf(targets, task));
        terms[`sup:${task.name}`] = term;
        weighted.push(term);
      }
      for (const c of prepared) addCouplingTerms(c, c.trunkGradient ? probs : headsOnlyProbs, targets, eps, terms, weighted);
      return { terms, total: tf.addN(weighted) as tf.Scalar };
    });
  return Object.assign(objective, {
    termNames,
    headsOnlyCoupling: prepared.some((c) => !c.trunkGradient),
    couplingPlans: () => prepared.map((c) => couplingPlan(c, eps)),
    dispose: () => prepared.forEach(disposeCoupling),
  });
}

function indexTasks(tasks: readonly Task[]): Map<string, Task> {
  if (tasks.length === 0) throw new Error(`buildObjective: tasks must not be empty`);
  const byName = new Map<string, Task>();
  for (const t of tasks) {
    if (byName.has(t.name)) throw new Error(`buildObjective: task name "${t.name}" appears twice in tasks`);
    byName.set(t.name, t);
  }
  return byName;
}

function prepareCoupling(
  spec: CouplingSpec,
  index: number,
  byName: Map<string, Task>,
  options: ObjectiveOptions,
): PreparedCoupling {
  const where = `couplings[${index}].relatedness`;
  const from = findTask(byName, spec.relatedness.from, `${where}.from`);
  const to = findTask(byName, spec.relatedness.to, `${where}.to`);
  checkLambdas(spec.lambdas, index);
  const aligned = alignRelatedness(spec.relatedness, from, to, where);
  const categorical = to.kind === "multiclass";
  if (categorical && spec.coVariant === "hard" && spec.lambdas.co > 0) {
    throw new Error(`couplings[${index}].coVariant: "hard" needs a multi-label task B, "${to.name}" is multi-class; use "soft"`);
  }
  const prior = options.priors?.[from.name];
  return tidyObject((): PreparedCoupling => {
    const R = tf.tensor2d(aligned.values.map((row) => [...row]), [aligned.rows.length, aligned.columns.length], "float32");
    const needsPosterior = categorical && (spec.lambdas.sca > 0 || spec.lambdas.co > 0);
    return {
      a: from.name,
      b: to.name,
      categorical,
      lambdas: spec.lambdas,
      dmGradient: checkGradientPath(spec.dmGradient, spec.stopGradient, index, "dmGradient"),
      scaGradient: checkGradientPath(spec.scaGradient, spec.stopGradient, index, "scaGradient"),
      applyTo: checkScope(spec.applyTo, index),
      divergence: checkDivergence(spec.divergence, index),
      trunkGradient: spec.trunkGradient !== false,
      minConfidence: checkConfidence(spec.minConfidence, index),
      R,
      sca: !categorical && spec.lambdas.sca > 0 ? scaWeights(R, spec.scaMode ?? "product", { prior, eps: options.eps }) : undefined,
      co: !categorical && spec.lambdas.co > 0
        ? coAnnotationConstants(R, { variant: spec.coVariant, prior, eps: options.eps })
        : undefined,
      posterior: needsPosterior ? bayesPosterior(R, prior, `${where} (prior of "${from.name}")`) : undefined,
    };
  });
}

function findTask(byName: Map<string, Task>, name: string, field: string): Task {
  const task = byName.get(name);
  if (!task) {
    throw new Error(`buildObjective: ${field} is "${name}", expected one of the tasks: ${[...byName.keys()].join(", ")}`);
  }
  return task;
}

function checkLambdas(lambdas: CouplingSpec["lambdas"], index: number): void {
  for (const key of ["dm", "sca", "co"] as const) {
    const value = lambdas?.[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new Error(`buildObjective: couplings[${index}].lambdas.${key} is ${String(value)}, expected a finite number >= 0`);
    }
  }
}

function checkScope(scope: CouplingScope | undefined, index: number): CouplingScope {
  if (scope === undefined) return "all";
  if (scope !== "all" && scope !== "missing") {
    throw new Error(`buildObjective: couplings[${index}].applyTo is ${JSON.stringify(scope)}, expected "all" or "missing"`);
  }
  return scope;
}

function checkConfidence(value: number | undefined, index: number): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new Error(`buildObjective: couplings[${index}].minConfidence is ${String(value)}, expected a number in [0, 1)`);
  }
  return value;
}

function checkDivergence(divergence: Divergence | undefined, index: number): Divergence {
  if (divergence === undefined) return "cross-entropy";
  if (!divergences.includes(divergence)) {
    throw new Error(`buildObjective: couplings[${index}].divergence is ${JSON.stringify(divergence)}, expected "cross-entropy" or "kl"`);
  }
  return divergence;
}

function checkGradientPath(path: GradientPath | undefined, stop: boolean | undefined, index: number, field: string): GradientPath {
  if (path === undefined) return stop ? "matched" : "both";
  if (!gradientPaths.includes(path)) {
    throw new Error(`buildObjective: couplings[${index}].${field} is ${JSON.stringify(path)}, expected one of ${gradientPaths.map((p) => `"${p}"`).join(", ")}`);
  }
  return path;
}

/** 1 for samples that carry no annotation of the task (no class label / no observed label), else 0. */
function unannotated(targets: BatchTargets): tf.Tensor1D {
  const has = targets.kind === "multiclass" ? targets.mask : (tf.max(targets.mask, 1) as tf.Tensor1D);
  return tf.sub(1, has) as tf.Tensor1D;
}

/**
 * The sample weights of a coupling term (its scope, times the confidence gate of its source head) and the
 * factor that turns the core's mean over gated-in samples into a mean over the whole scope:
 * sum(scope * gate * v) / sum(scope) = [sum(w v) / sum(w)] * [sum(w) / sum(scope)].
 */
function gatedScope(
  scope: tf.Tensor1D | undefined,
  source: tf.Tensor2D,
  multiClass: boolean,
  minConfidence: number,
): { options: { sampleWeights?: tf.Tensor1D }; rescale: (term: tf.Scalar) => tf.Scalar } {
  if (minConfidence <= 0) return { options: scope ? { sampleWeights: scope } : {}, rescale: (term) => term };
  const gate = tf.cast(tf.greaterEqual(headConfidence(source, multiClass), minConfidence), "float32") as tf.Tensor1D;
  const weights = scope ? (tf.mul(scope, gate) as tf.Tensor1D) : gate;
  const fraction = tf.div(tf.sum(weights), tf.maximum(scope ? tf.sum(scope) : source.shape[0], 1e-12)) as tf.Scalar;
  return { options: { sampleWeights: weights }, rescale: (term) => tf.mul(term, fraction) as tf.Scalar };
}

function couplingTermNames(c: PreparedCoupling): string[] {
  const names: string[] = [];
  if (c.lambdas.dm > 0) names.push(`dm:${c.a}->${c.b}`);
  if (c.lambdas.sca > 0) names.push(`sca:${c.a}<-${c.b}`);
  if (c.lambdas.co > 0) names.push(`co:${c.a}->${c.b}`, `co:${c.a}<-${c.b}`);
  return names;
}

function assertUnique(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`buildObjective: term "${n}" would be computed twice (the same pair coupled twice?)`);
    seen.add(n);
  }
}

function addCouplingTerms(
  c: PreparedCoupling,
  probs: (name: string) => tf.Tensor2D,
  targets: Readonly<Record<string, BatchTargets>>,
  eps: number,
  terms: Record<string, tf.Scalar>,
  weighted: tf.Scalar[],
): void {
  const add = (name: string, lambda: number, term: tf.Scalar): void => {
    terms[name] = term;
    weighted.push(lambda === 1 ? term : (tf.mul(term, lambda) as tf.Scalar));
  };
  const pA = probs(c.a);
  const pB = probs(c.b);
  const common = { eps, divergence: c.divergence };
  const scope = (task: string) => (c.applyTo === "missing" ? unannotated(targets[task]) : undefined);
  if (c.lambdas.dm > 0) {
    const gated = gatedScope(scope(c.b), pA, true, c.minConfidence);
    const opts = { ...common, gradient: c.dmGradient, ...gated.options };
    const dm = c.categorical ? categoricalDistributionMatchingCore(pA, pB, c.R, opts) : distributionMatchingCore(pA, pB, c.R, opts);
    add(`dm:${c.a}->${c.b}`, c.lambdas.dm, gated.rescale(dm));
  }
  if (c.lambdas.sca > 0) {
    const gated = gatedScope(scope(c.a), pB, c.categorical, c.minConfidence);
    const opts = { ...common, gradient: c.scaGradient, ...gated.options };
    const sca = c.categorical
      ? categoricalSoftCoAnnotationCore(pA, pB, c.posterior as tf.Tensor2D, opts)
      : softCoAnnotationCore(pA, pB, c.sca as ScaWeights, opts);
    add(`sca:${c.a}<-${c.b}`, c.lambdas.sca, gated.rescale(sca));
  }
  if (c.lambdas.co > 0) {
    const co = coAnnotationTerms(c, pA, pB, targets, eps);
    add(`co:${c.a}->${c.b}`, c.lambdas.co, co.toB);
    add(`co:${c.a}<-${c.b}`, c.lambdas.co, co.toA);
  }
}

function coAnnotationTerms(
  c: PreparedCoupling,
  pA: tf.Tensor2D,
  pB: tf.Tensor2D,
  targets: Readonly<Record<string, BatchTargets>>,
  eps: number,
): CoAnnotationLosses {
  const a = targets[c.a] as MultiClassBatchTargets;
  const b = targets[c.b];
  if (c.categorical) {
    const t = categoricalCoAnnotationTargetsCore(a, b as MultiClassBatchTargets, c.R, c.posterior as tf.Tensor2D);
    return categoricalCoAnnotationLoss(pA, pB, t, { eps });
  }
  const t = coAnnotationTargetsCore(a, b as MultiLabelBatchTargets, c.co as CoAnnotationConstants);
  return coAnnotationLoss(pA, pB, t, { eps });
}

/** Probabilities computed at most once per task and step. */
function probabilityCache(byName: Map<string, Task>, logits: Readonly<Record<string, tf.Tensor2D>>): (name: string) => tf.Tensor2D {
  const cache = new Map<string, tf.Tensor2D>();
  return (name) => {
    let p = cache.get(name);
    if (!p) {
      p = taskProbabilities(byName.get(name) as Task, logitsOf(logits, name));
      cache.set(name, p);
    }
    return p;
  };
}

function logitsOf(logits: Readonly<Record<string, tf.Tensor2D>>, name: string): tf.Tensor2D {
  const t = own(logits, name);
  if (!t) throw new Error(`objective: no logits for task "${name}" (got: ${Object.keys(logits).join(", ") || "none"})`);
  return t;
}

function targetsOf(targets: Readonly<Record<string, BatchTargets>>, task: Task): BatchTargets {
  const t = own(targets, task.name);
  if (!t) throw new Error(`objective: no targets for task "${task.name}" (got: ${Object.keys(targets).join(", ") || "none"})`);
  if (t.kind !== task.kind) throw new Error(`objective: targets of task "${task.name}" are ${t.kind}, expected ${task.kind}`);
  return t;
}

function couplingPlan(c: PreparedCoupling, eps: number): CouplingPlan {
  const values = (t: tf.Tensor): Float32Array => Float32Array.from(t.dataSync());
  const sca = c.lambdas.sca <= 0 ? {}
    : c.categorical ? { scaKind: "categorical" as const, s1: values(c.posterior as tf.Tensor2D) }
    : (c.sca as ScaWeights).kind === "log"
      ? { scaKind: "log" as const, s1: values((c.sca as Extract<ScaWeights, { kind: "log" }>).onLog), s2: values((c.sca as Extract<ScaWeights, { kind: "log" }>).onLog1m) }
      : { scaKind: "linear" as const, s1: values((c.sca as Extract<ScaWeights, { kind: "linear" }>).onProb), s2: values((c.sca as Extract<ScaWeights, { kind: "linear" }>).bias) };
  return {
    a: c.a, b: c.b, categorical: c.categorical, lambdas: c.lambdas, dmGradient: c.dmGradient, scaGradient: c.scaGradient,
    applyTo: c.applyTo, divergence: c.divergence, trunkGradient: c.trunkGradient, minConfidence: c.minConfidence, eps, R: values(c.R), ...sca,
  };
}

function disposeCoupling(c: PreparedCoupling): void {
  tf.dispose([c.R, c.posterior].filter((t): t is tf.Tensor2D => t !== undefined));
  if (c.sca) tf.dispose(scaWeightTensors(c.sca));
  if (c.co) tf.dispose(Object.values(c.co).filter((v): v is tf.Tensor => v instanceof tf.Tensor));
}
