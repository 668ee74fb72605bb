import type * as tf from "../engine/tf.js";

import type { BatchTargets } from "../tasks/types.js";

// The targets' types live with the tasks whose losses read them; re-exported here for existing imports.
export type { BatchTargets, MultiClassBatchTargets, MultiLabelBatchTargets } from "../tasks/types.js";

/** One training batch: inputs [B, ...inputShape] and per task its targets (always present, masked). */
export interface Batch {
  readonly inputs: tf.Tensor;
  readonly targets: Readonly<Record<string, BatchTargets>>;
  readonly size: number;
}
