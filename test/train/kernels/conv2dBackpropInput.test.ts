import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers"; // registers tfjs-core's gradient functions
import { beforeAll, describe, expect, it } from "vitest";
import { registerWasmTrainingKernels } from "../../../src/train/kernels/index.js";
import { useTestBackend } from "../../helpers/tf.js";
import { CONV_CASES, type ConvCase } from "./convCases.js";
import { dimension, inputGradient, randomValues, worstBoundRatio, type Reference } from "./reference.js";

// The Conv2DBackpropInput that replaceSlowKernels swaps in. Tolerance as for the filter
// gradient: within (K + 1) * 2^-24 * sum|terms| of the float64 sum (Higham eq. 3.5), and so
// within twice that of the cpu backend.

let original: tf.KernelConfig;
beforeAll(async () => {
  await useTestBackend("wasm");
  original = tf.getKernel(tf.Conv2DBackpropInput, "wasm");
  registerWasmTrainingKernels({ replaceSlowKernels: true });
});

async function inputGradientOn(
  backend: "cpu" | "wasm",
  c: Pick<ConvCase, "xShape" | "kernel" | "stride" | "outChannels" | "pad">,
  dy: Float32Array,
  dyShape: number[],
  filter: Float32Array,
  dataFormat: "NHWC" | "NCHW" = "NHWC",
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const dyt = tf.tensor(dy, dyShape);
  const inChannels = dataFormat === "NHWC" ? c.xShape[3] : c.xShape[1];
  const filtert = tf.tensor4d(filter, [c.kernel, c.kernel, inChannels, c.outChannels]);
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const dx = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dyt, filter: filtert }, {
    strides: c.stride,
    pad: c.pad,
    dataFormat,
    dimRoundingMode: "floor",
    inputShape: c.xShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
  expect(tf.memory().numTensors).toBe(tensors + 1);
  expect(tf.backend().numDataIds()).toBe(dataIds + 1);
  expect(dx.shape).toEqual(c.xShape);
  const values = (await dx.data()) as Float32Array;
  tf.dispose([dx, dyt, filtert]);
  expect(tf.backend().numDataIds()).toBe(dataIds - 2);
  return values;
}

describe("Conv2DBackpropInput on wasm (replaceSlowKernels)", () => {
  it("is this library's kernel, not the backend's", () => {
    expect(tf.getKernel(tf.Conv2DBackpropInput, "wasm")).not.toBe(original);
  });

  it.each(CONV_CASES.map((c) => [c.name, c] as const))("%s: equals the float64 sum and the cpu backend", async (_, c) => {
    const rows = dimension(c.xShape[1], c.kernel, c.stride, c.pad, 1);
    const cols = dimension(c.xShape[2], c.kernel, c.stride, c.pad, 2);
    const dyShape = [c.xShape[0], rows.out, cols.out, c.outChannels];
    const dy = randomValues(tf.util.sizeFromShape(dyShape), 11);
    const filter = randomValues(c.kernel * c.kernel * c.xShape[3] * c.outChannels, 12);
    const ref = inputGradient(dy, filter, c.xShape, c.kernel, c.outChannels, c.stride, c.pad);
    expect(Math.max(...ref.value.map(Math.abs))).toBeGreaterThan(0.1);

    const wasm = await inputGradientOn("wasm", c, dy, dyShape, filter);
    const cpu = await inputGradientOn("cpu", c, dy, dyShape, filter);
    expect(worstBoundRatio(wasm, ref)).toBeLessThanOrEqual(1);
    expect(worstBoundRatio(cpu, ref)).toBeLessThanOrEqual(1);
    const cpuAsRef: Reference = { ...ref, value: Float64Array.from(cpu) };
    expect(worstBoundRatio(wasm, cpuAsRef, 2)).toBeLessThanOrEqual(1);
  });

  it.each([
    ["stride 3, kernel 2 (phases without taps)", { xShape: [2, 10, 8, 3], kernel: 2, stride: 3, outChannels: 4, pad: "valid" }],
    ["stride 3, kernel 1, 'same'", { xShape: [2, 10, 8, 3], kernel: 1, stride: 3, outChannels: 4, pad: "same" }],
    ["padding wider than the kernel", { xShape: [2, 5, 5, 3], kernel: 1, stride: 2, outChannels: 4, pad: [[0, 0], [3, 2], [2, 3], [0, 0]] }],
  ] as [string, ConvCase][])("%s", async (_, c) => {
    const rows = dimension(c.xShape[1], c.kernel, c.stride, c.pad, 1);
    const cols = dimension(c.xShape[2], c.kernel, c.stride, c.pad, 2);
    const dyShape = [c.xShape[0], rows.out, cols.out, c.outChannels];
    const dy = randomValues(tf.util.sizeFromShape(dyShape), 13);
    const filter = randomValues(c.kernel * c.kernel * c.xShape[3] * c.outChannels, 14);
    const ref = inputGradient(dy, filter, c.xShape, c.kernel, c.outChannels, c.stride, c.pad);
    expect(worstBoundRatio(await inputGradientOn("wasm", c, dy, dyShape, filter), ref)).toBeLessThanOrEqual(1);
  });

  it("passes NCHW data to the backend's own kernel", async () => {
    const c = { xShape: [2, 3, 9, 7] as [number, number, number, number], kernel: 3, stride: 2, outChannels: 4, pad: "same" as const };
    const dy = randomValues(2 * 4 * 5 * 4, 15);
    const filter = randomValues(3 * 3 * 3 * 4, 16);
    const wasm = await inputGradientOn("wasm", c, dy, [2, 4, 5, 4], filter, "NCHW");
    const cpu = await inputGradientOn("cpu", c, dy, [2, 4, 5, 4], filter, "NCHW");
    // Same float32 sums in possibly different orders; 1e-5 relative is far above that and far below a wrong layout.
    const scale = Math.max(...cpu.map(Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    for (let i = 0; i < cpu.length; i++) expect(Math.abs(wasm[i]! - cpu[i]!)).toBeLessThanOrEqual(1e-5 * scale);
  });

  it("serves tf.grad of conv2d with respect to its input", async () => {
    await tf.setBackend("wasm");
    const xShape: [number, number, number, number] = [4, 13, 13, 5];
    const w = randomValues(3 * 3 * 5 * 6, 17);
    const g = randomValues(4 * 7 * 7 * 6, 18);
    const ref = inputGradient(g, w, xShape, 3, 6, 2, "same");
    const before = tf.memory().numTensors;
    const [xt, wt, gt] = [tf.zeros(xShape) as tf.Tensor4D, tf.tensor4d(w, [3, 3, 5, 6]), tf.tensor4d(g, [4, 7, 7, 6])];
    const dx = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, wt, 2, "same"), gt)))(xt);
    expect(worstBoundRatio((await dx.data()) as Float32Array, ref)).toBeLessThanOrEqual(1);
    tf.dispose([dx, xt, wt, gt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
