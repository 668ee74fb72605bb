import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

/**
 * Runs independent jobs (a study's runs: task × variant × seed × split) on several cores. TensorFlow.js's
 * wasm backend uses one core in Node, so parallelism comes from child processes, each with its own
 * backend. A job is a JSON-serialisable descriptor handed to a handler module's `handle` function, in a
 * child or, with jobs = 1, in this process; results come back in the jobs' order, so the caller sees
 * exactly what a sequential loop would have produced (each job must be self-contained: seeded, reading
 * only its descriptor and files). Nothing here knows about studies: run.ts builds the descriptors.
 */

/** One job: a stable key (used for progress and errors) and what the handler needs. */
export interface PoolJob<D> {
  readonly key: string;
  readonly descriptor: D;
}

/** What a handler module exports as `handle`: runs one job, may report progress through `emit`. */
export type PoolHandler<D, R, E> = (descriptor: D, emit: (event: E) => void) => Promise<R>;

export interface PoolOptions<E> {
  /** Parallel processes; 1 runs every job here, in order. Default: the core count. */
  readonly jobs?: number;
  /** Absolute path of the module that exports `handle` (a .ts path works where tsx runs this process). */
  readonly handler: string;
  /** Progress from inside a job, tagged with its key. */
  readonly onEvent?: (key: string, event: E) => void;
  /** A job finished (in completion order, which varies with jobs > 1). */
  readonly onDone?: (key: string, done: number, total: number) => void;
}

export function defaultJobs(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** Runs every job and returns the results in the jobs' order; the first failure rejects (and stops the rest). */
export async function runPool<D, R, E = unknown>(jobs: readonly PoolJob<D>[], options: PoolOptions<E>): Promise<R[]> {
  const requested = options.jobs ?? defaultJobs();
  if (!Number.isInteger(requested) || requested < 1) throw new Error(`jobs: expected a positive integer, got ${requested}`);
  const workers = Math.min(requested, jobs.length);
  if (workers <= 1) return runHere(jobs, options);
  return runInChildren(jobs, options, workers);
}

async function runHere<D, R, E>(jobs: readonly PoolJob<D>[], options: PoolOptions<E>): Promise<R[]> {
  const { handle } = (await import(options.handler)) as { handle: PoolHandler<D, R, E> };
  if (typeof handle !== "function") throw new Error(`${options.handler}: expected an exported function handle(descriptor, emit)`);
  const results: R[] = [];
  for (const [i, job] of jobs.entries()) {
    results.push(await handle(job.descriptor, (event) => options.onEvent?.(job.key, event)));
    options.onDone?.(job.key, i + 1, jobs.length);
  }
  return results;
}

/** Messages between this process and a worker (src/parallel/worker.ts). */
export type ToWorker = { readonly type: "run"; readonly index: number; readonly handler: string; readonly descriptor: unknown };
export type FromWorker =
  | { readonly type: "event"; readonly index: number; readonly event: unknown }
  | { readonly type: "result"; readonly index: number; readonly result: unknown }
  | { readonly type: "error"; readonly index: number; readonly message: string };

function runInChildren<D, R, E>(jobs: readonly PoolJob<D>[], options: PoolOptions<E>, workers: number): Promise<R[]> {
  return new Promise<R[]>((resolve, reject) => {
    const results = new Array<R>(jobs.length);
    const children: ChildProcess[] = [];
    let next = 0;
    let done = 0;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      for (const child of children) child.kill();
      reject(error);
    };
    const feed = (child: ChildProcess): void => {
      if (failed) return;
      if (next >= jobs.length) { child.disconnect(); return; }
      const index = next++;
      running.set(child, index);
      const message: ToWorker = { type: "run", index, handler: options.handler, descriptor: jobs[index].descriptor };
      child.send(message);
    };
    const running = new Map<ChildProcess, number>();
    for (let w = 0; w < workers; w++) {
      const child = fork(workerEntry(), [], { execArgv: workerExecArgv(), serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
      children.push(child);
      child.on("message", (raw: FromWorker) => {
        const key = jobs[raw.index].key;
        if (raw.type === "event") { options.onEvent?.(key, raw.event as E); return; }
        if (raw.type === "error") { fail(new Error(`job ${key}: ${raw.message}`)); return; }
        results[raw.index] = raw.result as R;
        running.delete(child);
        done++;
        options.onDone?.(key, done, jobs.length);
        if (done === jobs.length) {
          // Idle workers wait for work until their channel closes: close every one so each exits.
          for (const c of children) if (c.connected) c.disconnect();
          resolve(results);
        } else feed(child);
      });
      child.on("exit", (code, signal) => {
        const index = running.get(child);
        if (index !== undefined && !failed) fail(new Error(`job ${jobs[index].key}: worker exited (${signal ?? `code ${code}`}) before finishing`));
      });
      child.on("error", (err) => fail(err));
      feed(child);
    }
  });
}

/** worker.ts next to this file when running from source (tsx), worker.js in the built package. */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const ts = here.replace(/pool\.[jt]s$/, "worker.ts");
  return here.endsWith(".ts") && existsSync(ts) ? ts : here.replace(/pool\.[jt]s$/, "worker.js");
}

/** This process's Node flags (a TypeScript loader such as tsx) minus the test runner's, which would rerun tests. */
function workerExecArgv(): string[] {
  return process.execArgv.filter((arg) => !arg.startsWith("--test"));
}
