export * from "./types.js";
export * from "./batch.js";
export * from "./errors.js";
export * from "./readers/index.js";
export {
  columnSpecSchema,
  labelColumnSchema,
  taskSpecSchema,
  parseColumnSpec,
  resolveTasks,
  taskColumns,
  labelNames,
  tableAnnotates,
  type ColumnSpec,
  type ParsedColumnSpec,
  type TaskSpec,
  type MultiClassSpec,
  type MultiLabelSpec,
  type LabelColumnSpec,
} from "./spec.js";
export { missingTest, parseNumber, parseBoolean, DEFAULT_MISSING } from "./cells.js";
export * from "./encoder.js";
export * from "./table.js";
export * from "./sources.js";
export * from "./samplers.js";
export * from "./batching.js";
export * from "./splits.js";
