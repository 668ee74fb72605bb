import { spawnSync } from "node:child_process";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import os from "node:os";
import path from "node:path";

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

/** One round of an interleaved comparison: each side's figure and the 1-minute load average just before it ran. */
export interface Round {
  readonly distmatch: number | null;
  readonly reference: number | null;
  readonly ratio: number | null;
  readonly loadBeforeDistmatch: number;
  readonly loadBeforeReference: number;
}

/**
 * One measured figure; ratio = distmatch / reference for higher-is-better units, reference / distmatch otherwise.
 * With rounds, distmatch, reference and ratio are medians over the rounds and ratioMin/ratioMax their spread.
 */
export interface BenchResult {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly distmatch: number | null;
  readonly reference: number | null;
  readonly ratio: number | null;
  readonly ratioMin?: number | null;
  readonly ratioMax?: number | null;
  /** PyTorch intra-op threads of the reference (1 in headline rows). */
  readonly referenceThreads?: number;
  readonly rounds?: readonly Round[];
  readonly goal?: number;
  readonly note?: string;
  /** 1-minute load average when the figure was taken (set by run.ts). */
  readonly load1?: number;
}

export function result(
  name: string, unit: string, distmatch: number | null, reference: number | null,
  options: { higherIsBetter?: boolean; goal?: number; note?: string } = {},
): BenchResult {
  const higherIsBetter = options.higherIsBetter ?? true;
  return { name, unit, higherIsBetter, distmatch, reference, ratio: ratioOf(distmatch, reference, higherIsBetter), goal: options.goal, note: options.note };
}

