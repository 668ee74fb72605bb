import { fileURLToPath } from "node:url";
import { type PoolHandler, type PoolJob, prestartWorkers, WorkerPool } from "../parallel/pool.js";
import type { RunResult } from "./results.js";
import type { OpenedSplit, RunKey, SplitJob, StudyEvent, StudyRef } from "./run.js";
import { getVariant } from "./variants.js";

/*
 * A study's independent runs on several processes (src/parallel/pool.ts): this one and `workers - 1`
 * worker processes. Every worker opens each split as the parent (config, data from the same files and
 * feature cache) and runs its job with the sequential loop's own code, as this process does on the
 * splits it has open, writing it into the shared runs folder; the parent's loop then reads each back
 * as a cached run. So results, cache and resume are those of a sequential study, and a
 * job's key is its run file's identity, which a later `--shard i/N` over a shared folder can split on.
 */

interface WorkerJob {
  readonly study: StudyRef;
  readonly split: number;
  readonly job: SplitJob;
}

/**
 * Worker progress: only the job's own run (a worker re-reads other runs, e.g. ST runs for relatedness,
 * silently), with its step events thinned to one per STEP_EVENT_INTERVAL_MS.
 */
export type WorkerEvent = Extract<StudyEvent, { type: "run-start" | "train" | "run-end" | "tuning-score" | "warning" }>;

const HANDLER = fileURLToPath(import.meta.url);

/** A study's worker processes, kept from phase to phase so each opens its splits once; close() at the end. */
export interface StudyPool {
  run(study: StudyRef, jobs: readonly { readonly split: number; readonly job: SplitJob }[], onEvent: (event: WorkerEvent) => void): Promise<(RunResult | Record<string, number>)[]>;
  close(): void;
}

/** Starts the worker processes of a study with `jobs` slots now; its pool takes them over (see prestartWorkers). */
export function prestartStudyWorkers(jobs: number): void {
  prestartWorkers(HANDLER, jobs);
}

/** A pool of `workers` slots, one of them this process running jobs on `splits` (the study's open splits, by split number). */
export function openStudyPool(workers: number, splits: readonly OpenedSplit[]): StudyPool {
  const here: PoolHandler<WorkerJob, RunResult | Record<string, number>, WorkerEvent> = async ({ split, job }, emit) => {
    const { runSplitJob, splitJobKey } = await import("./run.js");
    const opened = splits[split];
    // As a worker runs it: its own run counter and no runs marked as read back, events through the same filter.
    const ctx = { ...opened.ctx, emit: jobEvents(splitJobKey(split, job), emit), index: 0, pooled: new Set<string>() };
    return runSplitJob({ ...opened, ctx }, job);
  };
  const pool = new WorkerPool<WorkerJob, RunResult | Record<string, number>, WorkerEvent>(HANDLER, workers, here);
  return {
    async run(study, jobs, onEvent) {
      const { runKeyId, splitJobKey } = await import("./run.js");
      const poolJobs: PoolJob<WorkerJob>[] = jobs.map(({ split, job }) => ({ key: runKeyId(splitJobKey(split, job)), descriptor: { study, split, job }, cost: jobCost(job) }));
      return pool.run(poolJobs, { onEvent: (_key, event) => onEvent(event) });
    },
    close: () => pool.close(),
  };
}

/**
 * A job's expected run time, one ST run = 1, for the pool's costliest-first order. In the default
 * study's run-by-run timeline an MT run took about 1.7 times an ST run and MT + coupling about twice
 * plain MT. Weighting methods that take each task's gradient (a backward pass per task) are counted as
 * doubling again, by that count of passes, not by a measurement.
 */
export function jobCost(job: SplitJob): number {
  if (job.kind === "st") return 1;
  const { terms, weighting } = getVariant(job.variant);
  const coupled = terms.dm || terms.sca || terms.co;
  const perTaskGradients = weighting === "gradnorm" || weighting === "pcgrad" || weighting === "aligned-mtl";
  return 2 * (coupled ? 2 : 1) * (perTaskGradients ? 2 : 1);
}

/** Step events are sent to the parent at most this often per run: each one is an IPC message. */
const STEP_EVENT_INTERVAL_MS = 250;

interface OpenedForWorker {
  readonly opened: OpenedSplit;
  sink: (event: StudyEvent) => void;
}

const opened = new Map<string, Promise<OpenedForWorker>>();

function sameRun(a: RunKey, b: RunKey): boolean {
  return a.variant === b.variant && a.split === b.split && a.seed === b.seed && a.task === b.task;
}

/** What a job reports: warnings and its own run's events, step events thinned. */
function jobEvents(key: RunKey, emit: (event: WorkerEvent) => void): (event: StudyEvent) => void {
  let lastStep = -Infinity;
  return (event) => {
    if (event.type === "warning") emit(event);
    else if ((event.type === "run-start" || event.type === "train" || event.type === "run-end" || event.type === "tuning-score") && sameRun(event.run, key)) {
      if (event.type === "train" && event.event.type === "step") {
        // A message per step took 3% of a worker's time on the default study; progress needs far fewer.
        const now = performance.now();
        if (now - lastStep < STEP_EVENT_INTERVAL_MS) return;
        lastStep = now;
      }
      emit(event);
    }
  };
}

/** Loads the study code (TensorFlow.js included) as soon as a worker starts, before its first job arrives. */
export async function warm(): Promise<void> {
  await import("./run.js");
}

/** The pool handler: opens each split once per worker process, then runs the job. */
export async function handle(descriptor: WorkerJob, emit: (event: WorkerEvent) => void): Promise<RunResult | Record<string, number>> {
  const { openSplitForWorker, runSplitJob, splitJobKey } = await import("./run.js");
  const id = JSON.stringify([descriptor.study, descriptor.split]);
  let entry = opened.get(id);
  if (!entry) {
    const holder: { current?: OpenedForWorker } = {};
    entry = openSplitForWorker(descriptor.study, descriptor.split, (event) => holder.current?.sink(event)).then((split) => (holder.current = { opened: split, sink: () => {} }));
    opened.set(id, entry);
  }
  const ready = await entry;
  ready.sink = jobEvents(splitJobKey(descriptor.split, descriptor.job), emit);
  try {
    return await runSplitJob(ready.opened, descriptor.job);
  } finally {
    ready.sink = () => {};
  }
}
