import * as tf from "../tf.js";
import { heapF32, input, type KernelArgs } from "./wasm_backend.js";

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: "valid" | "same" | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/**
 * Max-pool gradient that routes dy to the window's true maximum (first one on ties, as the cpu backend does).
 * The stock wasm kernel starts its search at 0, so a window of only negative values sends dy to its first cell.
 */
export function maxPoolGradFixed(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const dy = input(args, "dy");
  const x = input(args, "input");
  const attrs = args.attrs as unknown as PoolAttrs;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  const dxInfo = backend.makeOutput(x.shape, "float32");
  const dx = heapF32(backend, dxInfo);
  dx.fill(0);
  routeToMaxima(info, heapF32(backend, x), heapF32(backend, dy), dx);
  return dxInfo;
}

function routeToMaxima(info: tf.backend_util.Conv2DInfo, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const yStart = oy * info.strideHeight - info.padInfo.top;
      const yFrom = Math.max(0, yStart);
      const yTo = Math.min(inHeight, yStart + info.filterHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const xStart = ox * info.strideWidth - info.padInfo.left;
        const xFrom = Math.max(0, xStart);
        const xTo = Math.min(inWidth, xStart + info.filterWidth);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let y = yFrom; y < yTo; y++) {
          for (let xx = xFrom; xx < xTo; xx++) {
            const base = ((b * inHeight + y) * inWidth + xx) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c];
              if (bestAt[c] < 0 || v > best[c]) {
                best[c] = v;
                bestAt[c] = base + c;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let c = 0; c < channels; c++) if (bestAt[c] >= 0) dx[bestAt[c]] += dy[dyBase + c];
      }
    }
  }
}
