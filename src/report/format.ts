/** Number formatting for tables: fixed decimals, a real minus sign, and a dash for missing values. */

const MINUS = "\u2212";

function isNumber(value: number | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

export function fixed(value: number | undefined, digits = 3): string {
  if (!isNumber(value)) return "\u2014";
  return value.toFixed(digits).replace("-", MINUS);
}

/** Signed fixed-point, e.g. "+0.012" / "−0.004". */
export function signed(value: number | undefined, digits = 3): string {
  if (!isNumber(value)) return "\u2014";
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return text;
  return (value > 0 ? "+" : MINUS) + text;
}

/** A fraction shown as a signed percentage, e.g. 0.0153 -> "+1.5%". */
export function signedPercent(fraction: number | undefined, digits = 1): string {
  if (!isNumber(fraction)) return "\u2014";
  return `${signed(fraction * 100, digits)}%`;
}

/** Seconds as "850 ms", "12.3 s", "4 min 05 s" or "1 h 02 min". */
export function duration(seconds: number | undefined): string {
  if (!isNumber(seconds)) return "\u2014";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.round(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}
