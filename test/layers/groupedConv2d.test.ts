import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { GroupedConv2D, registerGroupedConv2D } from "../../src/layers/groupedConv2d.js";
import { relativeError } from "../helpers/relativeError.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

/**
 * PyTorch's definition of a grouped convolution, in float64 loops over NHWC data: output
 * channel o of group g = floor(o / (cout / groups)) sums over the input channels of group g
 * only, the kernel indexed [ky][kx][c - g * cin/groups][o].
 */
function reference(
  x: Float32Array, [n, h, w, cin]: number[], kernel: Float32Array, [k, , cinPerGroup, cout]: number[],
  { groups, stride, pad, bias }: { groups: number; stride: number; pad: number; bias: Float32Array | null },
): { values: Float64Array; shape: number[] } {
  const oh = Math.floor((h! + 2 * pad - k!) / stride) + 1;
  const ow = Math.floor((w! + 2 * pad - k!) / stride) + 1;
  const out = new Float64Array(n! * oh * ow * cout!);
  const coutPerGroup = cout! / groups;
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let o = 0; o < cout!; o++) {
          const g = Math.floor(o / coutPerGroup);
          let sum = bias ? bias[o]! : 0;
          for (let ky = 0; ky < k!; ky++)
            for (let kx = 0; kx < k!; kx++) {
              const iy = y * stride + ky - pad;
              const ix = xx * stride + kx - pad;
              if (iy < 0 || ix < 0 || iy >= h! || ix >= w!) continue;
              for (let c = 0; c < cinPerGroup!; c++) {
                const ci = g * cinPerGroup! + c;
                sum += x[((b * h! + iy) * w! + ix) * cin! + ci]! * kernel[((ky * k! + kx) * cinPerGroup! + c) * cout! + o]!;
              }
            }
          out[((b * oh + y) * ow + xx) * cout! + o] = sum;
        }
  return { values: out, shape: [n!, oh, ow, cout!] };
}

describe("GroupedConv2D", () => {
  it.each([
    { groups: 4, kernel: 3, stride: 1, padding: "same" as const, cin: 8, cout: 12, size: [7, 6], useBias: true },
    { groups: 32, kernel: 3, stride: 2, padding: "valid" as const, cin: 64, cout: 64, size: [9, 9], useBias: false },
    { groups: 2, kernel: 1, stride: 2, padding: "valid" as const, cin: 6, cout: 4, size: [5, 8], useBias: true },
  ])("computes PyTorch's grouped convolution: $groups groups, $kernel x $kernel, stride $stride, $padding", async (c) => {
    const layer = new GroupedConv2D({ filters: c.cout, kernelSize: c.kernel, strides: c.stride, padding: c.padding, groups: c.groups, useBias: c.useBias });
    const input = tfl.input({ shape: [c.size[0]!, c.size[1]!, c.cin] });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const kernelShape = [c.kernel, c.kernel, c.cin / c.groups, c.cout];
    expect(layer.getWeights()[0]!.shape).toEqual(kernelShape);
    const kernel = tf.randomNormal(kernelShape, 0, 1, "float32", 1);
    const bias = tf.randomNormal([c.cout], 0, 1, "float32", 2);
    layer.setWeights(c.useBias ? [kernel, bias] : [kernel]);
    const xShape = [2, c.size[0]!, c.size[1]!, c.cin];
    const x = tf.randomNormal(xShape, 0, 1, "float32", 3);
    await expectNoLeak(async () => {
      const y = model.predict(x) as tf.Tensor;
      // 'same' at stride 1 with an odd kernel pads k/2 on every side.
      const pad = c.padding === "same" ? Math.floor(c.kernel / 2) : 0;
      const expected = reference(x.dataSync() as Float32Array, xShape, kernel.dataSync() as Float32Array, kernelShape, {
        groups: c.groups, stride: c.stride, pad, bias: c.useBias ? (bias.dataSync() as Float32Array) : null,
      });
      expect(y.shape).toEqual(expected.shape);
      expect(relativeError(await y.data(), expected.values)).toBeLessThan(1e-5);
      y.dispose();
    });
    tf.dispose([kernel, bias, x]);
    model.dispose();
  });

  it("round-trips through model JSON (registered as resnet-blocks>GroupedConv2D) and keeps its initializer", async () => {
    registerGroupedConv2D();
    const input = tfl.input({ shape: [8, 8, 16] });
    const layer = new GroupedConv2D({ filters: 16, kernelSize: 3, padding: "same", groups: 4, kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const json = model.toJSON(null, false) as unknown as tf.serialization.ConfigDict;
    const copy = await tfl.models.modelFromJSON({ modelTopology: json });
    const copied = copy.layers[1] as GroupedConv2D;
    expect(copied.getClassName()).toBe("GroupedConv2D");
    expect(copied.getConfig()).toMatchObject({ groups: 4, filters: 16, kernelSize: [3, 3], strides: [1, 1], padding: "same", useBias: true });
    expect((copied.getConfig().kernelInitializer as { config: { scale: number; mode: string } }).config).toMatchObject({ scale: 2, mode: "fanIn" });
    copy.setWeights(model.getWeights());
    const x = tf.randomNormal([1, 8, 8, 16], 0, 1, "float32", 5);
    const [a, b] = [model.predict(x) as tf.Tensor, copy.predict(x) as tf.Tensor];
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    tf.dispose([x, a, b]);
    model.dispose();
    copy.dispose();
  });

  it("trains: gradients reach every group's kernel", () => {
    const input = tfl.input({ shape: [6, 6, 8] });
    const layer = new GroupedConv2D({ filters: 8, kernelSize: 3, padding: "same", groups: 4 });
    const model = tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
    const x = tf.randomNormal([2, 6, 6, 8], 0, 1, "float32", 6);
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar);
    const kernelGrad = Object.entries(grads).find(([name]) => name.includes("kernel"))![1];
    const perGroup = tf.tidy(() => tf.split(tf.abs(kernelGrad), 4, 3).map((g) => tf.sum(g).dataSync()[0]!));
    expect(perGroup.every((sum) => sum > 0)).toBe(true);
    tf.dispose([x, ...Object.values(grads)]);
    model.dispose();
  });

  it("refuses channels that groups do not divide, naming them", () => {
    expect(() => new GroupedConv2D({ filters: 10, kernelSize: 3, groups: 4 })).toThrow(/^GroupedConv2D: filters \(10\) must be a multiple of groups \(4\)$/);
    const layer = new GroupedConv2D({ filters: 8, kernelSize: 3, groups: 4, name: "g" });
    expect(() => layer.apply(tfl.input({ shape: [8, 8, 6] }))).toThrow(/^GroupedConv2D g: input channels \(6\) must be a multiple of groups \(4\)$/);
    expect(() => new GroupedConv2D({ filters: 8, kernelSize: [3, 5], groups: 4 })).toThrow(/kernelSize must be a number or a pair of equal numbers/);
  });
});
