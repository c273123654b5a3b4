import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers"; // registers tfjs-core's gradient functions
import { beforeAll, describe, expect, it } from "vitest";
import { registerWasmTrainingKernels } from "../../../src/train/kernels/index.js";
import { useTestBackend } from "../../helpers/tf.js";
import { CONV_CASES, type ConvCase } from "./convCases.js";
import { dimension, filterGradient, randomValues, worstBoundRatio, type Reference } from "./reference.js";

// Tolerance: the float64 brute-force sum is exact to ~1e-16; a float32 result of K products,
// summed in any order, is within (K + 1) * 2^-24 * sum|terms| of it (worstBoundRatio <= 1).
// Two float32 results (wasm, cpu) are then within twice that of each other.

beforeAll(async () => {
  await useTestBackend("wasm"); // IS_TEST: the engine also checks every kernel for leaked data ids
  registerWasmTrainingKernels();
});

/** Runs Conv2DBackpropFilter on `backend`, checking it adds exactly its output (tensors and data ids). */
async function filterGradientOn(
  backend: "cpu" | "wasm",
  c: ConvCase,
  x: Float32Array,
  dy: Float32Array,
  dyShape: number[],
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const xt = tf.tensor4d(x, c.xShape);
  const dyt = tf.tensor(dy, dyShape);
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const dw = tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: xt, dy: dyt }, {
    strides: c.stride,
    pad: c.pad,
    dataFormat: "NHWC",
    dimRoundingMode: "floor",
    filterShape: [c.kernel, c.kernel, c.xShape[3], c.outChannels],
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  expect(tf.memory().numTensors).toBe(tensors + 1);
  expect(tf.backend().numDataIds()).toBe(dataIds + 1);
  expect(dw.shape).toEqual([c.kernel, c.kernel, c.xShape[3], c.outChannels]);
  const values = (await dw.data()) as Float32Array;
  tf.dispose([dw, xt, dyt]);
  expect(tf.backend().numDataIds()).toBe(dataIds - 2);
  return values;
}

describe("Conv2DBackpropFilter on wasm", () => {
  it.each(CONV_CASES.map((c) => [c.name, c] as const))("%s: equals the float64 sum and the cpu backend", async (_, c) => {
    const rows = dimension(c.xShape[1], c.kernel, c.stride, c.pad, 1);
    const cols = dimension(c.xShape[2], c.kernel, c.stride, c.pad, 2);
    const dyShape = [c.xShape[0], rows.out, cols.out, c.outChannels];
    const x = randomValues(tf.util.sizeFromShape(c.xShape), 1);
    const dy = randomValues(tf.util.sizeFromShape(dyShape), 2);
    const ref = filterGradient(x, c.xShape, dy, c.kernel, c.outChannels, c.stride, c.pad);
    expect(Math.max(...ref.value.map(Math.abs))).toBeGreaterThan(0.1); // a gradient worth comparing

    const wasm = await filterGradientOn("wasm", c, x, dy, dyShape);
    const cpu = await filterGradientOn("cpu", c, x, dy, dyShape);
    expect(worstBoundRatio(wasm, ref)).toBeLessThanOrEqual(1);
    expect(worstBoundRatio(cpu, ref)).toBeLessThanOrEqual(1);
    const cpuAsRef: Reference = { ...ref, value: Float64Array.from(cpu) };
    expect(worstBoundRatio(wasm, cpuAsRef, 2)).toBeLessThanOrEqual(1);
  });

  it("takes NCHW data (transposed to NHWC) and equals the cpu backend", async () => {
    const c: ConvCase = { name: "nchw", xShape: [2, 9, 7, 3], kernel: 3, stride: 2, outChannels: 4, pad: "same" };
    const x = randomValues(2 * 9 * 7 * 3, 3);
    const dy = randomValues(2 * 5 * 4 * 4, 4);
    const ref = filterGradient(x, c.xShape, dy, 3, 4, 2, "same");
    const toNCHW = (values: Float32Array, shape: [number, number, number, number]) =>
      tf.tidy(() => tf.transpose(tf.tensor4d(values, shape), [0, 3, 1, 2]).dataSync() as Float32Array);
    await tf.setBackend("cpu");
    const xNCHW = toNCHW(x, c.xShape);
    const dyNCHW = toNCHW(dy, [2, 5, 4, 4]);
    await tf.setBackend("wasm");
    const dw = tf.tidy(() =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor4d(xNCHW, [2, 3, 9, 7]), dy: tf.tensor4d(dyNCHW, [2, 4, 5, 4]) }, {
        strides: 2,
        pad: "same",
        dataFormat: "NCHW",
        filterShape: [3, 3, 3, 4],
      } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    expect(worstBoundRatio((await dw.data()) as Float32Array, ref)).toBeLessThanOrEqual(1);
    dw.dispose();
  });

  it("serves tf.grad of conv2d with respect to the filter (the path training takes)", async () => {
    await tf.setBackend("wasm");
    const xShape: [number, number, number, number] = [4, 13, 13, 5];
    const x = randomValues(tf.util.sizeFromShape(xShape), 5);
    const w = randomValues(3 * 3 * 5 * 6, 6);
    const g = randomValues(4 * 7 * 7 * 6, 7); // d(loss)/d(output) of sum(conv * g)
    const ref = filterGradient(x, xShape, g, 3, 6, 2, "same");
    const before = tf.memory().numTensors;
    const [xt, wt, gt] = [tf.tensor4d(x, xShape), tf.tensor4d(w, [3, 3, 5, 6]), tf.tensor4d(g, [4, 7, 7, 6])];
    const dw = tf.grad((filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, filter as tf.Tensor4D, 2, "same"), gt)))(wt);
    expect(worstBoundRatio((await dw.data()) as Float32Array, ref)).toBeLessThanOrEqual(1);
    tf.dispose([dw, xt, wt, gt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
