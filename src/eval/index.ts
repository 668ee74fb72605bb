export {
  multiClassMetrics,
  multiLabelMetrics,
  tuneThresholds,
  primaryMetric,
  DEFAULT_THRESHOLD_GRID,
  type MultiClassMetrics,
  type MultiLabelMetrics,
} from "./metrics.js";
