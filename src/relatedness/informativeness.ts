import type { MultiClassTargets, MultiLabelTargets } from "../data/types.js";
import type { Relatedness } from "./types.js";

/** How often one task's labels, passed through R, give the other task's label, against a guess without R. */
export interface DirectionScore {
  /** Share of predictions that match the true label. */
  readonly accuracy: number;
  /** The same share for the guess that ignores the sample's other label (the prior, or the marginal). */
  readonly baseline: number;
  /** Predictions scored: samples for A, observed (sample, label) pairs for a multi-label B. */
  readonly n: number;
}

/**
 * What R can tell before any training, scored on samples that carry both labels (a study uses its
 * validation split). If B's labels through R barely beat the prior, the B -> A coupling terms (SCA,
 * label co-annotation) have little to transfer; the same for A -> B (DM) against B's marginal.
 */
export interface RelatednessInformativeness {
  /** A from B's observed labels: argmax_k log pi_k + sum_j [b_j log R[k][j] + (1 - b_j) log(1 - R[k][j])] (METHOD.md's B -> A co-annotation rule); baseline argmax_k pi_k. */
  readonly classFromLabels: DirectionScore;
  /** B from A's class: b_j = [R[a][j] >= 0.5] (argmax_j R[a][j] for a multi-class B); baseline: the same from the marginal sum_k pi_k R[k][j]. */
  readonly labelsFromClass: DirectionScore;
}

const EPS = 1e-6;

/**
 * Scores R on samples with both labels. `prior` is A's class distribution (K non-negative weights, e.g.
 * training label counts; normalised here). Samples missing either label are skipped.
 */
export function relatednessInformativeness(
  R: Relatedness,
  prior: readonly number[],
  a: MultiClassTargets,
  b: MultiClassTargets | MultiLabelTargets,
): RelatednessInformativeness {
  const K = R.rows.length;
  const M = R.columns.length;
  if (prior.length !== K) throw new Error(`relatednessInformativeness: prior has ${prior.length} entries, R has ${K} rows (${R.from})`);
  if (b.kind !== R.toKind) throw new Error(`relatednessInformativeness: targets of "${R.to}" are ${b.kind}, R expects ${R.toKind}`);
  const pi = normalised(prior);
  const logPrior = pi.map((p) => Math.log(Math.max(p, EPS)));
  const marginal = Array.from({ length: M }, (_, j) => pi.reduce((s, p, k) => s + p * R.values[k][j], 0));
  return b.kind === "multilabel" ? multiLabelScores(R, logPrior, marginal, a.labels, b) : multiClassScores(R, logPrior, marginal, a.labels, b.labels);
}

function normalised(weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0) || weights.some((w) => !(w >= 0))) throw new Error(`relatednessInformativeness: prior must be non-negative weights with a positive sum, got [${weights.join(", ")}]`);
  return weights.map((w) => w / total);
}

function argmax(scores: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

function clampedLog(p: number): number {
  return Math.log(Math.min(Math.max(p, EPS), 1 - EPS));
}

function multiLabelScores(R: Relatedness, logPrior: readonly number[], marginal: readonly number[], labels: Int32Array, b: MultiLabelTargets): RelatednessInformativeness {
  const M = R.columns.length;
  const guess = argmax(logPrior);
  const cls = { hit: 0, base: 0, n: 0 };
  const lab = { hit: 0, base: 0, n: 0 };
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i];
    const observed = Array.from({ length: M }, (_, j) => j).filter((j) => b.mask[i * M + j] > 0);
    if (a < 0 || observed.length === 0) continue;
    const scores = logPrior.map((lp, k) => observed.reduce((s, j) => s + (b.values[i * M + j] > 0.5 ? clampedLog(R.values[k][j]) : clampedLog(1 - R.values[k][j])), lp));
    cls.n++;
    if (argmax(scores) === a) cls.hit++;
    if (guess === a) cls.base++;
    for (const j of observed) {
      const truth = b.values[i * M + j] > 0.5;
      lab.n++;
      if (R.values[a][j] >= 0.5 === truth) lab.hit++;
      if (marginal[j] >= 0.5 === truth) lab.base++;
    }
  }
  return { classFromLabels: score(cls), labelsFromClass: score(lab) };
}

function multiClassScores(R: Relatedness, logPrior: readonly number[], marginal: readonly number[], labels: Int32Array, bLabels: Int32Array): RelatednessInformativeness {
  const guess = argmax(logPrior);
  const marginalGuess = argmax(marginal);
  const cls = { hit: 0, base: 0, n: 0 };
  const lab = { hit: 0, base: 0, n: 0 };
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i];
    const j = bLabels[i];
    if (a < 0 || j < 0) continue;
    cls.n++;
    lab.n++;
    if (argmax(logPrior.map((lp, k) => lp + clampedLog(R.values[k][j]))) === a) cls.hit++;
    if (guess === a) cls.base++;
    if (argmax(R.values[a]) === j) lab.hit++;
    if (marginalGuess === j) lab.base++;
  }
  return { classFromLabels: score(cls), labelsFromClass: score(lab) };
}

function score(c: { hit: number; base: number; n: number }): DirectionScore {
  return { accuracy: c.n > 0 ? c.hit / c.n : Number.NaN, baseline: c.n > 0 ? c.base / c.n : Number.NaN, n: c.n };
}

/**
 * Both directions in one line, e.g. "disease from symptoms labels through R: 37.3% right (prior alone
 * 14.7%); symptoms from the disease class through R: 88.3% right (marginal alone 84.2%) [validation,
 * mean over 9 matrices, n = 918 and 9357]". `matrices` > 1 says the figures are means over that many.
 */
export function describeInformativeness(from: string, to: string, check: RelatednessInformativeness & { readonly matrices?: number }): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const over = check.matrices && check.matrices > 1 ? `mean over ${check.matrices} matrices, ` : "";
  const c = check.classFromLabels;
  const l = check.labelsFromClass;
  return (
    `${from} from ${to} labels through R: ${pct(c.accuracy)} right (prior alone ${pct(c.baseline)}); ` +
    `${to} from the ${from} class through R: ${pct(l.accuracy)} right (marginal alone ${pct(l.baseline)}) [validation, ${over}n = ${c.n} and ${l.n}]`
  );
}
