import * as path from "node:path";
import type { Source } from "../data/types.js";
import { readTable } from "../data/readers/index.js";
import { tableFromRecords } from "../data/table.js";
import { parseColumnSpec, type ColumnSpec } from "../data/spec.js";
import { splitTrainValTest, trainingParts, type AnnotationPart } from "../data/splits.js";
import { tableToSource } from "../data/sources.js";
import { getDataset } from "../datasets/index.js";
import { readImageManifest } from "../features/manifest.js";
import { imageInputs } from "../features/inputs.js";
import type { BuiltinDataset, DatasetTable, InputMatrix, ProgressFn } from "../datasets/types.js";
import type { Task } from "../tasks/types.js";
import type { StudyConfig } from "./config.js";

/** Everything a study trains and evaluates on, after splitting and input preprocessing. */
export interface StudyData {
  readonly tasks: readonly Task[];
  readonly table: DatasetTable;
  readonly dataset?: BuiltinDataset;
  readonly inputs: InputMatrix;
  /** Training sources, one per annotation part (e.g. "only:disease", "only:symptoms", "overlap"). */
  readonly sources: readonly Source[];
  readonly validation: Source;
  readonly test: Source;
  /** All training rows as one unlabelled pool (for relatedness from predictions). */
  readonly pool: Source;
  readonly pairs: readonly (readonly [string, string])[];
  readonly description: string;
  readonly licence?: string;
}

interface LoadedTable {
  readonly table: DatasetTable;
  readonly dataset?: BuiltinDataset;
  /** Rows held out for testing when the user gave a test file. */
  readonly testRows?: number[];
}

async function loadTable(config: StudyConfig, baseDir: string): Promise<LoadedTable> {
  if (config.dataset) {
    const dataset = getDataset(config.dataset);
    return { table: await dataset.load(), dataset };
  }
  const data = config.data!;
  const spec = parseColumnSpec(data.spec, "study config: data.spec") as ColumnSpec;
  const files = [...data.sources.map((s) => s.file), ...(data.test ? [data.test] : [])];
  const tables = await Promise.all(files.map((f) => readTable(path.resolve(baseDir, f))));
  const table = data.images ? await withImageInputs(tableFromRecords(tables, spec), files.map((f) => path.resolve(baseDir, f)), { ...data.images, ...(data.images.model ? { model: path.resolve(baseDir, data.images.model) } : {}) }) : tableFromRecords(tables, spec);
  if (!data.test) return { table };
  const testStart = tables.slice(0, -1).reduce((n, t) => n + t.records.length, 0);
  return { table: withoutTestDomain(table, data.sources.length), testRows: range(testStart, table.n) };
}

/** A table whose inputs are the images its manifests list (labels still come from the spec's columns). */
async function withImageInputs(table: DatasetTable, manifests: readonly string[], images: NonNullable<NonNullable<StudyConfig["data"]>["images"]>): Promise<DatasetTable> {
  const listings = await Promise.all(
    manifests.map((m) => readImageManifest(m, { ...(images.column ? { imageColumn: images.column } : {}), allowOutside: images.allowOutside, labelColumns: [] })),
  );
  const files = listings.flatMap((l) => l.records.map((r) => r.path));
  if (files.length !== table.n) throw new Error(`image manifests list ${files.length} images but hold ${table.n} rows`);
  return {
    ...table,
    inputs: async (_trainRows, options) => ({
      ...(await imageInputs(files, {
        representation: images.representation,
        ...(images.size ? { size: images.size } : {}),
        ...(images.model ? { model: { file: images.model, ...(images.layer ? { layer: images.layer } : {}) } } : {}),
        ...(options?.cacheDir ? { cacheDir: options.cacheDir } : {}),
        ...(options?.onProgress ? { onProgress: options.onProgress } : {}),
      })),
      // Saved with the model (like a tabular encoder), so that predict can turn a manifest into the same inputs.
      images: {
        representation: images.representation,
        ...(images.size ? { size: images.size } : {}),
        ...(images.model ? { model: images.model } : {}),
        ...(images.layer ? { layer: images.layer } : {}),
        ...(images.column ? { column: images.column } : {}),
      },
    }),
  };
}

