import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type PoolJob, runPool, selectShard, shardOf } from "../../src/parallel/pool.js";
import type { Descriptor } from "../fixtures/pool-handler.js";

const handler = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "pool-handler.ts");
const jobs: PoolJob<Descriptor>[] = [11, 12, 13, 14, 15].map((seed) => ({ key: `run-s${seed}`, descriptor: { seed } }));
type Out = { seed: number; weights: number[]; pid: number };

describe("parallel pool", () => {
  it("gives bit-identical results in the jobs' order with 2 worker processes as with 1 in-process loop", async () => {
    const events: string[] = [];
    const sequential = await runPool<Descriptor, Out>(jobs, { jobs: 1, handler });
    const parallel = await runPool<Descriptor, Out, { step: number }>(jobs, {
      jobs: 2, handler, onEvent: (key, e) => events.push(`${key}:${e.step}`),
    });
    assert.deepEqual(parallel.map((r) => r.seed), [11, 12, 13, 14, 15]);
    assert.deepEqual(parallel.map((r) => r.weights), sequential.map((r) => r.weights));
    assert.notDeepEqual(parallel[0].weights, parallel[1].weights, "different seeds train different weights");
    assert.equal(new Set(parallel.map((r) => r.pid)).size, 2, "two worker processes shared the jobs");
    assert.ok(!parallel.some((r) => r.pid === process.pid));
    assert.equal(events.length, 5 * 5);
    // Every worker exits once the jobs are done (none is left waiting for work).
    const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
    for (let wait = 0; wait < 100 && parallel.some((r) => alive(r.pid)); wait++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!parallel.some((r) => alive(r.pid)), "worker processes exited");
    assert.ok(events.includes("run-s13:4"));
  });

  it("rejects with the failing job's key and message", async () => {
    const bad = [{ key: "run-bad", descriptor: { seed: 1, fail: true } }, ...jobs.slice(0, 1)];
    await assert.rejects(runPool(bad, { jobs: 2, handler }), /job run-bad: .*seed 1 asked to fail/);
    await assert.rejects(runPool(bad, { jobs: 1, handler }), /seed 1 asked to fail/);
    await assert.rejects(runPool(bad, { jobs: 0, handler }), /jobs: expected a positive integer/);
  });

  it("splits jobs into shards that cover every job exactly once, the same on every call", () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ key: `st-task${i % 7}-s${i}`, descriptor: i }));
    const shards = [0, 1, 2].map((i) => selectShard(many, i, 3));
    assert.deepEqual(shards.flat().map((j) => j.descriptor).sort((a, b) => a - b), many.map((j) => j.descriptor));
    for (const shard of shards) assert.ok(shard.length > 40, "roughly even shards");
    assert.equal(shardOf("st-task1-s1", 3), shardOf("st-task1-s1", 3));
    assert.throws(() => selectShard(many, 3, 3), /shard: expected 0 <= i < 3/);
  });
});
