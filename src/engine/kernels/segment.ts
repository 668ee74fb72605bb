import type * as tf from "../tf.js";
import { input, type KernelArgs, sizeOf } from "./wasm_backend.js";

/** UnsortedSegmentSum (the gradient of gather), missing from the wasm backend. Ids outside [0, numSegments) are dropped. */
export function unsortedSegmentSumFixed(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = input(args, "x");
  const segmentIds = input(args, "segmentIds");
  const numSegments = (args.attrs as { numSegments: number }).numSegments;
  const rows = sizeOf(segmentIds.shape);
  const inner = rows === 0 ? 0 : sizeOf(x.shape) / rows;
  const outInfo = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
  const out = backend.typedArrayFromHeap(outInfo);
  out.fill(0);
  const values = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let r = 0; r < rows; r++) {
    const id = ids[r];
    if (id < 0 || id >= numSegments) continue;
    const from = r * inner;
    const to = id * inner;
    for (let k = 0; k < inner; k++) out[to + k] += values[from + k];
  }
  return outInfo;
}
