import cliProgress from "cli-progress";
import type { StudyEvent } from "../study/run.js";

/**
 * Turns study events into progress bars on a terminal, and into one log line per finished run
 * elsewhere (CI logs, pipes), so long work always shows that it moves.
 */
export function studyProgress(options: { quiet: boolean }): { onEvent: (e: StudyEvent) => void; stop: () => void } {
  const progress = options.quiet ? { onEvent: () => {}, stop: () => {} } : canDrawBars() ? barProgress() : lineProgress();
  // Repairs (a corrupt file moved aside and recomputed) are reported even when quiet.
  const noted = new Set<string>();
  return { onEvent: (e) => (printWarning(e, noted), progress.onEvent(e)), stop: progress.stop };
}

function printWarning(e: StudyEvent, noted: Set<string>): void {
  if (e.type === "warning") process.stderr.write(`warning: ${e.message}\n`);
  // --engine torch where a variant cannot use it: said once per reason, not per run.
  if (e.type === "train" && e.event.type === "start" && e.event.engineNote && !noted.has(e.event.engineNote)) {
    noted.add(e.event.engineNote);
    process.stderr.write(`note: ${e.run.variant}: ${e.event.engineNote}\n`);
  }
  if (e.type === "train" && e.event.type === "checkpoint-corrupt") {
    process.stderr.write(`warning: ${e.event.path}: ${e.event.reason}; moved it to ${e.event.movedTo} and training ${runLabel(e)} from the start\n`);
  }
}

/** Bars move the cursor: only on a terminal that understands it (not a pipe or file, not TERM=dumb). */
export function canDrawBars(stream: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== "dumb";
}

function runLabel(e: { run: { variant: string; split: number; seed: number; task?: string } }): string {
  return `${e.run.variant}${e.run.task ? `[${e.run.task}]` : ""} split ${e.run.split} seed ${e.run.seed}`;
}

function barProgress(): { onEvent: (e: StudyEvent) => void; stop: () => void } {
  const multi = new cliProgress.MultiBar(
    { format: " {label} |{bar}| {value}/{total} {detail}", hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let runs: cliProgress.SingleBar | undefined;
  let finished = 0;
  // One epoch bar per run in training: with --jobs several train at once.
  const epochs = new Map<string, cliProgress.SingleBar>();
  let extract: cliProgress.SingleBar | undefined;
  const onEvent = (e: StudyEvent): void => {
    if (e.type === "extract") {
      extract ??= multi.create(e.total, 0, { label: "features".padEnd(28), detail: "" });
      extract.update(e.done, { detail: e.label });
    } else if (e.type === "run-start") {
      runs ??= multi.create(e.total, 0, { label: "runs".padEnd(28), detail: "" });
      runs.update(finished, { detail: `started ${runLabel(e)}` });
    } else if (e.type === "train" && e.event.type === "start") {
      const bar = epochs.get(runLabel(e)) ?? multi.create(e.event.epochs, 0, { label: runLabel(e).slice(0, 28).padEnd(28), detail: "" });
      epochs.set(runLabel(e), bar);
      bar.setTotal(e.event.epochs);
      bar.update(e.event.resumedAtEpoch, { detail: "" });
    } else if (e.type === "train" && e.event.type === "epoch") {
      const v = Object.entries(e.event.record.validation).map(([k, x]) => `${k} ${x.toFixed(3)}`).join(", ");
      epochs.get(runLabel(e))?.update(e.event.record.epoch, { detail: `val ${v}` });
    } else if (e.type === "shard-wait") {
      runs?.update(finished, { detail: `waiting for ${e.missing} of ${e.total} run(s) from other shards` });
    } else if (e.type === "run-end" || e.type === "tuning-score") {
      finished++;
      runs?.update(finished, { detail: `${runLabel(e)} done${e.cached ? " (cached)" : ""}` });
      const bar = epochs.get(runLabel(e));
      if (bar) multi.remove(bar);
      epochs.delete(runLabel(e));
    }
  };
  // Ctrl-C: stop the bars first, which shows the cursor again, then exit as interrupted programs do.
  const onInterrupt = (): void => {
    multi.stop();
    process.exit(130);
  };
  process.once("SIGINT", onInterrupt);
  const stop = (): void => {
    process.removeListener("SIGINT", onInterrupt);
    multi.stop();
  };
  return { onEvent, stop };
}

function lineProgress(): { onEvent: (e: StudyEvent) => void; stop: () => void } {
  let lastExtract = 0;
  const onEvent = (e: StudyEvent): void => {
    if (e.type === "extract" && (e.done === e.total || Date.now() - lastExtract > 5000)) {
      lastExtract = Date.now();
      process.stderr.write(`features ${e.done}/${e.total} ${e.label}\n`);
    } else if (e.type === "run-end") {
      const metrics = Object.entries(e.result.metrics).map(([t, m]) => `${t} ${m.primary} ${m.values[m.primary].toFixed(3)}`).join(", ");
      process.stderr.write(`run ${runLabel(e)}: ${metrics} (${e.cached ? "cached" : `${e.result.epochs} epochs, ${e.result.wallSeconds.toFixed(1)} s`})\n`);
    } else if (e.type === "shard-wait") {
      process.stderr.write(`waiting for ${e.missing} of ${e.total} run(s) from other shards in ${e.runsDir}\n`);
    } else if (e.type === "tuning-score") {
      process.stderr.write(`run ${runLabel(e)}: validation score ${e.score.toFixed(4)}${e.cached ? " (cached)" : ""}\n`);
    } else if (e.type === "relatedness") {
      process.stderr.write(`relatedness ${e.from} -> ${e.to} (split ${e.split}, seed ${e.seed}): ${e.method}\n`);
    } else if (e.type === "tuned") {
      process.stderr.write(`tuning split ${e.split}: chose ${JSON.stringify(e.chosen)} (validation ${e.score.toFixed(4)})\n`);
    }
  };
  return { onEvent, stop: () => {} };
}
