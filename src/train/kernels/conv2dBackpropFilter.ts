/**
 * `Conv2DBackpropFilter` for the WASM backend (tfjs-backend-wasm 4.22 has none), built on
 * the backend's XNNPACK `Conv2D`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { filterGradientPlan } from "./geometry.js";
import { free, runWasmKernel, WASM, zeros } from "./wasmBackend.js";

/**
 * The weight gradient of a 2-D convolution, dW[i, j, ci, co] = sum over n, oh, ow of
 * x_padded[n, oh*s + i, ow*s + j, ci] * dy[n, oh, ow, co], computed as one forward
 * convolution with the roles swapped: x transposed to [ci, h, w, n] is the input (the batch
 * becomes the channels that are summed over), dy transposed to [oh, ow, n, co] is the filter,
 * dilated by the stride; the output [ci, i, j, co] is transposed to the filter layout.
 * NCHW inputs are transposed to NHWC first.
 */
export function conv2DBackpropFilter(args: {
  inputs: tf.Conv2DBackpropFilterInputs;
  backend: BackendWasm;
  attrs: tf.Conv2DBackpropFilterAttrs;
}): tf.TensorInfo {
  const { backend, inputs, attrs } = args;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  if (attrs.dataFormat === "NCHW") {
    const toNHWC = { perm: [0, 2, 3, 1] };
    const xNHWC = runWasmKernel(backend, tf.Transpose, { x }, toNHWC);
    const dyNHWC = runWasmKernel(backend, tf.Transpose, { x: dy }, toNHWC);
    const out = filterGradientNHWC(backend, xNHWC, dyNHWC, attrs);
    free(backend, [xNHWC, dyNHWC]);
    return out;
  }
  return filterGradientNHWC(backend, x, dy, attrs);
}

function filterGradientNHWC(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.TensorInfo {
  const { strides, pad, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  if (tf.util.sizeFromShape(x.shape) === 0 || tf.util.sizeFromShape(dy.shape) === 0) return zeros(backend, [...filterShape]);
  const [batch, height, width, inChannels] = x.shape as [number, number, number, number];
  const rows = filterGradientPlan({
    inSize: height,
    outSize: info.outHeight,
    kernel: info.filterHeight,
    stride: info.strideHeight,
    padBefore: info.padInfo.top,
  });
  const cols = filterGradientPlan({
    inSize: width,
    outSize: info.outWidth,
    kernel: info.filterWidth,
    stride: info.strideWidth,
    padBefore: info.padInfo.left,
  });
  const temps: tf.TensorInfo[] = [];
  let xt = runWasmKernel(backend, tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
  temps.push(xt);
  if (rows.padAfter < 0 || cols.padAfter < 0) {
    // Trailing rows/columns that no output reads: drop them so the output is exactly k x k.
    xt = runWasmKernel(backend, tf.Slice, { x: xt }, {
      begin: [0, 0, 0, 0],
      size: [inChannels, height + Math.min(0, rows.padAfter), width + Math.min(0, cols.padAfter), batch],
    });
    temps.push(xt);
  }
  const dyt = runWasmKernel(backend, tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
  temps.push(dyt);
  const grad = runWasmKernel(backend, tf.Conv2D, { x: xt, filter: dyt }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [rows.padBefore, Math.max(0, rows.padAfter)],
      [cols.padBefore, Math.max(0, cols.padAfter)],
      [0, 0],
    ],
    dataFormat: "NHWC",
    dilations: [info.strideHeight, info.strideWidth],
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  temps.push(grad);
  const out = runWasmKernel(backend, tf.Transpose, { x: grad }, { perm: [1, 2, 0, 3] });
  free(backend, temps);
  return out;
}

/** Kernel config of {@link conv2DBackpropFilter}, for `tf.registerKernel`. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
