import * as tf from "../engine/tf.js";
import { fileStorage, type Storage } from "../io/storage.js";
import { sha256Async } from "../io/sha256.js";

/**
 * A checkpoint is one file, so a rename makes it appear atomically:
 * "DMCKPT2\n", a uint32 header length, a JSON header (state + tensor index), float32 data, and a
 * SHA-256 of everything before it. The digest is part of the bytes, not of where they are stored, so
 * any storage that returns the bytes it was given gets the same verification.
 */
const MAGIC = "DMCKPT2\n";
const DIGEST_BYTES = 32;

export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

interface TensorEntry {
  readonly group: string;
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

export interface CheckpointContent<S> {
  readonly state: S;
  /** Named groups of tensors, e.g. "model", "optimizer", "best". */
  readonly groups: Readonly<Record<string, readonly NamedTensor[]>>;
}

export interface LoadedCheckpoint<S> {
  readonly state: S;
  /** Tensors per group; the caller owns and must dispose them. */
  readonly groups: Record<string, NamedTensor[]>;
}

/** The bytes of a checkpoint failed verification: truncated, edited, not a checkpoint, or non-finite. */
export class CorruptCheckpointError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: corrupt checkpoint: ${reason}`);
    this.name = "CorruptCheckpointError";
  }
}

/** Serialises a checkpoint to self-verifying bytes. Non-finite values are refused: they would poison a resumed run. */
export async function encodeCheckpoint<S>(content: CheckpointContent<S>): Promise<Uint8Array> {
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [group, tensors] of Object.entries(content.groups)) {
    for (const { name, tensor } of tensors) {
      const values = Float32Array.from(await tensor.data());
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`checkpoint: tensor "${group}/${name}" holds a non-finite value (${values[bad]}) at index ${bad}; training diverged`);
      entries.push({ group, name, shape: tensor.shape, offset, length: values.length });
      chunks.push(values);
      offset += values.length;
    }
  }
  const header = new TextEncoder().encode(JSON.stringify({ state: content.state, tensors: entries }));
  const dataStart = MAGIC.length + 4 + header.length;
  const out = new Uint8Array(dataStart + offset * 4 + DIGEST_BYTES);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  chunks.forEach((c, i) => out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), dataStart + entries[i].offset * 4));
  const body = out.subarray(0, out.length - DIGEST_BYTES);
  out.set(await sha256Async(body), body.length);
  return out;
}

/** Verifies and decodes checkpoint bytes; throws CorruptCheckpointError (naming `file`) on any mismatch. */
export async function decodeCheckpoint<S>(bytes: Uint8Array, file: string): Promise<LoadedCheckpoint<S>> {
  const fail = (reason: string): never => {
    throw new CorruptCheckpointError(file, reason);
  };
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (bytes.length < MAGIC.length + 4 + DIGEST_BYTES || magic !== MAGIC) fail(`not a distmatch checkpoint (expected a "${MAGIC.trim()}" header)`);
  const body = bytes.subarray(0, bytes.length - DIGEST_BYTES);
  const digest = await sha256Async(body);
  if (!digest.every((b, i) => b === bytes[body.length + i])) fail("checksum mismatch (the file is truncated or was modified)");
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > body.length) fail("header length points past the end of the file");
  let header: { state: S; tensors: TensorEntry[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, dataStart)));
  } catch {
    return fail("header is not valid JSON");
  }
  if (!Array.isArray(header?.tensors)) fail('header: field "tensors" is not a list');
  const dataLength = (body.length - dataStart) / 4;
  const data = new Float32Array(dataLength);
  new Uint8Array(data.buffer).set(body.subarray(dataStart));
  const groups: Record<string, NamedTensor[]> = Object.create(null);
  for (const e of header.tensors) {
    const size = Array.isArray(e?.shape) ? e.shape.reduce((a: number, b: number) => a * b, 1) : NaN;
    if (!Number.isSafeInteger(e.offset) || !Number.isSafeInteger(e.length) || e.offset < 0 || e.length !== size || e.offset + e.length > dataLength) {
      fail(`header: tensor "${String(e?.name)}" has an invalid shape, offset or length`);
    }
    const bad = data.subarray(e.offset, e.offset + e.length).findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`tensor "${e.group}/${e.name}" holds a non-finite value at index ${bad}`);
  }
  // Tensors are made only once everything verified, so a failure leaks none.
  for (const e of header.tensors) (groups[e.group] ??= []).push({ name: e.name, tensor: tf.tensor(data.slice(e.offset, e.offset + e.length), e.shape) });
  return { state: header.state, groups };
}

/** Writes a checkpoint to `file` in `storage` (files by default; memory or IndexedDB in a browser). */
export async function saveCheckpoint<S>(file: string, content: CheckpointContent<S>, storage: Storage = fileStorage()): Promise<void> {
  await storage.write(file, await encodeCheckpoint(content));
}

export async function loadCheckpoint<S>(file: string, storage: Storage = fileStorage()): Promise<LoadedCheckpoint<S>> {
  return decodeCheckpoint<S>(await storage.read(file), file);
}

/**
 * Moves a file that failed verification out of the way (to `<file>.corrupt`, replacing an older one)
 * so that the run recomputes it and the bad bytes stay available for inspection.
 */
export async function quarantineFile(file: string, storage: Storage = fileStorage()): Promise<string> {
  const aside = `${file}.corrupt`;
  await storage.write(aside, await storage.read(file));
  await storage.remove(file);
  return aside;
}
