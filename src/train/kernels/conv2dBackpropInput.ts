/**
 * A `Conv2DBackpropInput` for the WASM backend built on its XNNPACK `Conv2D`. tfjs-backend-wasm
 * 4.22 has one, a plain loop 5 to 10 times slower than a forward convolution here; this one
 * replaces it only on request (see `registerWasmTrainingKernels`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { inputGradientPlan, type InputGradientPlan } from "./geometry.js";
import { free, runWasmKernel, zeros } from "./wasmBackend.js";

/**
 * The input gradient of a 2-D convolution (a transposed convolution of dy). With stride s,
 * input row h = a + s*q takes its taps from a fixed subset of the kernel rows (phase a), so
 * the s*s phases are one stride-1 convolution of dy whose filter holds each phase's taps,
 * flipped, as a separate group of output channels; the groups are then interleaved back into
 * rows and columns. Unlike convolving a zero-dilated dy, no multiply is spent on inserted
 * zeros. Returns `null` for NCHW or non-float32 data, which the backend's own kernel handles.
 */
export function conv2DBackpropInputFast(args: {
  inputs: tf.Conv2DBackpropInputInputs;
  backend: BackendWasm;
  attrs: tf.Conv2DBackpropInputAttrs;
}): tf.TensorInfo | null {
  const { backend, inputs, attrs } = args;
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dataFormat !== "NHWC" || dy.dtype !== "float32" || filter.dtype !== "float32") return null;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    "channelsLast",
  );
  const [batch, height, width, inChannels] = inputShape;
  const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
  const rows = inputGradientPlan({
    inSize: height,
    outSize: outHeight,
    kernel: info.filterHeight,
    stride: info.strideHeight,
    padBefore: info.padInfo.top,
  });
  const cols = inputGradientPlan({
    inSize: width,
    outSize: outWidth,
    kernel: info.filterWidth,
    stride: info.strideWidth,
    padBefore: info.padInfo.left,
  });
  // Rows of dy that reach no input element (padding wider than the kernel) are cropped.
  const cropTop = Math.max(0, -rows.padBefore);
  const cropLeft = Math.max(0, -cols.padBefore);
  const keptHeight = outHeight - cropTop - Math.max(0, -rows.padAfter);
  const keptWidth = outWidth - cropLeft - Math.max(0, -cols.padAfter);
  if (keptHeight <= 0 || keptWidth <= 0 || tf.util.sizeFromShape(inputShape) === 0 || tf.util.sizeFromShape(dy.shape) === 0) {
    return zeros(backend, inputShape);
  }
  const temps: tf.TensorInfo[] = [];
  const phaseFilter = buildPhaseFilter(backend, filter, rows, cols);
  temps.push(phaseFilter);
  let dyUsed = dy;
  if (keptHeight < outHeight || keptWidth < outWidth) {
    dyUsed = runWasmKernel(backend, tf.Slice, { x: dy }, {
      begin: [0, cropTop, cropLeft, 0],
      size: [batch, keptHeight, keptWidth, dy.shape[3]!],
    });
    temps.push(dyUsed);
  }
  const phased = runWasmKernel(backend, tf.Conv2D, { x: dyUsed, filter: phaseFilter }, {
    strides: [1, 1],
    pad: [
      [0, 0],
      [Math.max(0, rows.padBefore), Math.max(0, rows.padAfter)],
      [Math.max(0, cols.padBefore), Math.max(0, cols.padAfter)],
      [0, 0],
    ],
    dataFormat: "NHWC",
    dilations: [1, 1],
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap);
  temps.push(phased);
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    free(backend, temps.slice(0, -1));
    return phased; // a single phase: already [batch, height, width, inChannels]
  }
  const out = backend.makeOutput(inputShape, "float32");
  // Views after the allocation: it may grow the heap and detach older views.
  interleavePhases(
    backend.typedArrayFromHeap(phased) as Float32Array,
    backend.typedArrayFromHeap(out) as Float32Array,
    inputShape,
    rows,
    cols,
    info.strideHeight,
    info.strideWidth,
  );
  free(backend, temps);
  return out;
}

/**
 * Scatters the phase convolution's output [batch, qh, qw, (a * phases_w + b) * c] to
 * dx[batch, qh * sh + firstPhase_h + a, qw * sw + firstPhase_w + b, c], dropping positions
 * past the input's edge and leaving zeros where no phase lands. (The wasm DepthToSpace does
 * the interleaving, but about 20 times slower than this copy of channel runs.)
 */
export function interleavePhases(
  phased: Float32Array,
  dx: Float32Array,
  dxShape: readonly [number, number, number, number],
  rows: Pick<InputGradientPlan, "positions" | "firstPhase" | "phases">,
  cols: Pick<InputGradientPlan, "positions" | "firstPhase" | "phases">,
  sh: number,
  sw: number,
): void {
  const [batch, height, width, channels] = dxShape;
  if (rows.phases !== sh || cols.phases !== sw) dx.fill(0);
  const groupChannels = rows.phases * cols.phases * channels;
  let src = 0;
  for (let n = 0; n < batch; n++) {
    for (let qh = 0; qh < rows.positions; qh++) {
      for (let qw = 0; qw < cols.positions; qw++, src += groupChannels) {
        for (let a = 0; a < rows.phases; a++) {
          const h = qh * sh + rows.firstPhase + a;
          if (h >= height) break;
          for (let b = 0; b < cols.phases; b++) {
            const w = qw * sw + cols.firstPhase + b;
            if (w >= width) break;
            let from = src + (a * cols.phases + b) * channels;
            let to = ((n * height + h) * width + w) * channels;
            for (let c = 0; c < channels; c++) dx[to++] = phased[from++]!;
          }
        }
      }
    }
  }
}

/**
 * The filter of the phase convolution: [window_h, window_w, outChannels, phases * inChannels],
 * with W[tap_h, tap_w, ci, co] at [t_h, t_w, co, (a * phases_w + b) * inChannels + ci], zero
 * where a phase has no tap at that window position.
 */
function buildPhaseFilter(
  backend: BackendWasm,
  filter: tf.TensorInfo,
  rows: InputGradientPlan,
  cols: InputGradientPlan,
): tf.TensorInfo {
  const [, kw, inChannels, outChannels] = filter.shape as [number, number, number, number];
  const groups = rows.phases * cols.phases;
  const groupStride = groups * inChannels;
  const out = backend.makeOutput([rows.window, cols.window, outChannels, groupStride], "float32");
  // Views after the allocation above: it may grow the heap and detach older views.
  const w = backend.typedArrayFromHeap(filter) as Float32Array;
  const f = backend.typedArrayFromHeap(out) as Float32Array;
  f.fill(0);
  for (let th = 0; th < rows.window; th++) {
    for (let tw = 0; tw < cols.window; tw++) {
      for (let a = 0; a < rows.phases; a++) {
        const i = rows.tap(rows.firstPhase + a, th);
        if (i < 0) continue;
        for (let b = 0; b < cols.phases; b++) {
          const j = cols.tap(cols.firstPhase + b, tw);
          if (j < 0) continue;
          const group = a * cols.phases + b;
          for (let ci = 0; ci < inChannels; ci++) {
            const src = ((i * kw + j) * inChannels + ci) * outChannels;
            let dst = (th * cols.window + tw) * outChannels * groupStride + group * inChannels + ci;
            for (let co = 0; co < outChannels; co++, dst += groupStride) f[dst] = w[src + co]!;
          }
        }
      }
    }
  }
  return out;
}
