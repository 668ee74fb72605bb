import * as tf from "../engine/tf.js";
import { z } from "zod";
import { headSize, type Task } from "../tasks/types.js";
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
  /** When the inputs were images listed in a manifest: how they became inputs, replayed by `predict`. */
  readonly images?: ImageInputsMetadata;
  /** Per multi-label task, per-label decision thresholds tuned on validation data. */
  readonly thresholds?: Readonly<Record<string, number[]>>;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Writes model.json, weights.bin and distmatch.json under `dir` in `storage` (files by default). */
export interface ImageInputsMetadata {
  /** A named backbone ("mobilenetv2", "face-descriptor") or "pixels". */
  readonly representation: string;
  readonly size?: number;
  /** The user's own backbone model.json (absolute path), and the layer its features come from. */
  readonly model?: string;
  readonly layer?: string;
  /** The manifest's image column, when not the default ("image", "path" or "file"). */
  readonly column?: string;
}

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

const uniqueNames = (min: number) => z.array(z.string()).min(min).refine((names) => new Set(names).size === names.length, "names must be unique");
const taskSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("multiclass"), name: z.string().min(1), classes: uniqueNames(2) }),
  z.strictObject({ kind: z.literal("multilabel"), name: z.string().min(1), labels: uniqueNames(1) }),
]);

const metadataSchema = z.object({
  format: z.literal("distmatch-model"),
  version: z.literal(1),
  tasks: z.array(taskSchema).min(1).refine((tasks) => new Set(tasks.map((t) => t.name)).size === tasks.length, "task names must be unique"),
  inputShape: z.array(z.number().int().positive()).min(1),
  inputNames: z.array(z.string()).optional(),
  encoder: z.unknown().optional(),
  images: z
    .object({
      representation: z.string().min(1),
      size: z.number().int().positive().optional(),
      model: z.string().optional(),
      layer: z.string().optional(),
      column: z.string().optional(),
    })
    .optional(),
  thresholds: z.record(z.string(), z.array(z.number().min(0).max(1))).optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
});

const modelJsonSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string()),
        weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative().max(1e9)), dtype: z.enum(["float32", "int32", "bool"]) })),
      }),
    )
    .min(1),
});

