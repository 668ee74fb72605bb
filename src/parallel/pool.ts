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
  /**
   * Expected run time, in any unit (default 1). Workers take the costliest jobs first, so that the batch
   * does not end with one long job on one worker while the others wait; results keep the jobs' order.
   */
  readonly cost?: number;
}

/** Positions of `jobs` in the order workers take them: costliest first, ties in the jobs' order. */
export function feedOrder(jobs: readonly PoolJob<unknown>[]): number[] {
  return jobs.map((_, i) => i).sort((a, b) => (jobs[b].cost ?? 1) - (jobs[a].cost ?? 1) || a - b);
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

/** A failed job's error as the pool reports it, from a worker or from this process: its stack where there is one. */
export function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Messages between this process and a worker (src/parallel/worker.ts). */
export type ToWorker = { readonly type: "run"; readonly index: number; readonly handler: string; readonly descriptor: unknown };
export type FromWorker =
  | { readonly type: "event"; readonly index: number; readonly event: unknown }
  | { readonly type: "result"; readonly index: number; readonly result: unknown }
  | { readonly type: "error"; readonly index: number; readonly message: string };

async function runInChildren<D, R, E>(jobs: readonly PoolJob<D>[], options: PoolOptions<E>, workers: number): Promise<R[]> {
  const pool = new WorkerPool<D, R, E>(options.handler, workers);
  try {
    return await pool.run(jobs, options);
  } finally {
    pool.close();
  }
}

interface Batch<D, R, E> {
  readonly jobs: readonly PoolJob<D>[];
  /** feedOrder(jobs); `next` counts how many of them were handed out. */
  readonly order: readonly number[];
  readonly results: R[];
  /** Pool-wide message index of the batch's first job (job i has index first + i). */
  readonly first: number;
  next: number;
  done: number;
  readonly events: Pick<PoolOptions<E>, "onEvent" | "onDone">;
  readonly resolve: (results: R[]) => void;
  readonly reject: (error: Error) => void;
}

/** Where a job runs: a worker process, or this process (WorkerPool's `local` option). */
type Slot = ChildProcess | typeof HERE;
const HERE = Symbol("this process");

/**
 * Worker processes kept for several batches of jobs (a study's phases), so that each starts, loads its
 * backend and opens its data once. One batch runs at a time; results come back in the batch's order.
 * A failed job rejects its batch and breaks the pool (the workers are killed). close() lets idle
 * workers exit.
 *
 * With `local`, this process is one of the `size` slots and runs its jobs through `local` between
 * handling the workers' messages: one process fewer to start, and this one has its data open already.
 * The jobs must then yield to the event loop now and then (train() does, every 50 ms), or a finished
 * worker waits for its next job.
 */
export class WorkerPool<D, R, E = unknown> {
  private readonly children: ChildProcess[] = [];
  private readonly idle: Slot[] = [];
  private readonly running = new Map<Slot, number>();
  private batch: Batch<D, R, E> | undefined;
  private nextIndex = 0;
  private broken: Error | undefined;
  private closed = false;
  /** Settles when this process's job does (a failed batch is rejected only then, see fail()). */
  private localJob: Promise<void> = Promise.resolve();

  constructor(
    private readonly handler: string,
    private readonly size: number,
    private readonly local?: PoolHandler<D, R, E>,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`jobs: expected a positive integer, got ${size}`);
    if (local) this.idle.push(HERE);
  }

  run(jobs: readonly PoolJob<D>[], events: Pick<PoolOptions<E>, "onEvent" | "onDone"> = {}): Promise<R[]> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    if (this.batch) return Promise.reject(new Error("the worker pool runs one batch at a time"));
    if (jobs.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      const first = this.nextIndex;
      this.nextIndex += jobs.length;
      this.batch = { jobs, order: feedOrder(jobs), results: new Array<R>(jobs.length), first, next: 0, done: 0, events, resolve, reject };
      const processes = Math.min(this.size, jobs.length) - (this.local ? 1 : 0);
      while (this.children.length < processes) this.idle.push(this.spawn());
      for (const slot of this.idle.splice(0)) this.feed(slot);
    });
  }

  close(): void {
    this.closed = true;
    // Idle workers wait for work until their channel closes.
    for (const child of this.children) if (child.connected) child.disconnect();
  }

  private spawn(): ChildProcess {
    const child = takePrestarted(this.handler, this.size) ?? forkWorker(this.handler, this.size);
    this.children.push(child);
    child.on("message", (raw: FromWorker) => this.receive(child, raw));
    child.on("exit", (code, signal) => {
      const index = this.running.get(child);
      if (index !== undefined && this.batch) this.fail(new Error(`job ${this.keyOf(index)}: worker exited (${signal ?? `code ${code}`}) before finishing`));
    });
    child.on("error", (err) => this.fail(err));
    return child;
  }

  private keyOf(index: number): string {
    return this.batch?.jobs[index - this.batch.first]?.key ?? `#${index}`;
  }

  private feed(slot: Slot): void {
    const batch = this.batch;
    if (!batch || batch.next >= batch.jobs.length) {
      this.idle.push(slot);
      return;
    }
    const position = batch.order[batch.next++];
    const index = batch.first + position;
    this.running.set(slot, index);
    const { descriptor } = batch.jobs[position];
    if (slot === HERE) this.runHere(index, descriptor);
    else slot.send({ type: "run", index, handler: this.handler, descriptor } satisfies ToWorker);
  }

  private runHere(index: number, descriptor: D): void {
    const local = this.local!;
    this.localJob = (async () => {
      try {
        const result = await local(descriptor, (event) => this.receive(HERE, { type: "event", index, event }));
        this.receive(HERE, { type: "result", index, result });
      } catch (err) {
        this.receive(HERE, { type: "error", index, message: errorText(err) });
      }
    })();
  }

  private receive(slot: Slot, raw: FromWorker): void {
    const batch = this.batch;
    if (!batch) return;
    const position = raw.index - batch.first;
    const key = batch.jobs[position].key;
    if (raw.type === "event") {
      batch.events.onEvent?.(key, raw.event as E);
      return;
    }
    if (raw.type === "error") {
      this.fail(new Error(`job ${key}: ${raw.message}`));
      return;
    }
    batch.results[position] = raw.result as R;
    this.running.delete(slot);
    batch.done++;
    batch.events.onDone?.(key, batch.done, batch.jobs.length);
    if (batch.done === batch.jobs.length) {
      this.batch = undefined;
      this.idle.push(slot);
      batch.resolve(batch.results);
    } else this.feed(slot);
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    for (const child of this.children) child.kill();
    const batch = this.batch;
    this.batch = undefined;
    // This process's job cannot be killed: the batch fails once it has stopped writing.
    if (batch) void this.localJob.then(() => batch.reject(error));
  }
}

