import * as path from "node:path";
import { loadModel, type LoadedModel } from "../models/io.js";
import { predictorFromLayersModel } from "../models/multitask.js";
import { readTable } from "../data/readers/index.js";
import type { RawTable } from "../data/readers/types.js";
import { inputEncoderFromJSON } from "../data/encoder.js";
import { tableFromRecords } from "../data/table.js";
import { labelNames, parseColumnSpec, type ColumnSpec, type ParsedColumnSpec } from "../data/spec.js";
import type { Task } from "../tasks/types.js";
import { tableToSource } from "../data/sources.js";
import type { Source } from "../data/types.js";
import { metricsFromProbabilities, predictSource } from "../train/evaluate.js";
import { readStudyConfig } from "../study/config.js";
import { useBackend } from "../engine/backend.js";
import "../engine/fast.js";
import { writeFileAtomic } from "../io/atomic.js";
import { own } from "../data/names.js";
import { readImageManifest } from "../features/manifest.js";
import { imageInputs, type ImageRepresentation } from "../features/inputs.js";

/** The model's inputs for a data file: its saved encoder on a table, or its image pipeline on a manifest. */
async function encodeInputs(loaded: LoadedModel, table: RawTable, modelDir: string, dataFile: string): Promise<{ inputs: Float32Array; inputShape: readonly number[] }> {
  const images = loaded.metadata.images;
  if (images) {
    const listing = await readImageManifest(dataFile, { ...(images.column ? { imageColumn: images.column } : {}), labelColumns: [] });
    return imageInputs(listing.records.map((r) => r.path), {
      representation: imageRepresentation(images.representation, path.join(modelDir, "distmatch.json")),
      ...(images.size ? { size: images.size } : {}),
      ...(images.model ? { model: { file: images.model, ...(images.layer ? { layer: images.layer } : {}) } } : {}),
    });
  }
  if (!loaded.metadata.encoder) {
    throw new Error(`${path.join(modelDir, "distmatch.json")}: the model has no saved input encoder, so it cannot read ${table.file}`);
  }
  const encoder = inputEncoderFromJSON(loaded.metadata.encoder, path.join(modelDir, "distmatch.json"));
  const expected = loaded.model.inputs[0].shape.slice(1);
  if (encoder.size !== expected.reduce((a: number, b) => a * (b ?? 1), 1)) {
    throw new Error(`${path.join(modelDir, "distmatch.json")}: field "encoder": makes ${encoder.size} input features but the model takes inputs of shape [${expected.join(", ")}]`);
  }
  const encoded = encoder.encode(table.records);
  return { inputs: encoded.inputs, inputShape: encoded.inputShape };
}

const REPRESENTATIONS: readonly ImageRepresentation[] = ["mobilenetv2", "face-descriptor", "pixels"];

function imageRepresentation(value: string, file: string): ImageRepresentation {
  const known = REPRESENTATIONS.find((r) => r === value);
  if (!known) throw new Error(`${file}: field "images.representation": expected one of ${REPRESENTATIONS.join(", ")}, found "${value}"`);
  return known;
}

export async function predictCommand(flags: { model: string; data: string; output?: string }): Promise<void> {
  await useBackend("wasm");
  const loaded = await loadModel(flags.model);
  const table = await readTable(path.resolve(flags.data));
  const { inputs, inputShape } = await encodeInputs(loaded, table, flags.model, path.resolve(flags.data));
  const source: Source = { name: flags.data, n: table.records.length, inputShape, inputs, targets: {} };
  const probs = await predictSource(predictorFromLayersModel(loaded.model, loaded.metadata.tasks), source);
  const lines = table.records.map((record, i) => {
    // Entries, so that a task named like "__proto__" is an ordinary key of the JSON line.
    const out: [string, unknown][] = [["line", record.line]];
    for (const task of loaded.metadata.tasks) {
      const width = task.kind === "multiclass" ? task.classes.length : task.labels.length;
      const p = Array.from(own(probs, task.name)!.subarray(i * width, (i + 1) * width), (v) => Number(v.toFixed(6)));
      if (task.kind === "multiclass") {
        const best = p.indexOf(Math.max(...p));
        out.push([task.name, { class: task.classes[best], probabilities: Object.fromEntries(task.classes.map((c, k) => [c, p[k]])) }]);
      } else {
        const th = loaded.metadata.thresholds ? own(loaded.metadata.thresholds, task.name) : undefined;
        out.push([task.name, {
          labels: task.labels.filter((_, j) => p[j] >= (th?.[j] ?? 0.5)),
          probabilities: Object.fromEntries(task.labels.map((l, j) => [l, p[j]])),
        }]);
      }
    }
    return JSON.stringify(Object.fromEntries(out));
  });
  const text = lines.join("\n") + "\n";
  if (flags.output) await writeFileAtomic(flags.output, text);
  else process.stdout.write(text);
}

