/**
 * Images as inputs: a source or test file whose column lists image files becomes a table of
 * MobileNetV2 features (computed in a worker, see features-worker.ts), one numeric column per feature,
 * which the rest of the app maps and trains on like any other table.
 */
import modelUrl from "../../models/mobilenet_v2/model.min.js?url";
import shardUrl from "../../models/mobilenet_v2/group1-shard1of1.min.js?url";
import { cellText, csvField, missingTest } from "../../src/data/cells.js";
import type { RawTable } from "../../src/data/readers/index.js";
import type { LoadedFile } from "./data-view.js";
import { parseUploadedTable } from "./mapping.js";
import type { FeaturesRequest, FromFeatures } from "./protocol.js";
import { WASM_PATHS } from "./study-client.js";

const isMissing = missingTest();

/** The last path segment: manifests may list "img/a.png" where the picked file is "a.png". */
export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The column whose every non-empty cell names one of the given images, if any. */
export function imageColumn(table: RawTable, images: ReadonlySet<string>): string | undefined {
  return table.columns.find((column) => {
    const cells = table.records.map((r) => r.values[column]).filter((v) => v !== undefined && !isMissing(v));
    return cells.length > 0 && cells.every((v) => images.has(baseName(cellText(v!))));
  });
}

/** The images a file's rows name, in row order; a row without one is an error naming the file and line. */
export function rowImages(file: LoadedFile & { table: RawTable }, column: string): string[] {
  return file.table.records.map((record) => {
    const value = record.values[column];
    if (value === undefined || isMissing(value)) throw new Error(`${file.name}:${record.line}: column "${column}" names no image`);
    return baseName(cellText(value));
  });
}

/** The file with its image column replaced by `mobilenetv2_0..dim-1` (CSV, float32 values as printed). */
export function withFeatures(file: LoadedFile & { table: RawTable }, column: string, features: Float32Array, dim: number, rows: readonly number[]): LoadedFile {
  const kept = file.table.columns.filter((c) => c !== column);
  const header = [...kept, ...Array.from({ length: dim }, (_, j) => `mobilenetv2_${j}`)];
  const lines = file.table.records.map((record, i) => {
    const cells = kept.map((c) => {
      const v = record.values[c];
      return v === undefined ? "" : csvField(cellText(v));
    });
    const offset = rows[i] * dim;
    for (let j = 0; j < dim; j++) cells.push(String(features[offset + j]));
    return cells.join(",");
  });
  const name = file.name.replace(/\.[^.]+$/, "") + ".features.csv";
  const text = [header.map((column) => csvField(column)).join(","), ...lines].join("\n") + "\n";
  return { name, text, table: parseUploadedTable(name, text) };
}

/** Runs the image worker over `images` (in order); resolves with one feature row per image. */
export function extractFeatures(images: readonly File[], onMessage: (message: Extract<FromFeatures, { type: "status" | "progress" }>) => void): Promise<{ dim: number; values: Float32Array }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./features-worker.ts", import.meta.url), { type: "module", name: "distmatch-images" });
    const stop = (error?: Error, result?: { dim: number; values: Float32Array }): void => {
      worker.terminate();
      if (error) reject(error);
      else resolve(result!);
    };
    worker.addEventListener("message", (event: MessageEvent<FromFeatures>) => {
      const message = event.data;
      if (message.type === "features") stop(undefined, { dim: message.dim, values: message.values });
      else if (message.type === "error") stop(new Error(message.message));
      else onMessage(message);
    });
    worker.addEventListener("error", (event) => stop(new Error(`the image worker failed: ${event.message}`)));
    void Promise.all(images.map(async (file) => ({ name: file.name, bytes: await file.arrayBuffer() }))).then((loaded) => {
      const request: FeaturesRequest = {
        type: "extract",
        images: loaded,
        modelUrl: new URL(modelUrl, document.baseURI).href,
        shardUrl: new URL(shardUrl, document.baseURI).href,
        wasmPaths: WASM_PATHS,
      };
      worker.postMessage(request, loaded.map((l) => l.bytes));
    });
  });
}
