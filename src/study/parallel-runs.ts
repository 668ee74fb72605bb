import { fileURLToPath } from "node:url";
import type { Relatedness } from "../relatedness/types.js";
import { type PoolJob, runPool } from "../parallel/pool.js";
import type { StudyConfigInput } from "./config.js";
import type { RelatednessPlan } from "./relatedness.js";
import type { RunResult } from "./results.js";
import type { OpenedStudy, StudyEvent, StudyJob } from "./run.js";

/*
 * A study's runs on several processes: the ST runs of every seed first (their predictions feed the
 * estimated relatedness), then the MT runs, each phase through the pool (src/parallel/pool.ts). Every
 * worker opens the same study (config, data from the feature cache the parent filled, run context) and
 * runs its jobs with the same code as the sequential loop, so results, the runs folder (cache and resume)
 * and the order of results.json's runs are what a sequential study produces.
 */

/** What a worker needs to open the study the parent opened. */
export interface StudyRef {
  readonly input: StudyConfigInput;
  readonly baseDir: string;
  readonly saveModels: boolean;
}

interface WorkerDescriptor {
  readonly study: StudyRef;
  readonly job: StudyJob;
}

/** Worker-side progress: the study events of one run, minus those only the parent reports. */
type WorkerEvent = Extract<StudyEvent, { type: "run-start" | "train" | "run-end" }>;

const HANDLER = fileURLToPath(new URL(`./parallel-runs${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url));

export async function runJobsInParallel(
  study: OpenedStudy,
  ref: StudyRef,
  jobs: number,
): Promise<{ runs: RunResult[]; firstSeedRelatedness: Map<string, { plan: RelatednessPlan; used: Relatedness; estimated?: Relatedness }> }> {
  const { studyJobKey, studyJobs, seedRelatedness } = await import("./run.js");
  const { ctx, config } = study;
  const phases = studyJobs(study);
  const forward = (_key: string, event: WorkerEvent): void => {
    // Run numbers count in the parent, in the order runs start across all workers.
    if (event.type === "run-start") ctx.emit({ ...event, index: ++ctx.index, total: ctx.total });
    else ctx.emit(event);
  };
  const run = (list: StudyJob[]): Promise<RunResult[]> => {
    const poolJobs: PoolJob<WorkerDescriptor>[] = list.map((job) => ({ key: studyJobKey(study, job), descriptor: { study: ref, job } }));
    return runPool<WorkerDescriptor, RunResult, WorkerEvent>(poolJobs, { jobs, handler: HANDLER, onEvent: forward });
  };
  const st = await run(phases.st);
  const firstSeedRelatedness = await seedRelatedness(study, config.seeds[0]);
  const mt = await run(phases.mt);
  // The sequential loop's order: per seed, its ST runs, then its MT runs.
  const runs = config.seeds.flatMap((seed) => [
    ...st.filter((_, i) => phases.st[i].seed === seed),
    ...mt.filter((_, i) => phases.mt[i].seed === seed),
  ]);
  return { runs, firstSeedRelatedness };
}

const opened = new Map<string, Promise<OpenedStudy>>();

/** The pool handler: opens the study once per worker process, then runs the job. */
export async function handle(descriptor: WorkerDescriptor, emit: (event: WorkerEvent) => void): Promise<RunResult> {
  const { openStudy, runStudyJob } = await import("./run.js");
  const id = JSON.stringify(descriptor.study);
  let study = opened.get(id);
  if (!study) {
    study = openStudy(descriptor.study.input, { baseDir: descriptor.study.baseDir, saveModels: descriptor.study.saveModels, emit: () => {} });
    opened.set(id, study);
  }
  const ready = await study;
  ready.ctx.emit = (event) => {
    if (event.type === "run-start" || event.type === "train" || event.type === "run-end") emit(event);
  };
  return runStudyJob(ready, descriptor.job);
}
