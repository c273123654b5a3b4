import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { ZeroPadShortcut } from "../../src/layers/zeroPadShortcut.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

describe("ZeroPadShortcut (option A)", () => {
  it("keeps every stride-th row and column and appends zero channels", async () => {
    const layer = new ZeroPadShortcut({ stride: 2, channels: 4 });
    await expectNoLeak(async () => {
      // x[n, i, j, c] = 100 i + 10 j + c, so each value says where it came from.
      const values: number[] = [];
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) for (let c = 0; c < 2; c++) values.push(100 * i + 10 * j + c);
      const x = tf.tensor4d(values, [1, 5, 5, 2]);
      const y = layer.apply(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 3, 3, 4]);
      const expected: number[] = [];
      for (const i of [0, 2, 4]) for (const j of [0, 2, 4]) expected.push(100 * i + 10 * j, 100 * i + 10 * j + 1, 0, 0);
      expect(Array.from(await y.data())).toEqual(expected);
      tf.dispose([x, y]);
    });
  });

  it("passes gradients back to the kept positions (option-A nets must train)", async () => {
    const layer = new ZeroPadShortcut({ stride: 2, channels: 3 });
    await expectNoLeak(async () => {
      const x = tf.ones([1, 3, 3, 1]);
      const weights = tf.tensor4d(Array.from({ length: 12 }, (_, i) => i + 1), [1, 2, 2, 3]);
      const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, weights)))(x);
      // d/dx of sum(w * y): output (i, j, channel 0) came from input (2i, 2j); padded channels get nothing.
      expect(Array.from(await grad.data())).toEqual([1, 0, 4, 0, 0, 0, 7, 0, 10]);
      tf.dispose([x, weights, grad]);
    });
  });

  it("computes the symbolic output shape, also for unknown sizes", () => {
    const layer = new ZeroPadShortcut({ stride: 2, channels: 128 });
    expect(layer.computeOutputShape([null, 57, 56, 64])).toEqual([null, 29, 28, 128]);
    expect(layer.computeOutputShape([null, null, null, 64])).toEqual([null, null, null, 128]);
    const symbolic = layer.apply(tfl.input({ shape: [56, 56, 64] })) as tfl.SymbolicTensor;
    expect(symbolic.shape).toEqual([null, 28, 28, 128]);
  });

  it("has no parameters", () => {
    const layer = new ZeroPadShortcut({ stride: 1, channels: 8 });
    layer.apply(tfl.input({ shape: [4, 4, 8] }));
    expect(layer.countParams()).toBe(0);
  });
});
