import * as tf from "../engine/tf.js";
import type { Task } from "../tasks/types.js";
import { fileStorage, joinPath, readText, writeJson, type Storage } from "../io/storage.js";

/**
 * Saved models use the TensorFlow.js layers format (model.json + weights.bin), so they load in a
 * browser with `tf.loadLayersModel`, plus distmatch.json with what turns outputs into predictions.
 * The model's outputs are the heads' logits in `tasks` order: softmax for multi-class, sigmoid for multi-label.
 */
export interface ModelMetadata {
  readonly format: "distmatch-model";
  readonly version: 1;
  readonly tasks: readonly Task[];
  readonly inputShape: readonly number[];
  readonly inputNames?: readonly string[];
  /** Fitted input preprocessing (e.g. the tabular encoder), replayed by `predict`. */
  readonly encoder?: unknown;
  /** Per multi-label task, per-label decision thresholds tuned on validation data. */
  readonly thresholds?: Readonly<Record<string, number[]>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Writes model.json, weights.bin and distmatch.json under `dir` in `storage` (files by default). */
export async function saveModel(dir: string, model: tf.LayersModel, metadata: ModelMetadata, storage: Storage = fileStorage()): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      await storage.write(joinPath(dir, "weights.bin"), new Uint8Array(weightData));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeJson(storage, joinPath(dir, "model.json"), modelJson);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  await writeJson(storage, joinPath(dir, "distmatch.json"), metadata);
}

export interface LoadedModel {
  readonly model: tf.LayersModel;
  readonly metadata: ModelMetadata;
}

export async function loadModel(dir: string, storage: Storage = fileStorage()): Promise<LoadedModel> {
  const modelFile = joinPath(dir, "model.json");
  const metaFile = joinPath(dir, "distmatch.json");
  const modelJson = JSON.parse(await readOrExplain(storage, modelFile)) as {
    modelTopology: tf.io.ModelArtifacts["modelTopology"];
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const metadata = JSON.parse(await readOrExplain(storage, metaFile)) as ModelMetadata;
  if (metadata.format !== "distmatch-model") throw new Error(`${metaFile}: field "format": expected "distmatch-model"`);
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const buffers = await Promise.all(
    modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => storage.read(joinPath(dir, p))),
  );
  const weightData = tf.io.concatenateArrayBuffers(buffers.map((b) => b.slice().buffer));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }),
  );
  return { model, metadata };
}

async function readOrExplain(storage: Storage, file: string): Promise<string> {
  try {
    return await readText(storage, file);
  } catch {
    throw new Error(`${file}: cannot read; expected a model directory written by distmatch (model.json, weights.bin, distmatch.json)`);
  }
}
