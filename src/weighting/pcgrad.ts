import { Rng } from "../engine/random.js";
import { checkGram, type GradientWeighting, type Gram, type WeightingState } from "./types.js";

/**
 * The PCGrad update as coefficients over the task gradients: g_i^PC = sum_k a[i][k] g_k, starting at
 * a[i] = e_i; for each other task j in the given order, if g_i^PC . g_j < 0, subtract its projection,
 * g_i^PC -= (g_i^PC . g_j / ||g_j||^2) g_j. Returns sum_i a[i] (the update is sum_i g_i^PC).
 * Dot products come from the Gram matrix: g_i^PC . g_j = sum_k a[i][k] gram[k][j].
 */
export function pcgradCoefficients(gram: Gram, orders: readonly (readonly number[])[]): number[] {
  const T = gram.length;
  const total = new Array<number>(T).fill(0);
  for (let i = 0; i < T; i++) {
    const a: number[] = Array.from({ length: T }, (_, k) => (k === i ? 1 : 0));
    for (const j of orders[i]) {
      if (j === i || gram[j][j] <= 0) continue;
      const dot = a.reduce((s, ak, k) => s + ak * gram[k][j], 0);
      if (dot < 0) a[j] -= dot / gram[j][j];
    }
    a.forEach((v, k) => (total[k] += v));
  }
  return total;
}

/**
 * PCGrad, "gradient surgery" (Yu, Kumar, Gupta, Levine, Hausman & Finn, "Gradient Surgery for
 * Multi-Task Learning", NeurIPS 2020, Algorithm 1): each task's gradient on the shared parameters is
 * projected onto the normal plane of every other task's gradient it conflicts with (negative dot
 * product), the others taken in random order; the shared update is the sum of the projected gradients.
 * Heads keep their own task's gradient. With two tasks there is one order, so nothing random is drawn.
 */
export function pcgradWeighting(taskCount: number, seed: number): GradientWeighting {
  let rng = new Rng(seed);
  return {
    kind: "gradient",
    name: "pcgrad",
    variables: [],
    combine(gram, losses) {
      const T = checkGram("PCGrad", gram, losses);
      const orders = Array.from({ length: T }, (_, i) => {
        const others = Array.from({ length: T }, (_, j) => j).filter((j) => j !== i);
        return T > 2 ? rng.shuffle(others) : others;
      });
      return { shared: pcgradCoefficients(gram, orders), heads: new Array<number>(taskCount).fill(1) };
    },
    state: (): WeightingState => ({ rng: rng.state() }),
    restore(state) {
      if (typeof state.rng !== "number") throw new Error(`PCGrad checkpoint state: "rng" must be a number`);
      rng = Rng.restore(state.rng);
    },
    dispose: () => {},
  };
}
