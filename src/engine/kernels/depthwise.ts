import * as tf from "../tf.js";
import { heapF32, input, type KernelArgs } from "./wasm_backend.js";

/* Depthwise convolution gradients, missing from the wasm backend: ports of the cpu backend's loops, on the wasm heap. */

interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: "valid" | "same" | number;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

export function depthwiseBackpropFilterFixed(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = input(args, "x");
  const dy = input(args, "dy");
  const attrs = args.attrs as unknown as DepthwiseAttrs & { filterShape: [number, number, number, number] };
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad,
    attrs.dimRoundingMode, true,
  );
  const outInfo = backend.makeOutput(attrs.filterShape, "float32");
  const dW = heapF32(backend, outInfo);
  const xs = heapF32(backend, x);
  const dys = heapF32(backend, dy);
  const { strideHeight: sh, strideWidth: sw, filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth } = info;
  const { inChannels, outChannels, batchSize } = info;
  const chMul = outChannels / inChannels;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let wR = 0; wR < filterHeight; ++wR) {
    const yRMin = Math.max(0, Math.ceil((top - wR) / sh));
    const yRMax = Math.min(outHeight, (inHeight + top - wR) / sh);
    for (let wC = 0; wC < filterWidth; ++wC) {
      const yCMin = Math.max(0, Math.ceil((left - wC) / sw));
      const yCMax = Math.min(outWidth, (inWidth + left - wC) / sw);
      for (let d2 = 0; d2 < outChannels; ++d2) {
        const d1 = Math.trunc(d2 / chMul);
        let dot = 0;
        for (let b = 0; b < batchSize; ++b) {
          for (let yR = yRMin; yR < yRMax; ++yR) {
            const xR = wR + yR * sh - top;
            for (let yC = yCMin; yC < yCMax; ++yC) {
              const xC = wC + yC * sw - left;
              dot += xs[((b * inHeight + xR) * inWidth + xC) * inChannels + d1] *
                dys[((b * outHeight + yR) * outWidth + yC) * outChannels + d2];
            }
          }
        }
        dW[((wR * filterWidth + wC) * inChannels + d1) * chMul + (d2 % chMul)] = dot;
      }
    }
  }
  return outInfo;
}

export function depthwiseBackpropInputFixed(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const dy = input(args, "dy");
  const filter = input(args, "filter");
  const attrs = args.attrs as unknown as DepthwiseAttrs & { inputShape: [number, number, number, number] };
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad,
    attrs.dimRoundingMode, true,
  );
  const outInfo = backend.makeOutput(info.inShape, "float32");
  const dx = heapF32(backend, outInfo);
  const dys = heapF32(backend, dy);
  const flt = heapF32(backend, filter);
  const { batchSize, filterHeight, filterWidth, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const top = filterHeight - 1 - info.padInfo.top;
  const left = filterWidth - 1 - info.padInfo.left;
  const chMul = outChannels / inChannels;
  for (let b = 0; b < batchSize; ++b) {
    for (let d1 = 0; d1 < inChannels; ++d1) {
      for (let xR = 0; xR < inHeight; ++xR) {
        const xRCorner = xR - top;
        const yRMin = Math.max(0, Math.ceil(xRCorner / sh));
        const yRMax = Math.min(outHeight, (filterHeight + xRCorner) / sh);
        for (let xC = 0; xC < inWidth; ++xC) {
          const xCCorner = xC - left;
          const yCMin = Math.max(0, Math.ceil(xCCorner / sw));
          const yCMax = Math.min(outWidth, (filterWidth + xCCorner) / sw);
          let dot = 0;
          for (let yR = yRMin; yR < yRMax; ++yR) {
            const wR = yR * sh - xRCorner;
            for (let yC = yCMin; yC < yCMax; ++yC) {
              const wC = yC * sw - xCCorner;
              const dyAt = ((b * outHeight + yR) * outWidth + yC) * outChannels;
              const fAt = (((filterHeight - 1 - wR) * filterWidth + (filterWidth - 1 - wC)) * inChannels + d1) * chMul;
              for (let dm = 0; dm < chMul; ++dm) dot += dys[dyAt + d1 * chMul + dm] * flt[fAt + dm];
            }
          }
          dx[((b * inHeight + xR) * inWidth + xC) * inChannels + d1] = dot;
        }
      }
    }
  }
  return outInfo;
}
