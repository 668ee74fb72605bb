import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { headSize, type Task } from "../tasks/types.js";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic.js";

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

export async function saveModel(dir: string, model: tf.LayersModel, metadata: ModelMetadata): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      await writeFileAtomic(path.join(dir, "weights.bin"), new Uint8Array(weightData));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeJsonAtomic(path.join(dir, "model.json"), modelJson);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  await writeJsonAtomic(path.join(dir, "distmatch.json"), metadata);
}

export interface LoadedModel {
  readonly model: tf.LayersModel;
  readonly metadata: ModelMetadata;
}

const taskSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("multiclass"), name: z.string().min(1), classes: z.array(z.string()).min(2) }),
  z.strictObject({ kind: z.literal("multilabel"), name: z.string().min(1), labels: z.array(z.string()).min(1) }),
]);

const metadataSchema = z.object({
  format: z.literal("distmatch-model"),
  version: z.literal(1),
  tasks: z.array(taskSchema).min(1),
  inputShape: z.array(z.number().int().positive()).min(1),
  inputNames: z.array(z.string()).optional(),
  encoder: z.unknown().optional(),
  thresholds: z.record(z.string(), z.array(z.number().min(0).max(1))).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

const modelJsonSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(z.record(z.string(), z.unknown())) })).min(1),
});

export async function loadModel(dir: string): Promise<LoadedModel> {
  const modelFile = path.join(dir, "model.json");
  const metaFile = path.join(dir, "distmatch.json");
  const modelJson = parseJsonFile(modelFile, await readOrExplain(modelFile), modelJsonSchema);
  const metadata = parseJsonFile(metaFile, await readOrExplain(metaFile), metadataSchema) as ModelMetadata;
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights) as unknown as tf.io.WeightsManifestEntry[];
  const weightFiles = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => weightFile(dir, modelFile, p));
  const buffers = await Promise.all(weightFiles.map(readWeights));
  const weightData = new Uint8Array(Buffer.concat(buffers)).buffer;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology as tf.io.ModelArtifacts["modelTopology"], weightSpecs: specs, weightData }),
    );
  } catch (err) {
    throw new Error(`${modelFile}: cannot build the model from it and ${weightFiles.join(", ")} (${(err as Error).message})`, { cause: err });
  }
  assertOutputsMatchTasks(model, metadata, modelFile, metaFile);
  return { model, metadata };
}

/** distmatch.json's tasks must describe the model's outputs exactly, or predictions would be misread. */
function assertOutputsMatchTasks(model: tf.LayersModel, metadata: ModelMetadata, modelFile: string, metaFile: string): void {
  if (model.outputs.length !== metadata.tasks.length) {
    model.dispose();
    throw new Error(`${metaFile}: field "tasks": lists ${metadata.tasks.length} task(s) but ${modelFile} has ${model.outputs.length} output(s)`);
  }
  metadata.tasks.forEach((task, i) => {
    const width = model.outputs[i].shape[model.outputs[i].shape.length - 1];
    if (width !== headSize(task)) {
      model.dispose();
      const field = task.kind === "multiclass" ? "classes" : "labels";
      throw new Error(`${metaFile}: field "tasks.${i}.${field}": task "${task.name}" lists ${headSize(task)} ${field} but output ${i} of ${modelFile} has ${width} units`);
    }
  });
}

function parseJsonFile<T>(file: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${file}: field "${issue.path.join(".") || "(root)"}": ${issue.message}`);
  }
  return result.data;
}

/** Weight files are named relative to the model folder and must stay inside it. */
function weightFile(dir: string, modelFile: string, name: string): string {
  const file = path.resolve(dir, name);
  const relative = path.relative(path.resolve(dir), file);
  if (relative.startsWith("..") || path.isAbsolute(relative)) throw new Error(`${modelFile}: field "weightsManifest": weight file "${name}" is outside the model folder`);
  return file;
}

async function readWeights(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new Error(`${file}: cannot read the model's weights (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

async function readOrExplain(file: string): Promise<string> {
  try {
    return await fs.readFile(file, "utf8");
  } catch {
    throw new Error(`${file}: cannot read; expected a model directory written by distmatch (model.json, weights.bin, distmatch.json)`);
  }
}
