import { basename, readFileText } from "../../io/storage.js";
import { DataError } from "../errors.js";
import type { RawRecord, RawTable, RawValue } from "./types.js";

/** Reads a JSON Lines file: one JSON object of scalars per line; blank lines are skipped. */
export async function readJsonl(path: string): Promise<RawTable> {
  return parseJsonl(await readFileText(path), basename(path));
}

/**
 * Parses JSON Lines text. Columns are the union of keys in first-seen order; a key absent
 * from a record reads as null (missing).
 */
export function parseJsonl(text: string, file: string): RawTable {
  const columns: string[] = [];
  const known = new Set<string>();
  const parsed: { line: number; object: Record<string, RawValue> }[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((content, index) => {
    if (content.trim() === "") return;
    const line = index + 1;
    const object = parseObject(content, file, line);
    for (const key of Object.keys(object)) {
      if (!known.has(key)) {
        known.add(key);
        columns.push(key);
      }
    }
    parsed.push({ line, object });
  });
  const records: RawRecord[] = parsed.map(({ line, object }) => ({
    file,
    line,
    values: Object.fromEntries(columns.map((c) => [c, object[c] ?? null])),
  }));
  return { file, columns, records };
}

function parseObject(content: string, file: string, line: number): Record<string, RawValue> {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw new DataError({ file, line }, `expected a JSON object, found invalid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new DataError({ file, line }, `expected a JSON object, found ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
  }
  for (const [key, cell] of Object.entries(value)) {
    if (cell !== null && typeof cell === "object") {
      throw new DataError({ file, line, column: key }, "expected a string, number, boolean or null, found a nested object or array");
    }
  }
  return value as Record<string, RawValue>;
}
