import type { Relatedness } from "./types.js";

export interface FormatOptions {
  /** Decimal places of the values (default 2). */
  readonly digits?: number;
}

/**
 * R as an aligned text table for people (`distmatch relatedness show`): a title line
 * `A -> B (kind), K x M, origin: ...`, then one line per row of A with one column per label/class
 * of B. When R has support counts, each cell reads `value (count)`; fractional counts (soft counts
 * from predictions) get one decimal.
 */
export function formatRelatedness(R: Relatedness, options: FormatOptions = {}): string {
  const digits = options.digits ?? 2;
  const cells = R.values.map((row, k) => row.map((v, j) => formatCell(v, R.support?.[k]?.[j], digits)));
  const nameWidth = Math.max(R.from.length, ...R.rows.map((r) => r.length));
  const widths = R.columns.map((c, j) => Math.max(c.length, ...cells.map((row) => row[j].length)));
  const line = (first: string, rest: readonly string[]): string =>
    [first.padEnd(nameWidth), ...rest.map((c, j) => c.padStart(widths[j]))].join("  ").trimEnd();
  const title =
    `${R.from} -> ${R.to} (${R.toKind}), ${R.rows.length} x ${R.columns.length}` +
    (R.origin ? `, origin: ${R.origin}` : "") +
    (R.support ? ", cells: value (support)" : "");
  return [title, line(R.from, R.columns), ...R.rows.map((name, k) => line(name, cells[k]))].join("\n") + "\n";
}

function formatCell(value: number, support: number | undefined, digits: number): string {
  const v = value.toFixed(digits);
  if (support === undefined) return v;
  const n = Number.isInteger(support) ? String(support) : support.toFixed(1);
  return `${v} (${n})`;
}
