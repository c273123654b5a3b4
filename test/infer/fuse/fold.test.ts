import { describe, expect, it } from "vitest";
import { foldBatchNorm } from "../../../src/infer/fuse/fold.js";

describe("foldBatchNorm", () => {
  it("scales each output channel by gamma / sqrt(var + eps) and folds bias, mean and beta into one bias", () => {
    // A 1x1 kernel, 2 inputs, 2 outputs: [in0->out0, in0->out1, in1->out0, in1->out1].
    const kernel = [1, 2, 3, 4];
    const bn = { mean: [0.5, -1], variance: [3, 0.25], gamma: [2, -1], beta: [0.1, 0.2], epsilon: 1 };
    // Channel 0: s = 2 / sqrt(4) = 1; channel 1: s = -1 / sqrt(1.25).
    const s1 = -1 / Math.sqrt(1.25);
    const folded = foldBatchNorm(kernel, [1, 1], bn);
    expect([...folded.kernel]).toEqual([1, 2 * s1, 3, 4 * s1].map(Math.fround));
    // bias' = (b - mean) * s + beta
    expect([...folded.bias]).toEqual([(1 - 0.5) * 1 + 0.1, (1 + 1) * s1 + 0.2].map(Math.fround));
  });

  it("gives conv(x, w') + b' = batchNorm(conv(x, w) + b) on numbers worked by hand", () => {
    const kernel = [0.3, -1.2, 0.7, 2.5]; // [in, out] = [[0.3, -1.2], [0.7, 2.5]]
    const bias = [0.05, -0.4];
    const bn = { mean: [0.2, -0.3], variance: [1.7, 0.6], gamma: [1.3, 0.8], beta: [-0.5, 0.9], epsilon: 1e-3 };
    const x = [1.5, -2];
    const folded = foldBatchNorm(kernel, bias, bn);
    for (let out = 0; out < 2; out++) {
      const conv = x[0]! * kernel[out]! + x[1]! * kernel[2 + out]! + bias[out]!;
      const expected = ((conv - bn.mean[out]!) / Math.sqrt(bn.variance[out]! + bn.epsilon)) * bn.gamma[out]! + bn.beta[out]!;
      const actual = x[0]! * folded.kernel[out]! + x[1]! * folded.kernel[2 + out]! + folded.bias[out]!;
      expect(actual).toBeCloseTo(expected, 5);
    }
  });

  it("takes gamma as 1 and beta as 0 when the batch norm has no scale or center, and a missing bias as 0", () => {
    const folded = foldBatchNorm([2, 4], null, { mean: [1, 2], variance: [3, 15], epsilon: 1 });
    expect([...folded.kernel]).toEqual([1, 1]);
    expect([...folded.bias]).toEqual([-0.5, -0.5]);
  });

  it("rejects a kernel whose size is not a multiple of the channels", () => {
    expect(() => foldBatchNorm([1, 2, 3], null, { mean: [0, 0], variance: [1, 1], epsilon: 0 })).toThrow(RangeError);
  });
});
