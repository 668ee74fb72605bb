import { test } from "node:test";
import assert from "node:assert/strict";
import { pairUp, tInterval, verdictOf } from "../../src/study/statistics.js";

const close = (a: number | null, b: number, tol = 1e-6): void => assert.ok(a !== null && Math.abs(a - b) < tol, `${a} vs ${b}`);

test("t-interval against a worked example", () => {
  // Differences 0.02, 0.05, -0.01, 0.04, 0.00 (n = 5):
  //   mean = 0.10 / 5 = 0.02
  //   squared deviations: 0, 0.0009, 0.0009, 0.0004, 0.0004 -> sum 0.0026; s^2 = 0.0026 / 4 = 0.00065; s = 0.0254951
  //   standard error s / sqrt(5) = 0.0114018; t_{0.975, 4} = 2.776445 (printed t tables: 2.776)
  //   half-width = 2.776445 * 0.0114018 = 0.0316563 -> [-0.0116563, 0.0516563]
  const ci = tInterval([0.02, 0.05, -0.01, 0.04, 0.0]);
  close(ci.mean, 0.02, 1e-12);
  close(ci.lower, -0.0116563);
  close(ci.upper, 0.0516563);
  assert.equal(ci.n, 5);
  // Nine pairs (3 splits x 3 seeds), all 1 except one 0: mean 8/9, s = sqrt(1/9) = 1/3,
  // t_{0.975, 8} = 2.306004 -> half-width 2.306004 / 9 = 0.2562227.
  const nine = tInterval([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  close(nine.lower, 8 / 9 - 0.2562227);
  close(nine.upper, 8 / 9 + 0.2562227);
  // Two values 1 and 3: mean 2, s = sqrt(2), t_{0.975, 1} = 12.706205 -> 2 ± 12.706205.
  const two = tInterval([1, 3]);
  close(two.lower, 2 - 12.706205);
  close(two.upper, 2 + 12.706205);
});

test("t-interval: one value has no interval; bad input is an error", () => {
  assert.deepEqual(tInterval([0.3]), { mean: 0.3, lower: null, upper: null, n: 1 });
  assert.throws(() => tInterval([]), /no values/);
  assert.throws(() => tInterval([0.1, Number.NaN]), /non-finite/);
});

test("three-way verdict from the interval of the paired difference", () => {
  assert.equal(verdictOf({ mean: 0.02, lower: 0.001, upper: 0.04, n: 9 }), "better");
  assert.equal(verdictOf({ mean: -0.02, lower: -0.04, upper: -0.001, n: 9 }), "negative-transfer");
  assert.equal(verdictOf({ mean: -0.02, lower: -0.04, upper: 0.001, n: 9 }), "no-difference");
  assert.equal(verdictOf({ mean: 0, lower: 0, upper: 0, n: 9 }), "no-difference", "identical results are no difference");
  assert.equal(verdictOf({ mean: -0.5, lower: null, upper: null, n: 1 }), "no-difference", "one pair detects nothing");
  // The worked example above straddles 0; shifted down by 0.06 it lies below 0.
  assert.equal(verdictOf(tInterval([0.02, 0.05, -0.01, 0.04, 0.0])), "no-difference");
  assert.equal(verdictOf(tInterval([-0.04, -0.01, -0.07, -0.02, -0.06])), "negative-transfer");
});

test("pairing matches by (split, seed), not by order", () => {
  const st = [
    { split: 1, seed: 0, value: 0.5 },
    { split: 0, seed: 1, value: 0.7 },
    { split: 0, seed: 0, value: 0.6 },
  ];
  const mt = [
    { split: 0, seed: 0, value: 0.65 },
    { split: 1, seed: 0, value: 0.4 },
    { split: 0, seed: 1, value: 0.75 },
    { split: 2, seed: 0, value: 0.9 }, // no ST partner: left out
  ];
  const pairs = pairUp(st, mt);
  assert.deepEqual(pairs.map((p) => [p.key.split, p.key.seed, p.a.value, p.b.value]), [
    [0, 0, 0.6, 0.65],
    [0, 1, 0.7, 0.75],
    [1, 0, 0.5, 0.4],
  ]);
  assert.throws(() => pairUp([...st, { split: 0, seed: 0, value: 0.1 }], mt), /two results for split 0, seed 0/);
});
