import { test } from "node:test";
import assert from "node:assert/strict";
import { deltaM, isNegativeTransfer, meanStd, summarize } from "../../src/study/analysis.js";
import type { RunResult } from "../../src/study/results.js";
import { variantDefinitions } from "../../src/study/variants.js";

test("meanStd: sample standard deviation, 0 for one value", () => {
  // values 1, 2, 3, 4: mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, / 3 -> sqrt(5/3)
  const { mean, std } = meanStd([1, 2, 3, 4]);
  assert.equal(mean, 2.5);
  assert.ok(Math.abs(std - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanStd([0.7]), { mean: 0.7, std: 0 });
});

test("negative transfer only where MT is below ST by more than the seed-to-seed spread", () => {
  assert.equal(isNegativeTransfer({ mean: 0.8, std: 0.01 }, { mean: 0.78, std: 0.01 }), true); // 0.02 > 0.01
  assert.equal(isNegativeTransfer({ mean: 0.8, std: 0.03 }, { mean: 0.78, std: 0.01 }), false); // 0.02 < 0.03
  assert.equal(isNegativeTransfer({ mean: 0.8, std: 0.01 }, { mean: 0.78, std: 0.05 }), false); // MT's own spread counts too
  assert.equal(isNegativeTransfer({ mean: 0.8, std: 0 }, { mean: 0.85, std: 0 }), false); // better is never negative
  assert.equal(isNegativeTransfer({ mean: 0.8, std: 0 }, { mean: 0.7999, std: 0 }), true); // one seed: any drop counts
});

function run(variant: string, seed: number, values: Record<string, number>, task?: string): RunResult {
  const metrics: RunResult["metrics"] = {};
  for (const [name, v] of Object.entries(values)) {
    metrics[name] = { kind: "multiclass", primary: "accuracy", values: { accuracy: v }, n: 10 };
  }
  return { variant, seed, ...(task ? { task } : {}), metrics, curves: [], bestEpoch: 1, epochs: 1, wallSeconds: 0 };
}

test("summarize: ST counts for its own task only; deltas, flags and Delta_m by hand", () => {
  const runs = [
    run("st", 0, { a: 0.8 }, "a"), run("st", 1, { a: 0.9 }, "a"),
    run("st", 0, { b: 0.5 }, "b"), run("st", 1, { b: 0.5 }, "b"),
    run("mt", 0, { a: 0.9, b: 0.4 }), run("mt", 1, { a: 1.0, b: 0.4 }),
  ];
  const variants = variantDefinitions.filter((v) => v.id === "st" || v.id === "mt");
  const summary = summarize([{ name: "a", metric: "accuracy" }, { name: "b", metric: "accuracy" }], variants, runs);
  const a = summary[0].variants;
  assert.ok(Math.abs(a.st.mean - 0.85) < 1e-12);
  assert.ok(Math.abs(a.mt.mean - 0.95) < 1e-12);
  assert.ok(Math.abs(a.mt.delta!.absolute - 0.1) < 1e-12);
  assert.ok(Math.abs(a.mt.delta!.relative - 0.1 / 0.85) < 1e-12);
  assert.equal(a.mt.negativeTransfer, false);
  const b = summary[1].variants;
  assert.equal(b.st.values.length, 2, "ST runs of task a must not count for task b");
  assert.equal(b.mt.negativeTransfer, true); // 0.4 vs 0.5 with zero spread
  // Delta_m = mean(0.1 / 0.85, -0.1 / 0.5)
  const dm = deltaM(summary);
  assert.ok(Math.abs(dm.mt - (0.1 / 0.85 - 0.2) / 2) < 1e-12);
  assert.equal(dm.st, undefined);
});
