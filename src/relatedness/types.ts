/**
 * Task relatedness between a multi-class task A (rows: its K classes) and a task B (columns).
 * For a multi-label B: values[k][j] = P(b_j = 1 | a = k).
 * For a multi-class B: values[k][j] = P(b = j | a = k), each row sums to 1.
 */
export interface Relatedness {
  /** Name of task A (multi-class, the rows). */
  readonly from: string;
  /** Name of task B (the columns). */
  readonly to: string;
  /** Kind of task B: decides the row-sum rule and which coupling terms apply. */
  readonly toKind: "multilabel" | "multiclass";
  /** Class names of A, one per row. */
  readonly rows: readonly string[];
  /** Label (or class) names of B, one per column. */
  readonly columns: readonly string[];
  /** K x M values in [0, 1]. */
  readonly values: readonly (readonly number[])[];
  /** Per-cell number of samples the estimate rests on, when estimated from data. */
  readonly support?: readonly (readonly number[])[];
  /** Where the matrix came from: "file:<path>", "prior:du2014", "overlap", "predictions", ... */
  readonly origin?: string;
}
