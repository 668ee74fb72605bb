import * as tf from "../engine/tf.js";
import { fileStorage, type Storage } from "../io/storage.js";

/**
 * A checkpoint is one file, so a rename makes it appear atomically:
 * "DMCKPT1\n", a uint32 header length, a JSON header (state + tensor index), then float32 data.
 */
const MAGIC = "DMCKPT1\n";

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

/** Writes a checkpoint to `file` in `storage` (files by default; memory or IndexedDB in a browser). */
export async function saveCheckpoint<S>(file: string, content: CheckpointContent<S>, storage: Storage = fileStorage()): Promise<void> {
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [group, tensors] of Object.entries(content.groups)) {
    for (const { name, tensor } of tensors) {
      const values = tensor.dtype === "float32" ? ((await tensor.data()) as Float32Array) : Float32Array.from(await tensor.data());
      entries.push({ group, name, shape: tensor.shape, offset, length: values.length });
      chunks.push(values);
      offset += values.length;
    }
  }
  const header = new TextEncoder().encode(JSON.stringify({ state: content.state, tensors: entries }));
  const out = new Uint8Array(MAGIC.length + 4 + header.length + offset * 4);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  const dataStart = MAGIC.length + 4 + header.length;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), dataStart + entries[i].offset * 4);
  }
  await storage.write(file, out);
}

export interface LoadedCheckpoint<S> {
  readonly state: S;
  /** Tensors per group; the caller owns and must dispose them. */
  readonly groups: Record<string, NamedTensor[]>;
}

export async function loadCheckpoint<S>(file: string, storage: Storage = fileStorage()): Promise<LoadedCheckpoint<S>> {
  const buf = await storage.read(file);
  const text = (from: number, to: number): string => new TextDecoder().decode(buf.subarray(from, to));
  if (buf.length < MAGIC.length + 4 || text(0, MAGIC.length) !== MAGIC) {
    throw new Error(`${file}: not a distmatch checkpoint (missing "${MAGIC.trim()}" header)`);
  }
  const headerLength = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(MAGIC.length, true);
  const dataStart = MAGIC.length + 4 + headerLength;
  let header: { state: S; tensors: TensorEntry[] };
  try {
    header = JSON.parse(text(MAGIC.length + 4, dataStart));
  } catch {
    throw new Error(`${file}: checkpoint header is not valid JSON (file truncated or corrupted)`);
  }
  const groups: Record<string, NamedTensor[]> = {};
  for (const e of header.tensors) {
    const end = dataStart + (e.offset + e.length) * 4;
    if (end > buf.length) throw new Error(`${file}: checkpoint data for "${e.name}" is truncated`);
    const values = new Float32Array(e.length);
    new Uint8Array(values.buffer).set(buf.subarray(dataStart + e.offset * 4, end));
    (groups[e.group] ??= []).push({ name: e.name, tensor: tf.tensor(values, e.shape) });
  }
  return { state: header.state, groups };
}