/** The test file is not a training source: its domain must not hide labels or form a part. */
function withoutTestDomain(table: DatasetTable, sourceCount: number): DatasetTable {
  if (!table.domains) return table;
  const names = table.domains.names.slice(0, sourceCount);
  return { ...table, domains: { ...table.domains, names } };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Default coupling pairs: the data set's, else every (multi-class A, other task B) pair. */
function defaultPairs(tasks: readonly Task[], dataset?: BuiltinDataset): [string, string][] {
  if (dataset) return dataset.pairs.map(([a, b]) => [a, b]);
  const pairs: [string, string][] = [];
  for (const a of tasks) {
    if (a.kind !== "multiclass") continue;
    for (const b of tasks) if (b !== a && !(b.kind === "multiclass" && pairs.some(([x, y]) => x === b.name && y === a.name))) pairs.push([a.name, b.name]);
  }
  return pairs;
}

/**
 * Loads the data, splits it (train / validation / test, fixed by split.seed), makes the training
 * part non-overlapping (one subset per task, or the data set's natural domains), and builds inputs
 * whose preprocessing is fitted on the training rows only.
 */
export async function prepareStudyData(config: StudyConfig, options: { baseDir?: string; onProgress?: ProgressFn } = {}): Promise<StudyData> {
  const { table: loaded, dataset, testRows } = await loadTable(config, options.baseDir ?? process.cwd());
  const held = new Set(testRows ?? []);
  const candidates = range(0, loaded.n).filter((r) => !held.has(r));
  const split = splitTrainValTest(candidates.length, {
    validation: config.split.validation,
    test: testRows ? 0 : config.split.test,
    seed: config.split.seed,
    ...(loaded.groups ? { groups: Int32Array.from(candidates, (r) => loaded.groups![r]) } : {}),
  });
  const pick = (rows: readonly number[]): number[] => rows.map((i) => candidates[i]);
  const trainRows = pick(split.train);
  // Fitted targets (e.g. mnist-morpho's median thresholds) see the training rows only.
  const table: DatasetTable = loaded.fitTargets ? { ...loaded, targets: loaded.fitTargets(trainRows) } : loaded;
  const validationRows = pick(split.validation);
  const test = testRows ?? pick(split.test);
  if (trainRows.length === 0 || test.length === 0) throw new Error(`data set too small to split: ${table.n} samples`);
  const parts: AnnotationPart[] = trainingParts(table, trainRows, {
    overlap: config.split.overlap,
    seed: config.split.seed,
    ...(config.split.ratio ? { ratio: config.split.ratio } : {}),
  });
  const inputs = await table.inputs(trainRows, {
    ...(config.representation ? { representation: config.representation } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const sources = parts.filter((p) => p.rows.length > 0).map((p) => tableToSource(table, inputs, { name: p.name, rows: p.rows, tasks: p.tasks }));
  const tasks = table.tasks;
  const pairs = config.coupling.pairs ?? defaultPairs(tasks, dataset);
  for (const [a, b] of pairs) {
    for (const t of [a, b]) if (!tasks.some((x) => x.name === t)) throw new Error(`study config: coupling.pairs: unknown task "${t}" (tasks: ${tasks.map((x) => x.name).join(", ")})`);
  }
  return {
    tasks,
    table,
    dataset,
    inputs,
    sources,
    validation: tableToSource(table, inputs, { name: "validation", rows: validationRows }),
    test: tableToSource(table, inputs, { name: "test", rows: test }),
    pool: tableToSource(table, inputs, { name: "pool", rows: trainRows, tasks: [] }),
    pairs,
    description: dataset ? `${dataset.title}: ${inputs.description}` : inputs.description,
    ...(dataset ? { licence: dataset.licence } : {}),
  };
}
