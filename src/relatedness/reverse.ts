import type { Relatedness } from "./types.js";

/**
 * The reverse direction by Bayes: P(a = k | b_j = 1) = R[k][j] pi_k / sum_k' R[k'][j] pi_k'
 * (for a multi-class B: P(a = k | b = j)).
 *
 * Shape: M x K, the transpose of R's layout. The result is a {@link Relatedness} with
 * `from` = R.to, `to` = R.from, `toKind` = "multiclass", rows = R's columns (B's labels or classes),
 * columns = R's rows (A's classes); every row sums to 1. For a multi-label B the rows are the
 * events "b_j = 1", not classes of a multi-class task, so the result does not pass
 * {@link validateRelatedness} with B as task A; it is meant for reading and for B -> A targets.
 *
 * `prior` holds pi_k, one per class of A, >= 0 and not all zero; it is normalised here, so counts
 * work too. A column j with sum_k R[k][j] pi_k = 0 (label never related to any class) carries no
 * information: its row is the normalised prior.
 */
export function reverseRelatedness(R: Relatedness, prior: readonly number[]): Relatedness {
  const pi = normalisedPrior(prior, R.rows.length);
  const values = R.columns.map((_, j) => {
    const weighted = R.rows.map((_, k) => R.values[k][j] * pi[k]);
    const evidence = weighted.reduce((a, b) => a + b, 0);
    return evidence > 0 ? weighted.map((w) => w / evidence) : [...pi];
  });
  return {
    from: R.to,
    to: R.from,
    toKind: "multiclass",
    rows: [...R.columns],
    columns: [...R.rows],
    values,
    origin: `bayes(${R.origin ?? "unknown"})`,
  };
}

function normalisedPrior(prior: readonly number[], K: number): number[] {
  if (prior.length !== K) throw new Error(`reverseRelatedness: expected a prior of ${K} values (one per row), got ${prior.length}`);
  prior.forEach((p, k) => {
    if (!Number.isFinite(p) || p < 0) throw new Error(`reverseRelatedness: prior[${k}] must be a number >= 0, got ${p}`);
  });
  const total = prior.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new Error("reverseRelatedness: the prior must not be all zero");
  return prior.map((p) => p / total);
}
