import { promises as fs } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import * as path from "node:path";
import type { ProgressFn } from "./types.js";
import type { Backbone } from "./types.js";
import { decodeImage, describeDecode, type DecodedImage } from "./image.js";

/** One image to describe: its bytes identify it in the cache; `decode` turns it into pixels when needed. */
export interface ImageItem {
  /** Encoded file bytes (PNG, JPEG...) or raw pixels: hashed into the cache key. */
  readonly bytes: Uint8Array;
  /** Custom decoding (e.g. raw MNIST pixels); default: decodeImage(bytes, backbone.decode). */
  readonly decode?: () => Promise<DecodedImage>;
  /** Names the custom decoding in the cache key; required with `decode`. */
  readonly preprocessing?: string;
  /** For messages (a file path, an id). */
  readonly name?: string;
}

export interface CacheOptions {
  /** Root folder of the cache; entries go to <cacheDir>/<backbone id>/<2 hex>/<key>.f32. */
  readonly cacheDir: string;
  readonly onProgress?: ProgressFn;
  /** Called for every corrupted entry found (it is then recomputed). Default: a warning on stderr. */
  readonly onCorrupt?: (file: string, reason: string) => void;
  /** Images decoded and extracted together (default 32); finished batches are on disk at once. */
  readonly batchSize?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  corrupted: number;
}

export interface CachedFeatures {
  /** Row-major [items.length, backbone.featureDim]. */
  readonly features: Float32Array;
  readonly stats: CacheStats;
}

const MAGIC = 0x31464d44; // "DMF1" little-endian
const HEADER_BYTES = 4 + 4 + 32; // magic, feature count, sha256 of the payload

/**
 * Features of `items` through `backbone`, reading what the on-disk cache already holds and extracting
 * only the misses. Each entry is one file keyed by sha256(backbone id, weights hash, preprocessing,
 * image bytes), written atomically as soon as its batch is done, so an interrupted run resumes without
 * losing finished work. An entry with a bad length, header or checksum is reported and recomputed.
 */
export async function extractWithCache(backbone: Backbone, items: readonly ImageItem[], options: CacheOptions): Promise<CachedFeatures> {
  const dim = backbone.featureDim;
  const features = new Float32Array(items.length * dim);
  const stats: CacheStats = { hits: 0, misses: 0, corrupted: 0 };
  const report = options.onCorrupt ?? ((file, reason) => process.stderr.write(`feature cache: ${file}: ${reason}; recomputing\n`));
  const label = `features ${backbone.id}`;
  const dir = path.join(options.cacheDir, safeName(backbone.id));
  const pending = new Map<string, number[]>();
  let done = 0;
  for (let i = 0; i < items.length; i++) {
    const key = cacheKey(backbone, items[i]);
    const waiting = pending.get(key);
    if (waiting) {
      waiting.push(i);
      continue;
    }
    const file = entryPath(dir, key);
    const read = await readEntry(file, dim);
    if (read.features) {
      features.set(read.features, i * dim);
      stats.hits++;
      options.onProgress?.(++done, items.length, label);
      continue;
    }
    if (read.corrupt) {
      stats.corrupted++;
      report(file, read.corrupt);
    }
    pending.set(key, [i]);
  }
  const misses = [...pending.entries()];
  const batchSize = options.batchSize ?? 32;
  for (let start = 0; start < misses.length; start += batchSize) {
    const batch = misses.slice(start, start + batchSize);
    const images = await Promise.all(batch.map(([, rows]) => decodeItem(backbone, items[rows[0]])));
    const out = await backbone.extract(images);
    for (let b = 0; b < batch.length; b++) {
      const [key, rows] = batch[b];
      const vector = out.subarray(b * dim, (b + 1) * dim);
      await writeEntry(entryPath(dir, key), vector);
      for (const row of rows) features.set(vector, row * dim);
      stats.misses++;
      done += rows.length;
    }
    options.onProgress?.(done, items.length, label);
  }
  return { features, stats };
}

/** sha256 over what determines the features: network, weights, preprocessing, image bytes. */
export function cacheKey(backbone: Backbone, item: ImageItem): string {
  if (item.decode && !item.preprocessing) throw new Error(`image ${item.name ?? ""}: a custom decode needs a "preprocessing" name for the cache key`);
  const preprocessing = item.decode ? `custom:${item.preprocessing}` : describeDecode(backbone.decode);
  const hash = createHash("sha256");
  for (const part of [backbone.id, backbone.weightsHash, preprocessing]) hash.update(part).update("\0");
  hash.update(item.bytes);
  return hash.digest("hex");
}

export function entryPath(dir: string, key: string): string {
  return path.join(dir, key.slice(0, 2), `${key}.f32`);
}

function decodeItem(backbone: Backbone, item: ImageItem): Promise<DecodedImage> {
  if (item.decode) return item.decode();
  return decodeImage(item.bytes, backbone.decode).catch((err: Error) => {
    throw new Error(item.name ? `${item.name}: ${err.message}` : err.message);
  });
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_");
}

interface ReadResult {
  features?: Float32Array;
  /** Why an existing entry was rejected. */
  corrupt?: string;
}

async function readEntry(file: string, dim: number): Promise<ReadResult> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw err;
  }
  const expected = HEADER_BYTES + dim * 4;
  if (buf.length !== expected) return { corrupt: `size ${buf.length} bytes, expected ${expected}` };
  if (buf.readUInt32LE(0) !== MAGIC) return { corrupt: "bad magic number" };
  if (buf.readUInt32LE(4) !== dim) return { corrupt: `holds ${buf.readUInt32LE(4)} features, expected ${dim}` };
  const payload = buf.subarray(HEADER_BYTES);
  if (!createHash("sha256").update(payload).digest().equals(buf.subarray(8, HEADER_BYTES))) return { corrupt: "checksum mismatch" };
  const features = new Float32Array(dim);
  new Uint8Array(features.buffer).set(payload);
  return { features };
}

/** Writes header + payload to a temporary file in the same folder, then renames it into place. */
async function writeEntry(file: string, vector: Float32Array): Promise<void> {
  const payload = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(vector.length, 4);
  createHash("sha256").update(payload).digest().copy(header, 8);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(temp, Buffer.concat([header, payload]));
  await fs.rename(temp, file);
}
