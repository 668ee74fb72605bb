import type { DatasetTable, InputMatrix } from "./dataset.js";
import type { Task } from "../tasks/types.js";
import { headSize } from "../tasks/types.js";
import { inputSize, type Source, type TaskTargets } from "./types.js";

function gatherRows(data: Float32Array, width: number, rows: readonly number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(data.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** A source of the given rows (indices into `source`), in that order. */
export function subsetSource(source: Source, rows: readonly number[], name = source.name): Source {
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= source.n) throw new Error(`source "${source.name}": row ${r} is outside 0..${source.n - 1}`);
  }
  const d = inputSize(source.inputShape);
  const targets = Object.fromEntries(
    Object.entries(source.targets).map(([task, target]) => [task, subsetTargetsOf(target, rows, source.n)]),
  );
  return {
    name,
    n: rows.length,
    inputShape: source.inputShape,
    inputs: gatherRows(source.inputs, d, rows),
    targets,
    ...(source.ids ? { ids: rows.map((r) => source.ids![r]) } : {}),
  };
}

function subsetTargetsOf(target: TaskTargets, rows: readonly number[], n: number): TaskTargets {
  if (target.kind === "multiclass") return { kind: "multiclass", labels: Int32Array.from(rows, (r) => target.labels[r]) };
  const m = n === 0 ? 0 : target.values.length / n;
  return { kind: "multilabel", values: gatherRows(target.values, m, rows), mask: gatherRows(target.mask, m, rows) };
}

/**
 * The source with only the named tasks annotated; the other tasks are dropped from its targets,
 * which makes them "not annotated by this source" (all mask 0 in every batch).
 */
export function keepTasks(source: Source, taskNames: readonly string[]): Source {
  const keep = new Set(taskNames);
  return { ...source, targets: Object.fromEntries(Object.entries(source.targets).filter(([task]) => keep.has(task))) };
}

/**
 * Rows of several sources, one after the other, as one source. A task some of them lack is missing
 * (label -1, mask 0) on their rows; `tasks` gives its width when no source carries it explicitly.
 */
export function concatSources(sources: readonly Source[], name = sources.map((s) => s.name).join("+"), tasks: readonly Task[] = []): Source {
  if (sources.length === 0) throw new Error("concatSources: expected at least one source");
  const shape = sources[0].inputShape;
  for (const s of sources) {
    if (s.inputShape.join("x") !== shape.join("x")) {
      throw new Error(`concatSources: source "${s.name}" has input shape [${s.inputShape}], expected [${shape}] like "${sources[0].name}"`);
    }
  }
  const n = sources.reduce((a, s) => a + s.n, 0);
  const inputs = new Float32Array(n * inputSize(shape));
  let at = 0;
  for (const s of sources) {
    inputs.set(s.inputs, at);
    at += s.inputs.length;
  }
  const names = new Set(sources.flatMap((s) => Object.keys(s.targets)));
  const targets = Object.fromEntries([...names].map((task) => [task, concatTargets(sources, task, n, tasks)]));
  const ids = sources.every((s) => s.ids) ? sources.flatMap((s) => [...s.ids!]) : undefined;
  return { name, n, inputShape: shape, inputs, targets, ...(ids ? { ids } : {}) };
}

function concatTargets(sources: readonly Source[], task: string, n: number, tasks: readonly Task[]): TaskTargets {
  const example = sources.map((s) => s.targets[task]).find((t) => t !== undefined)!;
  if (example.kind === "multiclass") {
    const labels = new Int32Array(n).fill(-1);
    let at = 0;
    for (const s of sources) {
      const t = s.targets[task];
      if (t?.kind === "multiclass") labels.set(t.labels, at);
      at += s.n;
    }
    return { kind: "multiclass", labels };
  }
  const m = labelWidth(sources, task, tasks);
  const values = new Float32Array(n * m);
  const mask = new Float32Array(n * m);
  let at = 0;
  for (const s of sources) {
    const t = s.targets[task];
    if (t?.kind === "multilabel") {
      values.set(t.values, at * m);
      mask.set(t.mask, at * m);
    }
    at += s.n;
  }
  return { kind: "multilabel", values, mask };
}

function labelWidth(sources: readonly Source[], task: string, tasks: readonly Task[]): number {
  const declared = tasks.find((t) => t.name === task);
  if (declared) return headSize(declared);
  for (const s of sources) {
    const t = s.targets[task];
    if (t?.kind === "multilabel" && s.n > 0) return t.mask.length / s.n;
  }
  return 0;
}

/**
 * A Source from a DatasetTable and its input matrix: the given rows (default all), annotating only
 * `tasks` (default all of the table's tasks).
 */
export function tableToSource(
  table: DatasetTable,
  inputs: InputMatrix,
  options: { name?: string; rows?: readonly number[]; tasks?: readonly string[] } = {},
): Source {
  const full: Source = {
    name: options.name ?? "table",
    n: table.n,
    inputShape: inputs.inputShape,
    inputs: inputs.inputs,
    targets: table.targets,
    ...(table.ids ? { ids: table.ids } : {}),
  };
  const rows = options.rows ? subsetSource(full, options.rows, full.name) : full;
  return options.tasks ? keepTasks(rows, options.tasks) : rows;
}