function forkWorker(handler: string, poolSize: number): ChildProcess {
  return fork(workerEntry(), [handler], { execArgv: workerExecArgv(process.execArgv, poolSize, defaultJobs()), serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

/** Workers started ahead of their pool by prestartWorkers. */
const prestarted: { readonly handler: string; readonly poolSize: number; readonly child: ChildProcess }[] = [];

/**
 * Starts now the `poolSize - 1` worker processes that a WorkerPool of `poolSize` slots with a local
 * handler will use, so that their start-up overlaps with this process's own (a command-line tool before
 * loading its heavy modules). A pool with the same handler and size takes them over. Until then they do
 * not keep this process alive, and they exit when it does. Returns their process ids.
 */
export function prestartWorkers(handler: string, poolSize: number): number[] {
  const pids: number[] = [];
  for (let i = 1; i < poolSize; i++) {
    const child = forkWorker(handler, poolSize);
    child.unref();
    child.channel?.unref();
    prestarted.push({ handler, poolSize, child });
    if (child.pid !== undefined) pids.push(child.pid);
  }
  return pids;
}

function takePrestarted(handler: string, poolSize: number): ChildProcess | undefined {
  const at = prestarted.findIndex((p) => p.handler === handler && p.poolSize === poolSize && p.child.connected);
  if (at < 0) return undefined;
  const [{ child }] = prestarted.splice(at, 1);
  child.ref();
  child.channel?.ref();
  return child;
}

/** worker.ts next to this file when running from source (tsx), worker.js in the built package. */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const ts = here.replace(/pool\.[jt]s$/, "worker.ts");
  return here.endsWith(".ts") && existsSync(ts) ? ts : here.replace(/pool\.[jt]s$/, "worker.js");
}

/** Flags that give the parent its code (`node -e "..."`): a worker given them would run that code, not worker.ts. */
const CODE_FLAGS_WITH_VALUE: readonly (string | undefined)[] = ["-e", "--eval", "-p", "--print"];
const CODE_FLAGS = /^(-e|--eval|-p|--print|--input-type)(=|$)/;

/**
 * The workers' Node flags: this process's (a TypeScript loader such as tsx) minus the test runner's, which would
 * rerun tests, and minus `-e`/`-p` and their code, which would run again in every worker. When the workers fill
 * every core, V8's garbage-collector helper threads only steal time from the other workers, so each worker
 * collects on its own thread (bench/README.md, "Parallel studies").
 */
export function workerExecArgv(parentArgv: readonly string[], workers: number, cores: number): string[] {
  const flags = parentArgv.filter((arg, i) => !arg.startsWith("--test") && !CODE_FLAGS.test(arg) && !CODE_FLAGS_WITH_VALUE.includes(parentArgv[i - 1]));
  const gcSet = flags.some((arg) => arg.includes("single-threaded"));
  return workers >= cores && !gcSet ? [...flags, "--single-threaded-gc"] : flags;
}
