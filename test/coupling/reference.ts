/**
 * Plain-JS (float64) second implementations of the coupling losses, written from METHOD.md section 3
 * loop by loop, independent of the tensor code. Tests compare the library against these.
 */
type Matrix = number[][];

const clamp = (p: number, eps: number): number => Math.min(Math.max(p, eps), 1 - eps);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function softmaxRow(scores: number[]): number[] {
  const top = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - top));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** mean_i mean_j -[pB log qB + (1 - pB) log(1 - qB)], qB(j) = sum_k pA(k) R[k][j]. */
export function refDistributionMatching(pA: Matrix, pB: Matrix, R: Matrix, eps = 1e-7): number {
  return mean(
    pA.map((a, i) => {
      const h = pB[i].map((p, j) => {
        let q = 0;
        for (let k = 0; k < a.length; k++) q += a[k] * R[k][j];
        q = clamp(q, eps);
        return -(p * Math.log(q) + (1 - p) * Math.log(1 - q));
      });
      return mean(h);
    }),
  );
}

/** The class distribution implied by the label prediction (section 3, soft co-annotation). */
export function refImpliedClasses(pB: number[], R: Matrix, mode: "product" | "bernoulli" | "likelihood", eps = 1e-7): number[] {
  const M = pB.length;
  const relatedToAny = Array.from({ length: M }, (_, j) => R.some((row) => row[j] > 0));
  const scores = R.map((row) => {
    let s = 0;
    const neutral = row.every((v) => v === 0);
    for (let j = 0; j < M; j++) {
      const p = clamp(pB[j], eps);
      if (mode === "likelihood") s += pB[j] * Math.log(clamp(row[j], eps)) + (1 - pB[j]) * Math.log(1 - clamp(row[j], eps));
      else if (mode === "bernoulli") s += row[j] * Math.log(p) + (1 - row[j]) * Math.log(1 - p);
      else if (neutral) s += relatedToAny[j] ? Math.log(1 - p) : 0;
      else if (row[j] > 0) s += row[j] * Math.log(p);
    }
    return s;
  });
  return softmaxRow(scores);
}

/** KL(t || p) = sum_k t log t - sum_k t log p. */
export function klDivergence(target: number[], p: number[], eps = 1e-7): number {
  return crossEntropy(target, p, eps) + target.reduce((s, t) => s + t * Math.log(clamp(t, eps)), 0);
}

export function refSoftCoAnnotation(pA: Matrix, pB: Matrix, R: Matrix, mode: "product" | "bernoulli" | "likelihood", eps = 1e-7): number {
  return mean(pA.map((a, i) => crossEntropy(refImpliedClasses(pB[i], R, mode, eps), a, eps)));
}

export function crossEntropy(target: number[], p: number[], eps = 1e-7): number {
  return -target.reduce((s, t, k) => s + t * Math.log(clamp(p[k], eps)), 0);
}

export function refCategoricalDM(pA: Matrix, pB: Matrix, R: Matrix, eps = 1e-7): number {
  return mean(
    pA.map((a, i) => {
      const q = R[0].map((_, j) => a.reduce((s, ak, k) => s + ak * R[k][j], 0));
      return crossEntropy(pB[i], q, eps);
    }),
  );
}

/** P(a=k | b=j) with prior pi (uniform by default). */
export function refPosterior(R: Matrix, prior?: number[]): Matrix {
  const K = R.length;
  const pi = prior ?? new Array<number>(K).fill(1 / K);
  return R[0].map((_, j) => {
    const joint = R.map((row, k) => row[j] * pi[k]);
    const z = joint.reduce((a, b) => a + b, 0);
    return joint.map((v) => v / z);
  });
}

export function refCategoricalSCA(pA: Matrix, pB: Matrix, R: Matrix, prior?: number[], eps = 1e-7): number {
  const post = refPosterior(R, prior);
  return mean(
    pA.map((a, i) => {
      const q = a.map((_, k) => pB[i].reduce((s, pj, j) => s + pj * post[j][k], 0));
      return crossEntropy(q, a, eps);
    }),
  );
}

/** Soft B -> A target: pi_k prod over observed j of R^b (1-R)^(1-b), normalised. */
export function refSoftClassTarget(values: number[], mask: number[], R: Matrix, prior?: number[], eps = 1e-7): number[] {
  const K = R.length;
  const pi = prior ?? new Array<number>(K).fill(1 / K);
  const unnorm = R.map((row, k) => {
    let v = pi[k];
    row.forEach((r, j) => {
      if (!mask[j]) return;
      const rc = clamp(r, eps);
      v *= values[j] ? rc : 1 - rc;
    });
    return v;
  });
  const z = unnorm.reduce((a, b) => a + b, 0);
  return unnorm.map((v) => v / z);
}

export function bce(target: number, p: number, eps = 1e-7): number {
  const q = clamp(p, eps);
  return -(target * Math.log(q) + (1 - target) * Math.log(1 - q));
}
