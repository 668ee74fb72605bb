import { test } from "node:test";
import assert from "node:assert/strict";
import { SourceSampler, type SamplePick } from "../../src/data/samplers.js";
import { Rng } from "../../src/engine/random.js";

function countBySource(batches: SamplePick[][], sources: number): number[] {
  const counts = new Array<number>(sources).fill(0);
  for (const b of batches) for (const p of b) counts[p.source]++;
  return counts;
}

test("quota: equal share per source in every batch, leftover slots rotate", () => {
  const sampler = new SourceSampler([1000, 10, 50], { batchSize: 8, seed: 1 });
  const batches = Array.from({ length: 30 }, () => sampler.next());
  for (const b of batches) {
    assert.equal(b.length, 8);
    for (const c of countBySource([b], 3)) assert.ok(c === 2 || c === 3);
  }
  assert.deepEqual(countBySource(batches, 3), [80, 80, 80]);
  assert.equal(sampler.stepsPerEpoch, Math.ceil((1000 * 3) / 8), "epoch = largest source seen once");
});

test("quota: each source is sampled without replacement within a pass", () => {
  const sampler = new SourceSampler([10, 7], { batchSize: 4, seed: 3 });
  const rows = Array.from({ length: 5 }, () => sampler.next()).flat().filter((p) => p.source === 0).map((p) => p.row);
  assert.equal(rows.length, 10);
  assert.deepEqual([...rows].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("proportional: counts follow source sizes; one epoch sees every row exactly once", () => {
  const sizes = [300, 100];
  const sampler = new SourceSampler(sizes, { batchSize: 10, policy: "proportional", seed: 5 });
  assert.equal(sampler.stepsPerEpoch, 40);
  const batches = [...sampler.epochBatches()];
  assert.deepEqual(countBySource(batches, 2), [300, 100]);
  const seen = new Set(batches.flat().map((p) => `${p.source}:${p.row}`));
  assert.equal(seen.size, 400);
  assert.equal(sampler.epoch, 1);
});

test("round-robin: each batch from one source, sources in turn", () => {
  const sampler = new SourceSampler([20, 5, 9], { batchSize: 4, policy: "round-robin", seed: 2 });
  const order = Array.from({ length: 7 }, () => {
    const b = sampler.next();
    assert.ok(b.every((p) => p.source === b[0].source));
    return b[0].source;
  });
  assert.deepEqual(order, [0, 1, 2, 0, 1, 2, 0]);
  assert.equal(sampler.stepsPerEpoch, 3 * 5);
});

test("same seed, same stream; different seed, different stream; rng option draws from the given Rng", () => {
  const draw = (s: SourceSampler) => Array.from({ length: 20 }, () => s.next());
  const a = draw(new SourceSampler([50, 30], { batchSize: 6, seed: 9 }));
  const b = draw(new SourceSampler([50, 30], { batchSize: 6, seed: 9 }));
  const c = draw(new SourceSampler([50, 30], { batchSize: 6, seed: 10 }));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const d = draw(new SourceSampler([50, 30], { batchSize: 6, rng: new Rng(9) }));
  assert.deepEqual(d, a, "rng: new Rng(seed) is the same as seed");
});

for (const policy of ["quota", "proportional", "round-robin"] as const) {
  test(`state/restore resumes the ${policy} stream identically (also through JSON)`, () => {
    const original = new SourceSampler([23, 7, 11], { batchSize: 5, policy, seed: 4 });
    for (let i = 0; i < 13; i++) original.next();
    const state = JSON.parse(JSON.stringify(original.state()));
    const resumed = SourceSampler.restore(state);
    const expected = Array.from({ length: 25 }, () => original.next());
    const actual = Array.from({ length: 25 }, () => resumed.next());
    assert.deepEqual(actual, expected);
    assert.equal(resumed.steps, original.steps);
  });
}

test("bad options and states are rejected", () => {
  assert.throws(() => new SourceSampler([], { batchSize: 4 }), /at least one source/);
  assert.throws(() => new SourceSampler([3, 0], { batchSize: 4 }), /source 1 has 0 rows/);
  assert.throws(() => new SourceSampler([3], { batchSize: 0 }), /batchSize must be a positive integer/);
  assert.throws(() => SourceSampler.restore({ format: "nope" }));
  assert.equal(new SourceSampler([3], { batchSize: 2, stepsPerEpoch: 7 }).stepsPerEpoch, 7);
});
