import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { DatasetTable, InputOptions } from "./types.js";

/**
 * Folder of the vendored data files, data/datasets/ at the package root. Resolved from this module's
 * location, which is src/datasets/ when run from source and dist/datasets/ when built: both two levels down.
 */
export const DATASETS_DIR = fileURLToPath(new URL("../../data/datasets/", import.meta.url));

/** Path of a vendored file of a built-in data set. */
export function datasetFile(dataset: string, file: string): string {
  return join(DATASETS_DIR, dataset, file);
}

/** Wraps a table whose only representation is "features", rejecting any other one by name. */
export function featuresOnly(table: DatasetTable, dataset: string): DatasetTable {
  return {
    ...table,
    inputs: (trainRows: readonly number[], options?: InputOptions) => {
      const wanted = options?.representation ?? "features";
      if (wanted !== "features") {
        return Promise.reject(new Error(`dataset "${dataset}": unknown representation "${wanted}", expected one of ["features"]`));
      }
      return table.inputs(trainRows, options);
    },
  };
}
