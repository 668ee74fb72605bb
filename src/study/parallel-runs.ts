import { fileURLToPath } from "node:url";
import { WorkerPool, type PoolJob } from "../parallel/pool.js";
import type { RunResult } from "./results.js";
import type { OpenedSplit, RunKey, SplitJob, StudyEvent, StudyRef } from "./run.js";

/*
 * A study's independent runs on several processes (src/parallel/pool.ts). Every worker opens each
 * split as the parent (config, data from the same files and feature cache) and runs its job with the
 * sequential loop's own code, writing it into the shared runs folder; the parent's loop then reads
 * each back as a cached run. So results, cache and resume are those of a sequential study, and a
 * job's key is its run file's identity, which a later `--shard i/N` over a shared folder can split on.
 */

interface WorkerJob {
  readonly study: StudyRef;
  readonly split: number;
  readonly job: SplitJob;
}

/** Worker progress: only the job's own run (a worker re-reads other runs, e.g. ST runs for relatedness, silently). */
export type WorkerEvent = Extract<StudyEvent, { type: "run-start" | "train" | "run-end" | "tuning-score" | "warning" }>;

const HANDLER = fileURLToPath(import.meta.url);

/** A study's worker processes, kept from phase to phase so each opens its splits once; close() at the end. */
export interface StudyPool {
  run(study: StudyRef, jobs: readonly { readonly split: number; readonly job: SplitJob }[], onEvent: (event: WorkerEvent) => void): Promise<(RunResult | Record<string, number>)[]>;
  close(): void;
}

export function openStudyPool(workers: number): StudyPool {
  const pool = new WorkerPool<WorkerJob, RunResult | Record<string, number>, WorkerEvent>(HANDLER, workers);
  return {
    async run(study, jobs, onEvent) {
      const { runKeyId, splitJobKey } = await import("./run.js");
      const poolJobs: PoolJob<WorkerJob>[] = jobs.map(({ split, job }) => ({ key: runKeyId(splitJobKey(split, job)), descriptor: { study, split, job } }));
      return pool.run(poolJobs, { onEvent: (_key, event) => onEvent(event) });
    },
    close: () => pool.close(),
  };
}

interface OpenedForWorker {
  readonly opened: OpenedSplit;
  sink: (event: StudyEvent) => void;
}

const opened = new Map<string, Promise<OpenedForWorker>>();

function sameRun(a: RunKey, b: RunKey): boolean {
  return a.variant === b.variant && a.split === b.split && a.seed === b.seed && a.task === b.task;
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
  const key = splitJobKey(descriptor.split, descriptor.job);
  ready.sink = (event) => {
    if (event.type === "warning") emit(event);
    else if ((event.type === "run-start" || event.type === "train" || event.type === "run-end" || event.type === "tuning-score") && sameRun(event.run, key)) emit(event);
  };
  try {
    return await runSplitJob(ready.opened, descriptor.job);
  } finally {
    ready.sink = () => {};
  }
}
