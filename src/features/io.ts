import { promises as fs } from "node:fs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { resolveOptional } from "../io/optional.js";
import * as tf from "../engine/tf.js";

/**
 * Reads a TensorFlow.js model from disk with fs (no fetch, no network): model.json and its weight
 * shards, which sit beside it. Weight shard names come from the manifest's `paths`.
 */
export function fileModelHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(await fs.readFile(modelJsonPath, "utf8")) as tf.io.ModelJSON;
      const dir = path.dirname(modelJsonPath);
      const shards = json.weightsManifest.flatMap((group) => group.paths);
      const buffers = await Promise.all(shards.map((p) => fs.readFile(path.join(dir, p))));
      return artifactsFrom(json.modelTopology as object, json.weightsManifest, buffers);
    },
  };
}

/** An IOHandler over topology + manifest + shard buffers already in memory. */
export function memoryModelHandler(
  topology: object,
  manifest: tf.io.WeightsManifestConfig,
  shards: readonly Uint8Array[],
): tf.io.IOHandler {
  return { load: async () => artifactsFrom(topology, manifest, shards) };
}

function artifactsFrom(
  topology: object,
  manifest: tf.io.WeightsManifestConfig,
  shards: readonly Uint8Array[],
): tf.io.ModelArtifacts {
  return {
    modelTopology: topology,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: concatBuffers(shards),
  };
}

/** Reads a face-api style weights manifest (`*-weights_manifest.json`) and its .bin shards into tensors. */
export async function loadWeightMap(manifestPath: string): Promise<tf.NamedTensorMap> {
  const manifest = JSON.parse(await fs.readFile(manifestPath, "utf8")) as tf.io.WeightsManifestConfig;
  const dir = path.dirname(manifestPath);
  const shards = await Promise.all(manifest.flatMap((g) => g.paths).map((p) => fs.readFile(path.join(dir, p))));
  const specs = manifest.flatMap((g) => g.weights);
  return tf.io.decodeWeights(concatBuffers(shards), specs);
}

export function concatBuffers(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}

/** First 16 hex digits of the sha256 of the given files' bytes, in order: identifies a set of weights. */
export async function hashFiles(files: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const f of files) hash.update(await fs.readFile(f));
  return hash.digest("hex").slice(0, 16);
}

/** Directory of an installed package (found through its entry point, since package.json may not be exported). */
export function packageDir(name: string, purpose = `reading files of "${name}"`): string {
  let dir = path.dirname(resolveOptional(name, purpose));
  while (path.basename(dir) !== path.basename(name) || !dir.includes("node_modules")) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot locate the folder of package "${name}"`);
    dir = parent;
  }
  return dir;
}
