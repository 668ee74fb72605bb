/** A raw cell as read from a file: text (CSV, ARFF), or any JSON scalar (JSONL). null = absent. */
export type RawValue = string | number | boolean | null;

/** One record of a file, with where it came from so later errors can point at it. */
export interface RawRecord {
  readonly file: string;
  /** 1-based line of the record in its file (for a quoted CSV field spanning lines: the line it ends on). */
  readonly line: number;
  readonly values: Readonly<Record<string, RawValue>>;
}

/** A declared ARFF attribute: its type, and for a nominal one its values in declaration order. */
export interface ArffAttribute {
  readonly name: string;
  readonly type: "numeric" | "nominal" | "string" | "date";
  readonly values?: readonly string[];
}

/** What a reader returns: the file, its columns in file order, and its records. */
export interface RawTable {
  readonly file: string;
  readonly columns: readonly string[];
  readonly records: readonly RawRecord[];
  /** ARFF only: the declared attributes (gives nominal value order, e.g. for class order). */
  readonly attributes?: readonly ArffAttribute[];
  /** Line of the header (CSV header row, ARFF @data), for errors about columns. */
  readonly headerLine?: number;
}
