import { readArff } from "./arff.js";
import { readCsv, type CsvOptions } from "./csv.js";
import { readJsonl } from "./jsonl.js";
import type { RawTable } from "./types.js";

export * from "./types.js";
export { readArff, parseArff } from "./arff.js";
export { readCsv, parseCsv, type CsvOptions } from "./csv.js";
export { readJsonl, parseJsonl } from "./jsonl.js";

/** Reads a table, choosing the reader by extension: .csv, .tsv, .jsonl/.ndjson, .arff/.arff.gz. */
export async function readTable(path: string, csvOptions: CsvOptions = {}): Promise<RawTable> {
  const lower = path.toLowerCase();
  if (lower.endsWith(".arff") || lower.endsWith(".arff.gz")) return readArff(path);
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return readJsonl(path);
  if (lower.endsWith(".tsv")) return readCsv(path, { delimiter: "\t", ...csvOptions });
  if (lower.endsWith(".csv")) return readCsv(path, csvOptions);
  throw new Error(`${path}: unknown table format, expected .csv, .tsv, .jsonl, .ndjson, .arff or .arff.gz`);
}
