import { promises as fs } from "node:fs";
import * as path from "node:path";
import { writeFileAtomic } from "../io/atomic.js";
import { quarantineFile } from "../train/checkpoint.js";
import { sha256 as sha256Bytes, sha256Hex } from "../io/sha256.js";
import { runResultSchema, type RunResult } from "./results.js";

/**
 * The run cache: one verified file per finished run (and the ST runs' pool predictions). Every file
 * carries a SHA-256 of its content; one that fails verification is moved aside (`<file>.corrupt`),
 * reported through `onCorrupt`, and treated as absent, so the study recomputes it.
 */
export type CorruptFileHandler = (file: string, movedTo: string, reason: string) => void;

const RUN_FORMAT = "distmatch-run";
// Plain bytes and a plain-JavaScript SHA-256: the study also runs in the browser app, which has no Buffer.
const PROBS_MAGIC = new TextEncoder().encode("DMF32v1\n");
const DIGEST_BYTES = 32;

function sha256(text: string): string {
  return sha256Hex(new TextEncoder().encode(text));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function readIfPresent(file: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`${file}: cannot read the cached run (${(err as Error).message})`, { cause: err });
  }
}

async function setAside(file: string, reason: string, onCorrupt: CorruptFileHandler): Promise<undefined> {
  onCorrupt(file, await quarantineFile(file), reason);
  return undefined;
}

export async function writeRunResult(file: string, result: RunResult): Promise<void> {
  const body = JSON.stringify(result);
  await writeFileAtomic(file, JSON.stringify({ format: RUN_FORMAT, sha256: sha256(body), result: JSON.parse(body) as unknown }, null, 2) + "\n");
}

/** The cached result, or undefined when there is none or it failed verification (then it was moved aside). */
export async function readRunResult(file: string, onCorrupt: CorruptFileHandler): Promise<RunResult | undefined> {
  const bytes = await readIfPresent(file);
  if (!bytes) return undefined;
  let stored: { format?: unknown; sha256?: unknown; result?: unknown };
  try {
    stored = JSON.parse(new TextDecoder().decode(bytes)) as typeof stored;
  } catch (err) {
    return setAside(file, `not valid JSON (${(err as Error).message}); truncated by a crash?`, onCorrupt);
  }
  if (stored?.format !== RUN_FORMAT || typeof stored.sha256 !== "string" || typeof stored.result !== "object" || stored.result === null) {
    return setAside(file, "not a checksummed distmatch run file", onCorrupt);
  }
  if (sha256(JSON.stringify(stored.result)) !== stored.sha256) return setAside(file, "checksum mismatch (the file was modified)", onCorrupt);
  const parsed = runResultSchema.safeParse(stored.result);
  if (!parsed.success) return setAside(file, `invalid run result (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`, onCorrupt);
  return parsed.data;
}

/** Float32 values as "DMF32v1\n", a SHA-256 of the values, then the values. */
export async function writeFloat32Verified(file: string, values: Float32Array): Promise<void> {
  const payload = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(PROBS_MAGIC.length + DIGEST_BYTES + payload.length);
  bytes.set(PROBS_MAGIC);
  bytes.set(sha256Bytes(payload), PROBS_MAGIC.length);
  bytes.set(payload, PROBS_MAGIC.length + DIGEST_BYTES);
  await writeFileAtomic(file, bytes);
}

export async function readFloat32Verified(file: string, expectedLength: number, onCorrupt: CorruptFileHandler): Promise<Float32Array | undefined> {
  const bytes = await readIfPresent(file);
  if (!bytes) return undefined;
  const start = PROBS_MAGIC.length + DIGEST_BYTES;
  if (bytes.length < start || !sameBytes(bytes.subarray(0, PROBS_MAGIC.length), PROBS_MAGIC)) return setAside(file, "not a distmatch predictions file", onCorrupt);
  const payload = bytes.subarray(start);
  if (!sameBytes(sha256Bytes(payload), bytes.subarray(PROBS_MAGIC.length, start))) return setAside(file, "checksum mismatch (truncated or modified)", onCorrupt);
  if (payload.length !== expectedLength * 4) return setAside(file, `holds ${payload.length / 4} values, expected ${expectedLength}`, onCorrupt);
  const values = new Float32Array(expectedLength);
  new Uint8Array(values.buffer).set(payload);
  if (!values.every(Number.isFinite)) return setAside(file, "holds non-finite values", onCorrupt);
  return values;
}

/**
 * Removes temporary files that a killed process left in `dir` (`<file>.tmp-<pid>-<time>` and
 * `<file>.<pid>.<hex>.tmp`). A file whose process still runs is kept: it may be mid-write.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = tempFilePid(name);
    if (pid === undefined || processAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function tempFilePid(name: string): number | undefined {
  const match = /\.tmp-(\d+)-\d+$/.exec(name) ?? /\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
