import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { fastConv2d, type FastConvGeometry } from "../../../src/infer/fastConv/convKernel.js";
import { fastConvUnavailableReason } from "../../../src/infer/fastConv/availability.js";
import { packConvWeights } from "../../../src/infer/fastConv/packWeights.js";
import { useTestBackend } from "../../helpers/tf.js";

/** A seeded uniform generator in [-1, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

interface Case {
  name: string;
  batch: number;
  height: number;
  width: number;
  channels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number]; // top, bottom, left, right
  residual: boolean;
  relu: boolean;
  /** Groups (PyTorch's `groups`): output channel n reads only the input channels of its group. Default 1. */
  groups?: number;
}

/**
 * The convolution in float64 straight from its definition, with the sum of |terms| per
 * output for the float32 error bound.
 */
function reference(c: Case, x: Float32Array, filter: Float32Array, bias: Float32Array, residual: Float32Array | null) {
  const [kh, kw] = c.kernel;
  const outHeight = Math.floor((c.height + c.pads[0] + c.pads[1] - kh) / c.strides[0]) + 1;
  const outWidth = Math.floor((c.width + c.pads[2] + c.pads[3] - kw) / c.strides[1]) + 1;
  const size = c.batch * outHeight * outWidth * c.outChannels;
  const values = new Float64Array(size);
  const magnitudes = new Float64Array(size);
  for (let b = 0; b < c.batch; b++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++)
        for (let n = 0; n < c.outChannels; n++) {
          const o = ((b * outHeight + oy) * outWidth + ox) * c.outChannels + n;
          let sum = bias[n]!;
          let magnitude = Math.abs(sum);
          const perGroup = c.channels / (c.groups ?? 1);
          const group = Math.floor(n / (c.outChannels / (c.groups ?? 1)));
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * c.strides[0] + ky - c.pads[0];
              const ix = ox * c.strides[1] + kx - c.pads[2];
              if (iy < 0 || iy >= c.height || ix < 0 || ix >= c.width) continue;
              for (let k = 0; k < perGroup; k++) {
                const ch = group * perGroup + k;
                const term = x[((b * c.height + iy) * c.width + ix) * c.channels + ch]! * filter[((ky * kw + kx) * perGroup + k) * c.outChannels + n]!;
                sum += term;
                magnitude += Math.abs(term);
              }
            }
          if (residual) {
            sum += residual[o]!;
            magnitude += Math.abs(residual[o]!);
          }
          values[o] = c.relu ? Math.max(sum, 0) : sum;
          magnitudes[o] = magnitude;
        }
  return { values, magnitudes, outHeight, outWidth };
}

const CASES: Case[] = [
  { name: "1x1, stride 1, residual and ReLU (a bottleneck's last layer)", batch: 1, height: 9, width: 7, channels: 16, outChannels: 24, kernel: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], residual: true, relu: true },
  { name: "1x1, stride 2 (a projection shortcut), no ReLU", batch: 2, height: 11, width: 10, channels: 12, outChannels: 16, kernel: [1, 1], strides: [2, 2], pads: [0, 0, 0, 0], residual: false, relu: false },
  { name: "3x3, stride 1, same padding, many blocks of tiles", batch: 1, height: 15, width: 15, channels: 64, outChannels: 8, kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], residual: false, relu: true },
  { name: "3x3, stride 2, pads 0 top/left and 1 bottom/right (tfjs 'same' on even sizes)", batch: 3, height: 8, width: 6, channels: 5, outChannels: 16, kernel: [3, 3], strides: [2, 2], pads: [0, 1, 0, 1], residual: false, relu: true },
  { name: "7x7, stride 2, pad 3 (the stem), 3 channels", batch: 1, height: 20, width: 18, channels: 3, outChannels: 8, kernel: [7, 7], strides: [2, 2], pads: [3, 3, 3, 3], residual: false, relu: true },
  { name: "3x1 kernel, strides 1x2, asymmetric pads, residual without ReLU", batch: 2, height: 5, width: 9, channels: 7, outChannels: 8, kernel: [3, 1], strides: [1, 2], pads: [2, 0, 0, 1], residual: true, relu: false },
  { name: "3x3 in 4 groups of 8 channels, stride 1, pad 1", batch: 1, height: 9, width: 8, channels: 32, outChannels: 32, kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], residual: false, relu: true, groups: 4 },
  { name: "3x3 in 2 groups, 8 in and 16 out each, stride 2, residual and ReLU", batch: 2, height: 7, width: 7, channels: 16, outChannels: 32, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], residual: true, relu: true, groups: 2 },
  { name: "ResNeXt's 3x3: 32 groups of 8 channels, stride 2, 3 input channels per group not a multiple of 4", batch: 1, height: 6, width: 5, channels: 96, outChannels: 256, kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], residual: false, relu: true, groups: 32 },
];