function ratioOf(distmatch: number | null, reference: number | null, higherIsBetter: boolean): number | null {
  if (distmatch === null || reference === null || distmatch === 0 || reference === 0) return null;
  return higherIsBetter ? distmatch / reference : reference / distmatch;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The 1-minute load average now (the bench's own process counts in it too). */
export function load1(): number {
  return os.loadavg()[0];
}

export interface InterleavedSpec {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter?: boolean;
  readonly goal?: number;
  readonly note?: string;
  readonly rounds: number;
  /** distmatch's figure for one round (its own warm-up and >= minimum seconds of timing inside). */
  readonly ours: () => Promise<number>;
  /** The reference's figure for one round with the given thread count, or null without torch. */
  readonly reference: (threads: number) => number | null;
  /** Reference thread counts: the first is the headline (1); each further one gets its own labelled row. */
  readonly threads: readonly number[];
  /** What the reference is, for the per-round log and row labels (default: PyTorch with its thread count). */
  readonly referenceLabel?: string;
}

/**
 * Runs the two sides in turn, `rounds` times (ours, reference at each thread count, ours, ...), recording the
 * load average before every run, and returns one row per reference thread count: medians of each side and of
 * the per-round ratios, with the ratios' min and max. Interleaving spreads a noisy moment over both sides.
 */
export async function interleaved(spec: InterleavedSpec): Promise<BenchResult[]> {
  const higherIsBetter = spec.higherIsBetter ?? true;
  const perThreads = spec.threads.map((): Round[] => []);
  for (let r = 0; r < spec.rounds; r++) {
    const loadBeforeDistmatch = load1();
    const ours = await spec.ours();
    spec.threads.forEach((threads, t) => {
      const loadBeforeReference = load1();
      const reference = spec.reference(threads);
      perThreads[t].push({ distmatch: ours, reference, ratio: ratioOf(ours, reference, higherIsBetter), loadBeforeDistmatch, loadBeforeReference });
      const label = spec.referenceLabel ?? `PyTorch ${threads} thread${threads === 1 ? "" : "s"}`;
      console.log(`    round ${r + 1}/${spec.rounds} ${spec.name}: distmatch ${ours.toFixed(3)} (load ${loadBeforeDistmatch.toFixed(2)}), `
        + `${label} ${reference?.toFixed(3) ?? "-"} (load ${loadBeforeReference.toFixed(2)}) ${spec.unit}`);
    });
  }
  return spec.threads.map((threads, t) => {
    const rounds = perThreads[t];
    const ratios = rounds.flatMap((x) => (x.ratio === null ? [] : [x.ratio]));
    const label = spec.referenceLabel !== undefined ? spec.name
      : t === 0 ? `${spec.name} (1 vs ${threads} thread${threads === 1 ? "" : "s"})` : `${spec.name} (extra: PyTorch on ${threads} threads)`;
    return {
      name: label,
      unit: spec.unit,
      higherIsBetter,
      distmatch: median(rounds.map((x) => x.distmatch ?? NaN).filter((x) => !Number.isNaN(x))),
      reference: median(rounds.flatMap((x) => (x.reference === null ? [] : [x.reference]))),
      ratio: median(ratios),
      ratioMin: ratios.length ? Math.min(...ratios) : null,
      ratioMax: ratios.length ? Math.max(...ratios) : null,
      referenceThreads: threads,
      rounds,
      goal: t === 0 ? spec.goal : undefined,
      note: spec.note,
    };
  });
}

/** Seconds each side of a round is timed for, after its warm-up (the issue asks for at least 3). */
export const MIN_SECONDS = 3;

/**
 * Calls per second of fn: `warmup` untimed calls, then timed calls until at least `minSeconds` have passed
 * (and at least `minCalls` calls), so a fast step is not judged on a handful of calls.
 */
export async function perSecond(fn: () => Promise<void> | void, options: { warmup?: number; minSeconds?: number; minCalls?: number } = {}): Promise<number> {
  for (let i = 0; i < (options.warmup ?? 3); i++) await fn();
  const minMs = (options.minSeconds ?? MIN_SECONDS) * 1000;
  const start = performance.now();
  let calls = 0;
  while (calls < (options.minCalls ?? 1) || performance.now() - start < minMs) {
    await fn();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

/** The Python that has torch: $DISTMATCH_PYTHON, Debian's /usr/bin/python3 (see bench/setup.sh), or python3. */
function pythonCandidates(): string[] {
  const fromEnv = process.env.DISTMATCH_PYTHON;
  return [...(fromEnv ? [fromEnv] : []), ...(existsSync("/usr/bin/python3") ? ["/usr/bin/python3"] : []), "python3"];
}

let torchPython: string | null | undefined;

export interface TorchInfo {
  readonly python: string;
  readonly version: string;
  /** The BLAS library torch runs on and its kernel, as threadpoolctl reports it (e.g. "openblas 0.3.21 Zen"). */
  readonly blas: string;
}
let torchInfo: TorchInfo | null = null;

// threadpoolctl lists the BLAS libraries loaded into the process: the one torch's matrix products call.
const PROBE = `import torch, json
try:
    from threadpoolctl import threadpool_info
    blas = [f"{i.get('internal_api')} {i.get('version')} {i.get('architecture') or ''}".strip() for i in threadpool_info() if i.get('user_api') == 'blas']
except ImportError:
    blas = []
print(json.dumps({"version": torch.__version__, "blas": ", ".join(blas) or "unknown (python3-threadpoolctl missing)"}))`;

export function findTorch(): TorchInfo | null {
  if (torchPython !== undefined) return torchInfo;
  torchPython = null;
  for (const python of pythonCandidates()) {
    const probe = spawnSync(python, ["-c", PROBE], { encoding: "utf8" });
    if (probe.status === 0) {
      const parsed = JSON.parse(probe.stdout.trim().split("\n").pop() ?? "{}") as { version: string; blas: string };
      torchPython = python;
      torchInfo = { python, version: parsed.version, blas: parsed.blas };
      break;
    }
  }
  return torchInfo;
}

let lastReferenceBlas: string | null = null;

/** The BLAS (library, kernel, threads) the last reference run reported. */
export function referenceBlas(): string | null {
  return lastReferenceBlas;
}

/**
 * Runs bench/reference/steps.py with a benchmark name and options; returns its figure, or null (with a printed
 * reason) when torch is missing or the script fails.
 */
export function runReference(benchmark: string, options: Record<string, number | string>): number | null {
  return runReferenceValue<number>(benchmark, options);
}

/** runReference for any JSON value the script prints as "value". */
export function runReferenceValue<T>(benchmark: string, options: Record<string, number | string>): T | null {
  const torch = findTorch();
  if (!torch) return null;
  const args = [path.join(BENCH_DIR, "reference", "steps.py"), benchmark,
    ...Object.entries(options).map(([k, v]) => `--${k}=${v}`)];
  // The BLAS pool follows the requested threads too (Debian's torch does not size OpenBLAS's pool itself).
  const threads = String(options.threads ?? 1);
  const env = { ...process.env, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads };
  const run = spawnSync(torch.python, args, { encoding: "utf8", maxBuffer: 1 << 20, env });
  if (run.status !== 0) {
    console.error(`reference ${benchmark} failed (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
    return null;
  }
  const last = run.stdout.trim().split("\n").pop() ?? "";
  const parsed = JSON.parse(last) as { value: T; blas?: string };
  if (parsed.blas) lastReferenceBlas = parsed.blas;
  return parsed.value;
}

function fmt(x: number | null, digits = 2): string {
  if (x === null) return "-";
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

export function printTable(results: readonly BenchResult[]): void {
  const spread = (r: BenchResult): string => (r.ratioMin == null || r.ratioMax == null ? "" : `${fmt(r.ratioMin)}-${fmt(r.ratioMax)}`);
  const loads = (r: BenchResult): string => (r.rounds
    ? r.rounds.map((x) => `${x.loadBeforeDistmatch.toFixed(1)}/${x.loadBeforeReference.toFixed(1)}`).join(" ")
    : r.load1 === undefined ? "" : r.load1.toFixed(2));
  const rows = [["benchmark", "unit", "distmatch", "reference", "ratio", "min-max", "goal", "load (ours/ref per round)"],
    ...results.map((r) => [r.name, r.unit, fmt(r.distmatch), fmt(r.reference), fmt(r.ratio), spread(r), r.goal === undefined ? "" : `>= ${r.goal}`, loads(r)])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c >= 2 && c < 7 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  for (const r of results) if (r.note) console.log(`  ${r.name}: ${r.note}`);
}

/** Writes JSON atomically (temp file, then rename). */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, file);
}
