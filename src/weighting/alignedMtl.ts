import { symmetricEigen } from "./symmetricEigen.js";
import { checkGram, type GradientWeighting, type Gram } from "./types.js";

/** float32 machine epsilon: the gradients behind the Gram matrix are float32. */
const FLOAT32_EPS = 1.1920928955078125e-7;

/**
 * Aligned-MTL's coefficients: with G = [g_1 ... g_T] and its Gram matrix G^T G = V diag(lambda) V^T,
 * the aligned gradient matrix is G-hat = sigma_min G V diag(lambda)^(-1/2) V^T (= sigma_min U V^T for
 * the SVD G = U Sigma V^T: every column the same length, mutually orthogonal), and the update is
 * G-hat w with task weights w = 1, so the coefficients over the task gradients are
 * c = sigma_min V diag(lambda)^(-1/2) V^T 1. sigma_min is the smallest singular value of the kept rank:
 * eigenvalues below max(lambda) * T * eps count as zero (the rank tolerance of numpy's matrix_rank).
 * All-zero gradients give c = 1 (nothing to align).
 */
export function alignedMtlCoefficients(gram: Gram): number[] {
  const T = gram.length;
  const { values, vectors } = symmetricEigen(gram);
  const top = Math.max(...values);
  if (!(top > 0)) return new Array<number>(T).fill(1);
  const tol = top * T * FLOAT32_EPS;
  const kept = values.map((l, i) => ({ l, i })).filter(({ l }) => l > tol);
  const sigmaMin = Math.sqrt(Math.min(...kept.map(({ l }) => l)));
  const c = new Array<number>(T).fill(0);
  for (const { l, i } of kept) {
    const column = vectors.map((row) => row[i]);
    const projection = column.reduce((s, x) => s + x, 0); // v_i^T 1
    column.forEach((x, t) => (c[t] += (sigmaMin * x * projection) / Math.sqrt(l)));
  }
  return c;
}

/**
 * Aligned-MTL (Senushkin, Patakin, Kuznetsov & Konushin, "Independent Component Alignment for
 * Multi-Task Learning", CVPR 2023): removes conflicts and dominance of the task gradients on the shared
 * parameters by making them orthogonal and equally long (condition number 1) before summing, scaled by
 * the smallest singular value. Heads keep their own task's gradient. Works on the Gram matrix only, so
 * its cost is a T x T eigen-decomposition (a single rotation for two tasks).
 */
export function alignedMtlWeighting(taskCount: number): GradientWeighting {
  return {
    kind: "gradient",
    name: "aligned-mtl",
    variables: [],
    combine(gram, losses) {
      checkGram("Aligned-MTL", gram, losses);
      return { shared: alignedMtlCoefficients(gram), heads: new Array<number>(taskCount).fill(1) };
    },
    state: () => ({}),
    restore: () => {},
    dispose: () => {},
  };
}
