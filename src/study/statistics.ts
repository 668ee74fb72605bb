// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- jStat ships no types; every program that compiles this file (web app, README check) needs the declaration
/// <reference path="../types/jstat.d.ts" />
import jstatModule from "jstat";

const { jStat } = jstatModule;

/**
 * Paired statistics of a study (METHOD.md section 5). An ST model and an MT model trained on the same
 * split repeat with the same seed form a pair; the verdict comes from a two-sided Student t confidence
 * interval of the mean paired difference (e.g. Wasserman, "All of Statistics", 2004, sections 6.3 and
 * 10.3; Dietterich, Neural Computation 10(7), 1998, on paired comparisons of learners).
 */

/** Confidence level of every interval a study reports. */
export const CONFIDENCE_LEVEL = 0.95;

export interface MeanInterval {
  readonly mean: number;
  /** Bounds of the confidence interval; null with fewer than 2 values (no spread to estimate). */
  readonly lower: number | null;
  readonly upper: number | null;
  /** Number of values (pairs) the interval is computed from. */
  readonly n: number;
}

/**
 * The t-interval of a mean: mean ± t_{1-(1-level)/2, n-1} · s / sqrt(n), with s the sample standard
 * deviation (n - 1 in the denominator).
 */
export function tInterval(values: readonly number[], level = CONFIDENCE_LEVEL): MeanInterval {
  const n = values.length;
  if (n === 0) throw new Error("tInterval: no values");
  if (values.some((v) => !Number.isFinite(v))) throw new Error(`tInterval: non-finite value in [${values.join(", ")}]`);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, lower: null, upper: null, n };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = jStat.studentt.inv(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { mean, lower: mean - half, upper: mean + half, n };
}

/** The three-way verdict of a variant against ST on one task. */
export type Verdict = "better" | "no-difference" | "negative-transfer";

export const verdictLabels: Readonly<Record<Verdict, string>> = {
  better: "better",
  "no-difference": "no detectable difference",
  "negative-transfer": "negative transfer",
};

/**
 * better: the whole interval of the paired difference is above 0; negative transfer: the whole
 * interval is below 0; otherwise (or without an interval) no detectable difference.
 */
export function verdictOf(difference: MeanInterval): Verdict {
  if (difference.lower === null || difference.upper === null) return "no-difference";
  if (difference.lower > 0) return "better";
  if (difference.upper < 0) return "negative-transfer";
  return "no-difference";
}

/** Which split repeat and seed a value comes from. */
export interface PairKey {
  readonly split: number;
  readonly seed: number;
}

export interface Paired<A, B> {
  readonly key: PairKey;
  readonly a: A;
  readonly b: B;
}

function keyOf(k: PairKey): string {
  return `${k.split}/${k.seed}`;
}

function byKey<T extends PairKey>(items: readonly T[], what: string): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) {
    const key = keyOf(item);
    if (out.has(key)) throw new Error(`${what}: two results for split ${item.split}, seed ${item.seed}`);
    out.set(key, item);
  }
  return out;
}

/**
 * Matches two lists by (split, seed), never by position; items without a partner are left out. The
 * pairs come sorted by split, then seed. Two items with the same key in one list are an error.
 */
export function pairUp<A extends PairKey, B extends PairKey>(a: readonly A[], b: readonly B[]): Paired<A, B>[] {
  const left = byKey(a, "pairing (first list)");
  const right = byKey(b, "pairing (second list)");
  const out: Paired<A, B>[] = [];
  for (const [key, item] of left) {
    const partner = right.get(key);
    if (partner) out.push({ key: { split: item.split, seed: item.seed }, a: item, b: partner });
  }
  return out.sort((x, y) => x.key.split - y.key.split || x.key.seed - y.key.seed);
}