/**
 * The spec's label columns with the model's own classes and labels: class indices must mean what
 * they meant in training, whatever classes the evaluation file happens to contain or the spec lists.
 */
function withModelTasks(spec: ParsedColumnSpec, tasks: readonly Task[], where: string): ColumnSpec {
  const fixed = spec.tasks.map((t, i) => {
    const task = tasks.find((m) => m.name === t.name);
    if (!task) throw new Error(`${where}: field "tasks.${i}.name": task "${t.name}" is not one of the model's tasks (${tasks.map((m) => m.name).join(", ")})`);
    if (task.kind !== t.kind) throw new Error(`${where}: field "tasks.${i}.kind": task "${t.name}" is ${t.kind} here but ${task.kind} in the model`);
    if (t.kind === "multiclass" && task.kind === "multiclass") {
      const unknown = (t.classes ?? []).filter((c) => !task.classes.includes(c));
      if (unknown.length > 0) throw new Error(`${where}: field "tasks.${i}.classes": ${JSON.stringify(unknown)} are not classes of the model (${JSON.stringify(task.classes)})`);
      return { ...t, classes: [...task.classes] };
    }
    if (t.kind === "multilabel" && task.kind === "multilabel") {
      const names = labelNames(t);
      if (names.join("\u0000") !== task.labels.join("\u0000")) {
        throw new Error(`${where}: field "tasks.${i}.labels": ${JSON.stringify(names)} differ from the model's labels ${JSON.stringify(task.labels)} (same names, same order)`);
      }
    }
    return t;
  });
  return { ...spec, tasks: fixed };
}

export async function evaluateCommand(flags: { model: string; data: string; spec?: string; json?: boolean }): Promise<void> {
  await useBackend("wasm");
  const loaded = await loadModel(flags.model);
  const specValue = flags.spec ? await readStudyConfig(flags.spec) : loaded.metadata.extra?.["spec"];
  if (!specValue) throw new Error(`evaluate: give --spec <file> naming the label columns of ${flags.data} (${path.join(flags.model, "distmatch.json")} holds no training spec)`);
  const where = flags.spec ?? `${path.join(flags.model, "distmatch.json")}: field "extra.spec"`;
  const spec = withModelTasks(parseColumnSpec(specValue, where), loaded.metadata.tasks, where);
  const raw = await readTable(path.resolve(flags.data));
  const table = tableFromRecords(raw, spec);
  const { inputs, inputShape } = await encodeInputs(loaded, raw, flags.model, path.resolve(flags.data));
  const source = tableToSource(table, { inputs, inputShape, description: "" }, { name: flags.data });
  const predictor = predictorFromLayersModel(loaded.model, loaded.metadata.tasks);
  const tasks = loaded.metadata.tasks.filter((t) => spec.tasks.some((s) => s.name === t.name));
  const metrics = metricsFromProbabilities(tasks, source, await predictSource(predictor, source), loaded.metadata.thresholds);
  if (flags.json) {
    process.stdout.write(JSON.stringify(metrics, null, 2) + "\n");
    return;
  }
  for (const [task, m] of Object.entries(metrics)) {
    const values = Object.entries(m.values).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ");
    process.stdout.write(`${task} (${m.kind}, n=${m.n}): ${values}\n`);
  }
}
