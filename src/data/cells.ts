import { DataError, type DataLocation } from "./errors.js";
import type { LabelColumnSpec } from "./spec.js";
import type { RawValue } from "./readers/types.js";

/** Cell values that always mean "missing". */
export const DEFAULT_MISSING: readonly string[] = ["", "?", "null"];

/** Returns a predicate: is this cell missing (undefined, null, "", "?", "null", or one of `extra`)? */
export function missingTest(extra: readonly string[] = []): (value: unknown) => boolean {
  const tokens = new Set([...DEFAULT_MISSING, ...extra]);
  return (value) => value === undefined || value === null || (typeof value === "string" && tokens.has(value.trim()));
}

/** A present cell as trimmed text (numbers and booleans as JS prints them). */
export function cellText(value: RawValue): string {
  return typeof value === "string" ? value.trim() : String(value);
}

/** A CSV field: quoted (quotes doubled) when it holds a comma, a quote, a line break or outer spaces. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A numeric cell; throws a DataError naming the cell when it is not a finite number. */
export function parseNumber(value: RawValue, where: DataLocation): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const text = value.trim();
    const parsed = Number(text);
    if (text !== "" && Number.isFinite(parsed)) return parsed;
  }
  throw new DataError(where, `expected a number (numeric input column), found ${JSON.stringify(value)}`);
}

const TRUE_WORDS = new Set(["1", "true", "yes"]);
const FALSE_WORDS = new Set(["0", "false", "no"]);

/** A 0/1 label cell: 0/1/true/false/yes/no (any case, or JSON booleans and numbers). */
export function parseBoolean(value: RawValue, where: DataLocation): 0 | 1 {
  if (typeof value === "boolean") return value ? 1 : 0;
  const text = cellText(value).toLowerCase();
  if (TRUE_WORDS.has(text)) return 1;
  if (FALSE_WORDS.has(text)) return 0;
  throw new DataError(where, `expected a boolean label (0/1/true/false/yes/no), found ${JSON.stringify(value)}`);
}

/** Reads one label of a multi-label task: 0, 1, or null (missing). */
export function parseLabelCell(
  value: RawValue | undefined,
  column: LabelColumnSpec,
  isMissing: (value: unknown) => boolean,
  where: DataLocation,
): 0 | 1 | null {
  if (value === undefined || isMissing(value)) return null;
  if (typeof column === "string") return parseBoolean(value, where);
  const text = cellText(value);
  if (column.missing?.includes(text)) return null;
  if (column.positive.includes(text)) return 1;
  if (!column.negative || column.negative.includes(text)) return 0;
  const expected = [...column.positive, ...column.negative, ...(column.missing ?? [])];
  throw new DataError(where, `expected one of ${JSON.stringify(expected)} (or a missing value), found ${JSON.stringify(value)}`);
}