export async function loadModel(dir: string, storage: Storage = fileStorage()): Promise<LoadedModel> {
  const modelFile = joinPath(dir, "model.json");
  const metaFile = joinPath(dir, "distmatch.json");
  const modelJson = parseJsonFile(modelFile, await readOrExplain(storage, modelFile), modelJsonSchema);
  const metadata = parseJsonFile(metaFile, await readOrExplain(storage, metaFile), metadataSchema) as ModelMetadata;
  const topology = sanitizeTopology(modelJson.modelTopology, modelFile);
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights) as unknown as tf.io.WeightsManifestEntry[];
  const weightFiles = modelJson.weightsManifest.flatMap((g) => g.paths).map((p) => weightFile(dir, modelFile, p));
  const buffers = await Promise.all(weightFiles.map((f) => readWeights(storage, f)));
  const weightData = tf.io.concatenateArrayBuffers(buffers.map((b) => b.slice().buffer));
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: topology as tf.io.ModelArtifacts["modelTopology"], weightSpecs: specs, weightData }),
    );
  } catch (err) {
    // A JavaScript TypeError from inside tfjs says nothing to a user: the layer configuration is broken.
    const detail = err instanceof TypeError || err instanceof RangeError ? "a layer's configuration is corrupted" : (err as Error).message;
    throw new Error(`${modelFile}: field "modelTopology": cannot build a TensorFlow.js model from it and ${weightFiles.join(", ")} (${detail})`, { cause: err });
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

/** Layer sizes beyond this are a corrupted file, not a model: refuse them before tfjs allocates anything. */
const MAX_LAYER_SIZE = 1_000_000;
const SIZE_FIELDS = new Set(["units", "filters", "kernel_size", "batch_input_shape", "input_dim", "output_dim", "pool_size", "strides", "dilation_rate", "size", "target_shape", "depth_multiplier"]);

/**
 * A copy of the topology that is safe to build: every initializer becomes Zeros (the saved weights
 * replace them anyway, and a hostile seed can stall the random initialisers), and every layer size
 * must be a positive integer up to a million.
 */
function sanitizeTopology(topology: Record<string, unknown>, modelFile: string): Record<string, unknown> {
  const walk = (value: unknown, at: string): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}.${i}`));
    if (value === null || typeof value !== "object") return value;
    const out: [string, unknown][] = [];
    for (const [key, v] of Object.entries(value)) {
      const field = at ? `${at}.${key}` : key;
      if (key.endsWith("_initializer") && v !== null) out.push([key, { class_name: "Zeros", config: {} }]);
      else {
        if (SIZE_FIELDS.has(key)) assertSizes(v, `modelTopology.${field}`, modelFile);
        out.push([key, walk(v, field)]);
      }
    }
    return Object.fromEntries(out);
  };
  assertLayerGraph(topology, modelFile);
  return walk(topology, "") as Record<string, unknown>;
}

/**
 * Every layer has a unique name and every connection names an existing layer: tfjs waits forever
 * for a layer that a corrupted file no longer names.
 */
function assertLayerGraph(topology: Record<string, unknown>, modelFile: string): void {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${modelFile}: field "modelTopology.${field}": ${problem}`);
  };
  const config = (topology.config ?? fail("config", "missing")) as Record<string, unknown>;
  const layers = Array.isArray(config.layers) ? (config.layers as unknown[]) : fail("config.layers", "expected a list of layers");
  const names = new Set<string>();
  layers.forEach((layer, i) => {
    const l = layer as Record<string, unknown> | null;
    if (!l || typeof l !== "object" || typeof l.name !== "string" || typeof l.class_name !== "string") fail(`config.layers.${i}`, "expected a layer with a name and a class_name");
    if (names.has(l!.name as string)) fail(`config.layers.${i}.name`, `duplicate layer name "${String(l!.name)}"`);
    names.add(l!.name as string);
  });
  const known = (ref: unknown, field: string): void => {
    const name = Array.isArray(ref) ? ref[0] : undefined;
    if (typeof name !== "string" || !names.has(name)) fail(field, `expected a reference to one of the layers, found ${JSON.stringify(ref)?.slice(0, 80)}`);
  };
  const parents = new Map<string, string[]>();
  layers.forEach((layer, i) => {
    const l = layer as Record<string, unknown>;
    const inbound = l.inbound_nodes ?? [];
    if (!Array.isArray(inbound)) fail(`config.layers.${i}.inbound_nodes`, "expected a list");
    const isInput = l.class_name === "InputLayer";
    if (!isInput && (inbound as unknown[]).length === 0) fail(`config.layers.${i}.inbound_nodes`, `layer "${String(l.name)}" is connected to nothing`);
    const from: string[] = [];
    (inbound as unknown[]).forEach((node, j) => {
      if (!Array.isArray(node) || (!isInput && node.length === 0)) fail(`config.layers.${i}.inbound_nodes.${j}`, "expected a non-empty list of layer references");
      (node as unknown[]).forEach((ref, k) => {
        known(ref, `config.layers.${i}.inbound_nodes.${j}.${k}`);
        from.push((ref as unknown[])[0] as string);
      });
    });
    parents.set(l.name as string, from);
  });
  assertAcyclic(parents, (name) => fail("config.layers", `the layers form a cycle through "${name}"`));
  for (const key of ["input_layers", "output_layers"]) {
    const refs = config[key];
    if (!Array.isArray(refs) || refs.length === 0) fail(`config.${key}`, "expected a non-empty list");
    (refs as unknown[]).forEach((ref, i) => known(ref, `config.${key}.${i}`));
  }
}

function assertAcyclic(parents: ReadonlyMap<string, readonly string[]>, onCycle: (name: string) => never): void {
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string): void => {
    if (state.get(name) === "done") return;
    if (state.get(name) === "visiting") onCycle(name);
    state.set(name, "visiting");
    for (const p of parents.get(name) ?? []) visit(p);
    state.set(name, "done");
  };
  for (const name of parents.keys()) visit(name);
}

function assertSizes(value: unknown, field: string, modelFile: string): void {
  const sizes = Array.isArray(value) ? value : [value];
  for (const size of sizes) {
    if (size === null) continue;
    if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_LAYER_SIZE) {
      throw new Error(`${modelFile}: field "${field}": expected positive integer sizes up to ${MAX_LAYER_SIZE}, found ${JSON.stringify(value).slice(0, 80)}`);
    }
  }
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
  if (name === "" || /^[/\\]|^[A-Za-z]:/.test(name) || name.split(/[/\\]/).includes("..")) {
    throw new Error(`${modelFile}: field "weightsManifest": weight file "${name}" is outside the model folder`);
  }
  return joinPath(dir, name);
}

async function readWeights(storage: Storage, file: string): Promise<Uint8Array> {
  try {
    return await storage.read(file);
  } catch (err) {
    throw new Error(`${file}: cannot read the model's weights (${(err as Error).message.replace(`${file}: `, "")})`, { cause: err });
  }
}

async function readOrExplain(storage: Storage, file: string): Promise<string> {
  try {
    return await readText(storage, file);
  } catch {
    throw new Error(`${file}: cannot read; expected a model directory written by distmatch (model.json, weights.bin, distmatch.json)`);
  }
}
