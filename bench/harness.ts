import { spawnSync } from "node:child_process";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

/** One measured figure; ratio = distmatch / reference for higher-is-better units, reference / distmatch otherwise. */
export interface BenchResult {
  readonly name: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly distmatch: number | null;
  readonly reference: number | null;
  readonly ratio: number | null;
  readonly goal?: number;
  readonly note?: string;
}

export function result(
  name: string, unit: string, distmatch: number | null, reference: number | null,
  options: { higherIsBetter?: boolean; goal?: number; note?: string } = {},
): BenchResult {
  const higherIsBetter = options.higherIsBetter ?? true;
  const ratio = distmatch === null || reference === null || distmatch === 0 || reference === 0 ? null
    : higherIsBetter ? distmatch / reference : reference / distmatch;
  return { name, unit, higherIsBetter, distmatch, reference, ratio, goal: options.goal, note: options.note };
}

/** Runs fn once to warm up, then `repeats` times, and returns calls per second. */
export async function perSecond(fn: () => Promise<void> | void, repeats: number, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return repeats / ((performance.now() - start) / 1000);
}

/** The Python that has torch: $DISTMATCH_PYTHON, Debian's /usr/bin/python3 (see bench/setup.sh), or python3. */
function pythonCandidates(): string[] {
  const fromEnv = process.env.DISTMATCH_PYTHON;
  return [...(fromEnv ? [fromEnv] : []), ...(existsSync("/usr/bin/python3") ? ["/usr/bin/python3"] : []), "python3"];
}

let torchPython: string | null | undefined;

export interface TorchInfo { readonly python: string; readonly version: string; readonly threads: number }
let torchInfo: TorchInfo | null = null;

export function findTorch(): TorchInfo | null {
  if (torchPython !== undefined) return torchInfo;
  torchPython = null;
  for (const python of pythonCandidates()) {
    const probe = spawnSync(python, ["-c", "import os, torch; torch.set_num_threads(os.cpu_count()); print(torch.__version__, torch.get_num_threads())"], { encoding: "utf8" });
    if (probe.status === 0) {
      const [version, threads] = probe.stdout.trim().split(" ");
      torchPython = python;
      torchInfo = { python, version, threads: Number(threads) };
      break;
    }
  }
  return torchInfo;
}

/**
 * Runs bench/reference/steps.py with a benchmark name and options; returns its figure, or null (with a printed
 * reason) when torch is missing or the script fails.
 */
export function runReference(benchmark: string, options: Record<string, number | string>): number | null {
  const torch = findTorch();
  if (!torch) return null;
  const args = [path.join(BENCH_DIR, "reference", "steps.py"), benchmark,
    ...Object.entries(options).map(([k, v]) => `--${k}=${v}`)];
  const run = spawnSync(torch.python, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (run.status !== 0) {
    console.error(`reference ${benchmark} failed (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
    return null;
  }
  const last = run.stdout.trim().split("\n").pop() ?? "";
  const parsed = JSON.parse(last) as { value: number };
  return parsed.value;
}

function fmt(x: number | null, digits = 2): string {
  if (x === null) return "-";
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits);
}

export function printTable(results: readonly BenchResult[]): void {
  const rows = [["benchmark", "unit", "distmatch", "reference", "ratio", "goal"],
    ...results.map((r) => [r.name, r.unit, fmt(r.distmatch), fmt(r.reference), fmt(r.ratio), r.goal === undefined ? "" : `>= ${r.goal}`])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  "));
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
