import { promises as fs } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { writeFileAtomic } from "../io/atomic.js";

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

export async function saveCheckpoint<S>(file: string, content: CheckpointContent<S>): Promise<void> {
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
  const header = Buffer.from(JSON.stringify({ state: content.state, tensors: entries }), "utf8");
  const out = Buffer.alloc(MAGIC.length + 4 + header.length + offset * 4);
  out.write(MAGIC, 0, "ascii");
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  const dataStart = MAGIC.length + 4 + header.length;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(out, dataStart + entries[i].offset * 4);
  }
  await writeFileAtomic(file, out);
}

export interface LoadedCheckpoint<S> {
  readonly state: S;
  /** Tensors per group; the caller owns and must dispose them. */
  readonly groups: Record<string, NamedTensor[]>;
}

export async function loadCheckpoint<S>(file: string): Promise<LoadedCheckpoint<S>> {
  const buf = await fs.readFile(file);
  if (buf.length < MAGIC.length + 4 || buf.toString("ascii", 0, MAGIC.length) !== MAGIC) {
    throw new Error(`${file}: not a distmatch checkpoint (missing "${MAGIC.trim()}" header)`);
  }
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  let header: { state: S; tensors: TensorEntry[] };
  try {
    header = JSON.parse(buf.toString("utf8", MAGIC.length + 4, dataStart));
  } catch {
    throw new Error(`${file}: checkpoint header is not valid JSON (file truncated or corrupted)`);
  }
  const groups: Record<string, NamedTensor[]> = {};
  for (const e of header.tensors) {
    const end = dataStart + (e.offset + e.length) * 4;
    if (end > buf.length) throw new Error(`${file}: checkpoint data for "${e.name}" is truncated`);
    const values = new Float32Array(e.length);
    Buffer.from(values.buffer).set(buf.subarray(dataStart + e.offset * 4, end));
    (groups[e.group] ??= []).push({ name: e.name, tensor: tf.tensor(values, e.shape) });
  }
  return { state: header.state, groups };
}
