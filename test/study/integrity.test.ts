import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStudy, type StudyEvent } from "../../src/study/run.js";
import type { StudyResults } from "../../src/study/results.js";

const root = path.resolve(import.meta.dirname, "../..");
const CONFIG = { dataset: "zoo", seeds: [0], variants: ["st", "mt"], split: { repeats: 1 }, training: { epochs: 6 } };

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), "distmatch-integrity-"));
}

/** Runs without their timings: what must be bit-identical between an uninterrupted and a resumed study. */
function comparable(results: StudyResults): unknown {
  return results.runs.map(({ wallSeconds: _w, curves, ...rest }) => ({ ...rest, curves: curves.map(({ seconds: _s, ...c }) => c) }));
}

async function filesIn(dir: string, pattern: RegExp): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
}

function flipByte(bytes: Buffer, at: number): Buffer {
  const out = Buffer.from(bytes);
  out[at] ^= 0x55;
  return out;
}

test("kill -9 mid-run, a corrupted checkpoint, a truncated cached run and stale temp files: the resumed study is bit-identical and says what it repaired", async () => {
  const reference = await runStudy({ ...CONFIG, outDir: await tmpDir() });

  const outDir = await tmpDir();
  const runs = path.join(outDir, "zoo", "runs");
  // A real process, killed with SIGKILL as soon as the multi-task run has written a checkpoint.
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "src/cli/main.ts"), "study", "--dataset", "zoo", "--seeds", "0", "--variants", "st,mt", "--epochs", "6", "--repeats", "1", "--out", outDir, "-q", "--no-report", "--json"], { cwd: root, stdio: "ignore" });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  let checkpoint: string | undefined;
  while (!checkpoint) {
    await new Promise((r) => setTimeout(r, 20));
    checkpoint = (await filesIn(runs, /^mt-r0-s0-.*\.ckpt$/).catch(() => []))[0];
    if (child.exitCode !== null) break;
  }
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL", "the study was killed before it finished");
  assert.ok(checkpoint, "the multi-task run wrote a checkpoint before the kill");

  // Corrupt what the killed study left: a weight byte of the checkpoint, and one cached ST run cut short.
  const ckptBytes = await fs.readFile(checkpoint);
  await fs.writeFile(checkpoint, flipByte(ckptBytes, ckptBytes.length - 64));
  const cachedRun = (await filesIn(runs, /^st-.*\.json$/))[0];
  const runBytes = await fs.readFile(cachedRun);
  await fs.writeFile(cachedRun, runBytes.subarray(0, runBytes.length >> 1));
  const staleTemp = path.join(runs, "mt-r0-s0-x.ckpt.tmp-999999999-1");
  await fs.writeFile(staleTemp, "left by a killed process");

  const events: StudyEvent[] = [];
  const resumed = await runStudy({ ...CONFIG, outDir }, { onEvent: (e) => events.push(e) });
  assert.deepEqual(comparable(resumed.results), comparable(reference.results));

  const warnings = events.filter((e) => e.type === "warning").map((e) => (e.type === "warning" ? e.message : ""));
  assert.ok(warnings.some((w) => w.includes("temporary file")), warnings.join("\n"));
  assert.ok(warnings.some((w) => w.startsWith(cachedRun) && /not valid JSON/.test(w) && w.includes(".corrupt")), warnings.join("\n"));
  const corrupt = events.find((e) => e.type === "train" && e.event.type === "checkpoint-corrupt");
  assert.ok(corrupt && corrupt.type === "train" && corrupt.event.type === "checkpoint-corrupt" && /checksum/.test(corrupt.event.reason));
  await assert.rejects(fs.access(staleTemp));
  await fs.access(`${checkpoint}.corrupt`);
  await fs.access(`${cachedRun}.corrupt`);
});

test("a cached run edited by hand (checksum mismatch) is recomputed, not reported", async () => {
  const outDir = await tmpDir();
  const config = { ...CONFIG, variants: ["mt"], training: { epochs: 2 } };
  const first = await runStudy({ ...config, outDir });
  const file = (await filesIn(path.join(outDir, "zoo", "runs"), /^mt-r0-s0-.*\.json$/))[0];
  const stored = JSON.parse(await fs.readFile(file, "utf8")) as { result: { metrics: { type: { values: { accuracy: number } } } } };
  stored.result.metrics.type.values.accuracy = 0.999;
  await fs.writeFile(file, JSON.stringify(stored));
  const events: StudyEvent[] = [];
  const second = await runStudy({ ...config, outDir }, { onEvent: (e) => events.push(e) });
  assert.ok(events.some((e) => e.type === "warning" && /checksum mismatch/.test(e.message)));
  assert.deepEqual(comparable(second.results), comparable(first.results));
});
