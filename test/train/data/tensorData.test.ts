import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { tensorData } from "../../../src/train/data/index.js";
import { expectNoLeak, useTestBackend } from "../../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

describe("tensorData", () => {
  it("returns the same tensors (no copies) for sparse and one-hot labels", async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([3, 4, 4, 1]) as tf.Tensor4D;
      const sparse = tf.tensor1d([0, 2, 1], "int32");
      const oneHot = tf.tidy(() => tf.cast(tf.oneHot(sparse, 3), "float32")) as tf.Tensor2D;
      const a = tensorData(x, sparse, { classes: 3 });
      const b = tensorData(x, oneHot, { classes: 3 });
      expect(a.x).toBe(x);
      expect(a.y).toBe(sparse);
      expect(b.y).toBe(oneHot);
      tf.dispose([x, sparse, oneHot]);
    });
  });

  it("rejects bad shapes, dtypes, lengths and labels, naming the argument and the value", () => {
    const x = tf.zeros([3, 4, 4, 1]) as tf.Tensor4D;
    const y = tf.tensor1d([0, 2, 1], "int32");
    expect(() => tensorData(tf.zeros([3, 4, 4]) as never, y)).toThrow(
      /^x must be a 4-D float32 tensor \[n, height, width, channels\]; got a float32 tensor of shape \[3,4,4\]$/,
    );
    expect(() => tensorData(tf.zeros([3, 4, 4, 1], "int32") as never, y)).toThrow(TypeError);
    expect(() => tensorData(x, tf.tensor1d([0, 1, 2], "bool") as never)).toThrow(
      /^y must be a tensor \[n\] of class indices \(int32 or float32\) or a float32 tensor \[n, classes\]; got a bool tensor of shape \[3\]$/,
    );
    expect(() => tensorData(x, tf.tensor1d([0, 1.5, 2], "float32"))).toThrow(/^y\[1\] must be a whole-number class index >= 0; got 1.5$/);
    expect(tensorData(x, tf.tensor1d([0, 1, 2], "float32")).y.dtype).toBe("float32");
    expect(() => tensorData(x, [0, 1, 2] as never)).toThrow(/^y must be .*; got \[0,1,2\]$/);
    expect(() => tensorData(x, tf.tensor1d([0, 1], "int32"))).toThrow(/^y must have as many examples as x \(3\); got shape \[2\]$/);
    expect(() => tensorData(x, y, { classes: 2 })).toThrow(/^y\[1\] must be a whole-number class index in \[0, 2\); got 2$/);
    expect(() => tensorData(x, tf.zeros([3, 4]) as tf.Tensor2D, { classes: 3 })).toThrow(/^y must have 3 columns \(classes\); got shape \[3,4\]$/);
    expect(() => tensorData(tf.zeros([0, 4, 4, 1]) as tf.Tensor4D, tf.tensor1d([], "int32"))).toThrow(RangeError);
    const gone = tf.zeros([3, 4, 4, 1]) as tf.Tensor4D;
    gone.dispose();
    expect(() => tensorData(gone, y)).toThrow(/^x must be a live tensor; got a float32 tensor of shape \[3,4,4,1\] \(disposed\)$/);
  });
});
