import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { defaultJobs, feedOrder, type PoolJob, prestartWorkers, runPool, WorkerPool, workerExecArgv } from "../../src/parallel/pool.js";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import { type Descriptor, handle } from "../fixtures/pool-handler.js";

const handler = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "pool-handler.ts");
const jobs: PoolJob<Descriptor>[] = [11, 12, 13, 14, 15].map((seed) => ({ key: `run-s${seed}`, descriptor: { seed } }));
type Out = { seed: number; weights: number[]; pid: number; execArgv: string[]; order: number };

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
    // Node accepted the workers' flags: two workers on two cores or fewer collect garbage on their own thread.
    assert.equal(parallel[0].execArgv.includes("--single-threaded-gc"), 2 >= defaultJobs());
  });

  it("gives the workers single-threaded garbage collection only when they fill every core", () => {
    const parent = ["--import", "tsx", "--test-concurrency=2"];
    assert.deepEqual(workerExecArgv(parent, 2, 2), ["--import", "tsx", "--single-threaded-gc"]);
    assert.deepEqual(workerExecArgv(parent, 3, 2), ["--import", "tsx", "--single-threaded-gc"]);
    assert.deepEqual(workerExecArgv(parent, 2, 4), ["--import", "tsx"]);
    assert.deepEqual(workerExecArgv(["--single-threaded"], 2, 2), ["--single-threaded"], "a flag the user set is kept, not doubled");
    // The parent's own code (node -e / -p) must not run again in each worker.
    assert.deepEqual(workerExecArgv(["--import", "tsx", "--input-type=module", "-e", "start()"], 2, 4), ["--import", "tsx"]);
    assert.deepEqual(workerExecArgv(["-p", "1", "--eval=2", "--print", "3"], 2, 4), []);
  });

  it("rejects with the failing job's key and message", async () => {
    const bad = [{ key: "run-bad", descriptor: { seed: 1, fail: true } }, ...jobs.slice(0, 1)];
    await assert.rejects(runPool(bad, { jobs: 2, handler }), /job run-bad: .*seed 1 asked to fail/);
    await assert.rejects(runPool(bad, { jobs: 1, handler }), /seed 1 asked to fail/);
    await assert.rejects(runPool(bad, { jobs: 0, handler }), /jobs: expected a positive integer/);
  });

  it("keeps its workers from batch to batch (a study's phases) and lets them exit when closed", async () => {
    const pool = new WorkerPool<Descriptor, Out>(handler, 2);
    const sequential = await runPool<Descriptor, Out>(jobs, { jobs: 1, handler });
    try {
      const first = await pool.run(jobs.slice(0, 3));
      const second = await pool.run(jobs.slice(3));
      assert.deepEqual([...first, ...second].map((r) => r.weights), sequential.map((r) => r.weights));
      const pids = new Set(first.map((r) => r.pid));
      assert.equal(pids.size, 2);
      assert.ok(second.every((r) => pids.has(r.pid)), "the second batch ran on the first batch's processes");
      assert.deepEqual(await pool.run([]), []);
    } finally {
      pool.close();
    }
    await assert.rejects(pool.run(jobs), /closed/);
  });

  it("a failed job rejects its batch, and the pool refuses further batches", async () => {
    const pool = new WorkerPool<Descriptor, Out>(handler, 2);
    try {
      await assert.rejects(pool.run([{ key: "run-bad", descriptor: { seed: 1, fail: true } }, ...jobs.slice(0, 2)]), /job run-bad: .*seed 1 asked to fail/);
      await assert.rejects(pool.run(jobs.slice(0, 1)), /seed 1 asked to fail/);
    } finally {
      pool.close();
    }
  });

  it("hands out the costliest jobs first, ties in the jobs' order, and still returns results in the jobs' order", async () => {
    const costed = (costs: (number | undefined)[]) => costs.map((cost, i) => ({ key: `j${i}`, descriptor: { seed: 11 + i }, ...(cost === undefined ? {} : { cost }) }));
    assert.deepEqual(feedOrder(costed([1, 4, 2, 4, undefined])), [1, 3, 2, 0, 4]);
    assert.deepEqual(feedOrder(costed([])), []);
    // One worker process takes them one at a time, so the order it started them in is the feed order.
    const pool = new WorkerPool<Descriptor, Out>(handler, 1);
    try {
      const out = await pool.run(costed([1, 3, 2]));
      assert.deepEqual(out.map((r) => r.seed), [11, 12, 13]);
      const [first, second, third] = out.map((r) => r.order);
      assert.deepEqual([second - first, third - first], [-2, -1], "cost 3 started first, then cost 2, then cost 1");
    } finally {
      pool.close();
    }
  });

  it("with a local handler, this process is one of the slots: the same results, one worker process fewer", async () => {
    const sequential = await runPool<Descriptor, Out>(jobs, { jobs: 1, handler });
    const events: string[] = [];
    const pool = new WorkerPool<Descriptor, Out, { step: number }>(handler, 2, handle);
    try {
      const parallel = await pool.run(jobs, { onEvent: (key, e) => events.push(`${key}:${e.step}`) });
      assert.deepEqual(parallel.map((r) => r.weights), sequential.map((r) => r.weights));
      const pids = new Set(parallel.map((r) => r.pid));
      assert.equal(pids.size, 2);
      assert.ok(pids.has(process.pid), "this process ran some of the jobs");
      assert.equal(events.length, 5 * 5, "progress from both slots");
      await assert.rejects(pool.run([{ key: "run-bad", descriptor: { seed: 1, fail: true } }]), /job run-bad: .*seed 1 asked to fail/);
    } finally {
      pool.close();
    }
  });

  it("a pool takes over the workers prestarted for it; unused ones do not keep their parent alive", async () => {
    const [pid] = prestartWorkers(handler, 2);
    assert.equal(typeof pid, "number");
    const pool = new WorkerPool<Descriptor, Out>(handler, 2, handle);
    try {
      const out = await pool.run(jobs);
      assert.deepEqual(new Set(out.map((r) => r.pid)), new Set([process.pid, pid]), "this process and the prestarted worker, no other");
    } finally {
      pool.close();
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), "distmatch-prestart-"));
    const script = path.join(dir, "prestart.mts");
    const poolModule = new URL("../../src/parallel/pool.ts", import.meta.url).href;
    await writeFile(script, `const { prestartWorkers } = await import(${JSON.stringify(poolModule)});\nconsole.log(prestartWorkers(${JSON.stringify(handler)}, 3).length);\n`);
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 60_000 });
    await rm(dir, { recursive: true, force: true });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), "2", "two workers started, and the parent exited on its own");
  });
});