beforeAll(() => useTestBackend("wasm"));

describe("resnet-blocks' WASM convolution kernel", () => {
  it("can run here (these tests run Node with WebAssembly relaxed SIMD)", () => {
    expect(fastConvUnavailableReason()).toBeNull();
  });

  it.each(CASES)("$name: equals the float64 definition within float32 summation error", async (c) => {
    const next = random(c.height * 31 + c.channels);
    const [kh, kw] = c.kernel;
    const x = Float32Array.from({ length: c.batch * c.height * c.width * c.channels }, next);
    const filter = Float32Array.from({ length: (kh * kw * c.channels * c.outChannels) / (c.groups ?? 1) }, next);
    const bias = Float32Array.from({ length: c.outChannels }, next);
    const outHeight = Math.floor((c.height + c.pads[0] + c.pads[1] - kh) / c.strides[0]) + 1;
    const outWidth = Math.floor((c.width + c.pads[2] + c.pads[3] - kw) / c.strides[1]) + 1;
    const residual = c.residual ? Float32Array.from({ length: c.batch * outHeight * outWidth * c.outChannels }, next) : null;
    const expected = reference(c, x, filter, bias, residual);

    const before = tf.memory().numTensors;
    const xTensor = tf.tensor4d(x, [c.batch, c.height, c.width, c.channels]);
    const weights = tf.tensor1d(packConvWeights(filter, c.outChannels, bias));
    const residualTensor = residual ? tf.tensor4d(residual, [c.batch, outHeight, outWidth, c.outChannels]) : null;
    const geometry: FastConvGeometry = {
      kernelH: kh, kernelW: kw, strideH: c.strides[0], strideW: c.strides[1], padTop: c.pads[0], padLeft: c.pads[2],
      outHeight, outWidth, outChannels: c.outChannels, relu: c.relu, groups: c.groups ?? 1,
    };
    const out = fastConv2d(xTensor, weights, geometry, residualTensor);
    expect(out.shape).toEqual([c.batch, outHeight, outWidth, c.outChannels]);
    const actual = await out.data();
    const depth = (kh * kw * c.channels) / (c.groups ?? 1) + 2;
    let worst = 0;
    for (let i = 0; i < actual.length; i++) {
      // Each of the `depth` float32 roundings errs by at most 2^-24 of a partial sum <= the sum of |terms|.
      const bound = depth * 2 ** -24 * expected.magnitudes[i]! + 1e-30;
      worst = Math.max(worst, Math.abs(actual[i]! - expected.values[i]!) / bound);
    }
    expect(worst).toBeLessThanOrEqual(1);
    // Not all zeros: the comparison has something to compare.
    expect(Math.max(...Array.from(actual, Math.abs))).toBeGreaterThan(0.1);
    tf.dispose([xTensor, weights, out, ...(residualTensor ? [residualTensor] : [])]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("leaves no tensor and no heap growth behind over repeated calls", () => {
    const x = tf.randomUniform([1, 14, 14, 32], -1, 1, "float32", 3) as tf.Tensor4D;
    const weights = tf.tensor1d(packConvWeights(new Float32Array(9 * 32 * 16).fill(0.01), 16, null));
    const geometry: FastConvGeometry = { kernelH: 3, kernelW: 3, strideH: 1, strideW: 1, padTop: 1, padLeft: 1, outHeight: 14, outWidth: 14, outChannels: 16, relu: true };
    fastConv2d(x, weights, geometry, null).dispose();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 100; i++) fastConv2d(x, weights, geometry, null).dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    expect((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length).toBe(heap);
    tf.dispose([x, weights]);
  });
});
