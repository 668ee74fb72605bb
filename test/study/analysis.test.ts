import { test } from "node:test";
import assert from "node:assert/strict";
import { deltaM, meanStd, summarize } from "../../src/study/analysis.js";
import type { RunResult } from "../../src/study/results.js";
import { variantDefinitions } from "../../src/study/variants.js";

test("meanStd: sample standard deviation, 0 for one value", () => {
  // values 1, 2, 3, 4: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, / 3 -> sqrt(5/3)
  const { mean, std } = meanStd([1, 2, 3, 4]);
  assert.equal(mean, 2.5);
  assert.ok(Math.abs(std - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanStd([0.7]), { mean: 0.7, std: 0 });
});

function run(variant: string, split: number, seed: number, values: Record<string, number>, task?: string): RunResult {
  const metrics: RunResult["metrics"] = {};
  for (const [name, v] of Object.entries(values)) {
    metrics[name] = { kind: "multiclass", primary: "accuracy", values: { accuracy: v }, n: 10 };
  }
  return { variant, split, seed, ...(task ? { task } : {}), metrics, curves: [], bestEpoch: 1, epochs: 1, wallSeconds: 0 };
}

const tasks = [{ name: "a", metric: "accuracy" }, { name: "b", metric: "accuracy" }];
const variants = variantDefinitions.filter((v) => v.id === "st" || v.id === "mt");

test("summarize: paired differences by (split, seed) whatever the run order; verdicts; point comparison", () => {
  // Runs deliberately out of order: pairing must follow (split, seed).
  const runs = [
    run("mt", 1, 0, { a: 0.9, b: 0.3 }), run("st", 0, 0, { a: 0.8 }, "a"), run("st", 1, 0, { b: 0.5 }, "b"),
    run("mt", 0, 1, { a: 0.85, b: 0.45 }), run("st", 0, 1, { a: 0.8 }, "a"), run("st", 1, 0, { a: 0.85 }, "a"),
    run("st", 0, 0, { b: 0.5 }, "b"), run("mt", 0, 0, { a: 0.82, b: 0.4 }), run("st", 0, 1, { b: 0.5 }, "b"),
  ];
  const [a, b] = summarize(tasks, variants, runs);
  // Task a: pairs (0,0) 0.80 -> 0.82, (0,1) 0.80 -> 0.85, (1,0) 0.85 -> 0.90: differences 0.02, 0.05, 0.05.
  // mean 0.04, s = sqrt((0.0004 + 0.0001 + 0.0001) / 2) = sqrt(0.0003) = 0.0173205, se = 0.01,
  // t_{0.975, 2} = 4.302653 -> [0.04 - 0.0430265, 0.04 + 0.0430265]: straddles 0.
  assert.deepEqual(a.variants.st.values, [0.8, 0.8, 0.85], "values sorted by split, then seed");
  const da = a.variants.mt.delta!;
  assert.ok(Math.abs(da.absolute - 0.04) < 1e-12);
  assert.ok(Math.abs(da.lower! - (0.04 - 0.0430265)) < 1e-6 && Math.abs(da.upper! - (0.04 + 0.0430265)) < 1e-6);
  assert.ok(Math.abs(da.relative - 0.04 / (2.45 / 3)) < 1e-12);
  assert.equal(da.n, 3);
  assert.equal(a.variants.mt.verdict, "no-difference");
  assert.equal(a.variants.mt.belowBaseline, false);
  // Task b: differences -0.1, -0.05, -0.2 (splits/seeds (0,0), (0,1), (1,0)): mean -0.1166667,
  // s = sqrt((0.0002778 + 0.0044444 + 0.0069444) / 2) = 0.0763763, se = 0.0440959, half = 0.1897289:
  // interval [-0.3064, 0.0731] -> no detectable difference, though the point comparison says below.
  assert.equal(b.variants.st.values.length, 3, "ST runs of task a must not count for task b");
  assert.equal(b.variants.mt.verdict, "no-difference");
  assert.equal(b.variants.mt.belowBaseline, true);
  assert.ok(Math.abs(b.variants.mt.delta!.upper! - (-0.1166667 + 0.1897289)) < 1e-6);
  assert.equal(a.variants.st.verdict, undefined, "ST has no verdict against itself");
});

test("summarize: a consistent drop over pairs is negative transfer; Delta_m per pair with its interval", () => {
  const runs: RunResult[] = [];
  const drops = [0.1, 0.12, 0.08, 0.11];
  drops.forEach((drop, i) => {
    const split = Math.floor(i / 2);
    const seed = i % 2;
    runs.push(run("st", split, seed, { a: 0.5 }, "a"), run("st", split, seed, { b: 0.8 }, "b"));
    runs.push(run("mt", split, seed, { a: 0.5 - drop, b: 0.8 }));
  });
  const summary = summarize(tasks, variants, runs);
  assert.equal(summary[0].variants.mt.verdict, "negative-transfer");
  assert.equal(summary[1].variants.mt.verdict, "no-difference", "identical results");
  // Delta_m per pair: mean(-drop / 0.5, 0) = -drop: -0.1, -0.12, -0.08, -0.11; mean -0.1025,
  // s = sqrt((0.00000625 + 0.00030625 + 0.00050625 + 0.00005625) / 3) = 0.0170783, se = 0.0085391,
  // t_{0.975, 3} = 3.182446 -> half 0.0271753.
  const dm = deltaM(tasks, variants, runs).mt;
  assert.ok(Math.abs(dm.mean + 0.1025) < 1e-12);
  assert.ok(Math.abs(dm.lower! - (-0.1025 - 0.0271753)) < 1e-6);
  assert.ok(Math.abs(dm.upper! - (-0.1025 + 0.0271753)) < 1e-6);
  assert.equal(dm.n, 4);
  assert.equal(dm.verdict, "negative-transfer");
  assert.equal(deltaM(tasks, variants, runs).st, undefined);
});
