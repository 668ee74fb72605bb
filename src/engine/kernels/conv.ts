import * as tf from "../tf.js";
import { input, type KernelArgs, release, runStock } from "./wasm_backend.js";

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}

function requireChannelsLast(kernel: string, dataFormat: string): void {
  if (dataFormat !== "NHWC") {
    throw new Error(`distmatch wasm ${kernel}: dataFormat ${dataFormat} is not supported, expected NHWC`);
  }
}

function explicitPad(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

/**
 * Filter gradient as a forward convolution, so it runs on XNNPACK:
 * dW[i,j,ci,co] = sum_{b,y,x} in[b, y*s+i, x*s+j, ci] dy[b,y,x,co], i.e. a conv2d of the input seen as
 * [ci, H, W, batch] with dy seen as a filter [outH, outW, batch, co], dilation = the forward stride.
 */
export function conv2DBackpropFilterFixed(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const x = input(args, "x");
  const dy = input(args, "dy");
  const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: [number, number, number, number] };
  requireChannelsLast("Conv2DBackpropFilter", attrs.dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const xT = runStock("Transpose", { inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
  const dyT = runStock("Transpose", { inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
  const conv = runStock("Conv2D", {
    inputs: { x: xT, filter: dyT },
    backend,
    attrs: {
      strides: [1, 1],
      dilations: [info.strideHeight, info.strideWidth],
      pad: explicitPad(top, bottom, left, right),
      dataFormat: "NHWC",
    },
  });
  release(backend, xT, dyT);
  const [fh, fw, ci, co] = attrs.filterShape;
  const cropped = cropTo(args, conv, [ci, fh, fw, co]);
  const dW = runStock("Transpose", { inputs: { x: cropped }, backend, attrs: { perm: [1, 2, 0, 3] } });
  release(backend, cropped);
  return dW;
}

/** A valid conv can cover a few more rows than the filter when the stride does not divide the input; drop them. */
function cropTo(args: KernelArgs, t: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  if (t.shape.every((d, i) => d === shape[i])) return t;
  const out = runStock("Slice", { inputs: { x: t }, backend: args.backend, attrs: { begin: [0, 0, 0, 0], size: shape } });
  release(args.backend, t);
  return out;
}

/**
 * Input gradient of a stride-1 convolution as a forward convolution of dy with the flipped, transposed filter
 * (XNNPACK); the stock kernel is a plain loop, about 7x slower. Strided convolutions keep the stock kernel.
 */
export function conv2DBackpropInputFixed(args: KernelArgs): tf.TensorInfo {
  const { backend } = args;
  const dy = input(args, "dy");
  const filter = input(args, "filter");
  const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: [number, number, number, number] };
  if (attrs.dataFormat !== "NHWC") return runStock("Conv2DBackpropInput", args);
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const fh = info.filterHeight;
  const fw = info.filterWidth;
  const pads = [fh - 1 - top, fh - 1 - bottom, fw - 1 - left, fw - 1 - right];
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || pads.some((p) => p < 0)) {
    return runStock("Conv2DBackpropInput", args);
  }
  const reversed = runStock("Reverse", { inputs: { x: filter }, backend, attrs: { dims: [0, 1] } });
  const flipped = runStock("Transpose", { inputs: { x: reversed }, backend, attrs: { perm: [0, 1, 3, 2] } });
  release(backend, reversed);
  const dx = runStock("Conv2D", {
    inputs: { x: dy, filter: flipped },
    backend,
    attrs: { strides: [1, 1], dilations: [1, 1], pad: explicitPad(pads[0], pads[1], pads[2], pads[3]), dataFormat: "NHWC" },
  });
  release(backend, flipped);
  return dx;
}
