import { z } from "zod";
import { cellText, missingTest, parseNumber } from "./cells.js";
import { DataError, type DataLocation } from "./errors.js";
import type { ColumnSpec } from "./spec.js";
import type { RawRecord } from "./readers/types.js";

/** The fitted state of an input encoder, as stored in JSON next to a trained model. */
export const inputEncoderJsonSchema = z.strictObject({
  format: z.literal("distmatch-input-encoder"),
  version: z.literal(1),
  numeric: z.array(z.strictObject({ column: z.string(), mean: z.number(), std: z.number().positive() })),
  categorical: z.array(z.strictObject({ column: z.string(), categories: z.array(z.string()) })),
  missing: z.array(z.string()),
});
export type InputEncoderJson = z.infer<typeof inputEncoderJsonSchema>;

export interface EncodedInputs {
  /** Row-major [n, D]. */
  readonly inputs: Float32Array;
  readonly inputShape: [number];
  readonly inputNames: readonly string[];
}

/**
 * Turns records into feature vectors: numeric columns first, standardised with the training mean
 * and standard deviation (a missing value becomes the training mean, i.e. 0 after standardising;
 * a constant column uses std 1), then one one-hot block per categorical column over the categories
 * seen in training (a missing cell, or a category never seen in training, encodes as all zeros).
 */
export class InputEncoder {
  readonly inputNames: readonly string[];
  private readonly isMissing: (value: unknown) => boolean;
  private readonly slots: readonly Map<string, number>[];

  constructor(private readonly fitted: InputEncoderJson) {
    this.isMissing = missingTest(fitted.missing);
    this.inputNames = [
      ...fitted.numeric.map((n) => n.column),
      ...fitted.categorical.flatMap((c) => c.categories.map((k) => `${c.column}=${k}`)),
    ];
    this.slots = fitted.categorical.map((c) => new Map(c.categories.map((k, i) => [k, i])));
  }

  get size(): number {
    return this.inputNames.length;
  }

  encode(records: readonly RawRecord[]): EncodedInputs {
    const d = this.size;
    const inputs = new Float32Array(records.length * d);
    records.forEach((record, row) => this.encodeRow(record, inputs, row * d));
    return { inputs, inputShape: [d], inputNames: this.inputNames };
  }

  toJSON(): InputEncoderJson {
    return structuredClone(this.fitted);
  }

  private encodeRow(record: RawRecord, out: Float32Array, offset: number): void {
    let at = offset;
    for (const { column, mean, std } of this.fitted.numeric) {
      const value = cellOf(record, column);
      out[at++] = this.isMissing(value) ? 0 : standardise(parseNumber(value, { ...record, column }), mean, std, { ...record, column });
    }
    this.fitted.categorical.forEach(({ column, categories }, i) => {
      const value = cellOf(record, column);
      const slot = this.isMissing(value) ? undefined : this.slots[i].get(cellText(value));
      if (slot !== undefined) out[at + slot] = 1;
      at += categories.length;
    });
  }
}

/** Fits the encoder on the training rows only (indices into `records`). */
export function fitInputEncoder(records: readonly RawRecord[], spec: ColumnSpec, trainRows: readonly number[]): InputEncoder {
  const isMissing = missingTest(spec.missing);
  const train = trainRows.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= records.length) throw new Error(`train row ${i} is outside 0..${records.length - 1}`);
    return records[i];
  });
  const numeric = (spec.inputs.numeric ?? []).map((column) => fitNumeric(train, column, isMissing));
  const categorical = (spec.inputs.categorical ?? []).map((column) => fitCategorical(train, column, isMissing));
  return new InputEncoder({ format: "distmatch-input-encoder", version: 1, numeric, categorical, missing: [...(spec.missing ?? [])] });
}

/** Restores an encoder saved with `toJSON()`; `where` names the file in errors. */
export function inputEncoderFromJSON(value: unknown, where = "input encoder"): InputEncoder {
  const result = inputEncoderJsonSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${where}: invalid input encoder: ${issues.join("; ")}`);
  }
  return new InputEncoder(result.data);
}

function fitNumeric(train: readonly RawRecord[], column: string, isMissing: (v: unknown) => boolean) {
  const values: number[] = [];
  for (const record of train) {
    const value = cellOf(record, column);
    if (!isMissing(value)) values.push(parseNumber(value, { ...record, column }));
  }
  if (values.length === 0) return { column, mean: 0, std: 1 };
  const { mean, std } = meanAndStd(values);
  // A constant column carries no information; std 1 keeps it at 0 instead of dividing by zero.
  return { column, mean, std: std > 1e-12 ? std : 1 };
}

/** Mean and population std; values near ±1.8e308 overflow the plain sums, so those are computed on values scaled to [-1, 1]. */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  if (Number.isFinite(mean) && Number.isFinite(std)) return { mean, std };
  const scale = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const scaled = values.map((v) => v / scale);
  const mu = scaled.reduce((a, b) => a + b, 0) / scaled.length;
  const sd = Math.sqrt(scaled.reduce((a, u) => a + (u - mu) ** 2, 0) / scaled.length);
  return { mean: mu * scale, std: sd * scale };
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** (value - mean) / std, as a float32 the model can take; a value too far out to represent is an error naming the cell. */
function standardise(value: number, mean: number, std: number, where: DataLocation): number {
  let z = (value - mean) / std;
  if (!Number.isFinite(z)) z = value / std - mean / std;
  if (!(Math.abs(z) <= FLOAT32_MAX)) {
    throw new DataError(where, `value ${value} is too large for this column: standardised with the training mean ${mean} and std ${std} it is ${z}, beyond float32 range`);
  }
  return z;
}

function fitCategorical(train: readonly RawRecord[], column: string, isMissing: (v: unknown) => boolean) {
  const seen = new Set<string>();
  for (const record of train) {
    const value = cellOf(record, column);
    if (!isMissing(value)) seen.add(cellText(value));
  }
  return { column, categories: [...seen].sort() };
}

/** The cell of `column`; a record whose file lacks the column is an error, not a missing value. */
function cellOf(record: RawRecord, column: string) {
  if (!Object.hasOwn(record.values, column)) {
    throw new DataError({ file: record.file, line: record.line, column }, "unknown column: the file has no such column (input columns must be in every file)");
  }
  return record.values[column];
}
