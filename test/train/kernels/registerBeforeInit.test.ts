import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers"; // registers tfjs-core's gradient functions
import { describe, expect, it } from "vitest";
import { MISSING_WASM_KERNELS, REPLACEABLE_WASM_KERNELS, registerWasmTrainingKernels } from "../../../src/train/kernels/index.js";
import { useTestBackend } from "../../helpers/tf.js";

// One process per test file (vitest forks): here the registrations happen before the WASM
// backend starts, in the order the tests are written.

describe("registerWasmTrainingKernels before the WASM backend starts", () => {
  const builtIn = Object.fromEntries(REPLACEABLE_WASM_KERNELS.map((name) => [name, tf.getKernel(name, "wasm")]));

  it("starts from tfjs 4.22 lacking exactly Conv2DBackpropFilter among the training kernels", () => {
    expect(tf.findBackend("wasm")).toBeNull(); // not initialised yet
    expect(MISSING_WASM_KERNELS).toEqual(["Conv2DBackpropFilter"]);
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeUndefined();
    for (const name of REPLACEABLE_WASM_KERNELS) expect(builtIn[name]).toBeDefined();
  });

  it("registers the missing kernel, replaces nothing by default, and is idempotent", () => {
    registerWasmTrainingKernels();
    const registered = tf.getKernel("Conv2DBackpropFilter", "wasm");
    expect(registered).toBeDefined();
    registerWasmTrainingKernels();
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBe(registered);
    for (const name of REPLACEABLE_WASM_KERNELS) expect(tf.getKernel(name, "wasm")).toBe(builtIn[name]);
  });

  it("replaces the slow kernels on request, once, and keeps them on later calls", () => {
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    const replaced = Object.fromEntries(REPLACEABLE_WASM_KERNELS.map((name) => [name, tf.getKernel(name, "wasm")]));
    for (const name of REPLACEABLE_WASM_KERNELS) {
      expect(replaced[name]).not.toBe(builtIn[name]);
      // The backend's setup must still run at start-up: the replacement falls back on the original.
      expect(replaced[name]!.setupFunc).toBe(builtIn[name]!.setupFunc);
    }
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    registerWasmTrainingKernels();
    for (const name of REPLACEABLE_WASM_KERNELS) expect(tf.getKernel(name, "wasm")).toBe(replaced[name]);
  });

  it("then trains a convolution on the started backend, falling back to the original kernel for NCHW", async () => {
    await useTestBackend("wasm");
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([2, 6, 6, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, "float32", 2) as tf.Tensor4D;
    const [dx, dw] = tf.tidy(() => {
      const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, b, 1, "same")));
      return tf.grads(f as (...args: tf.Tensor[]) => tf.Tensor)([x, w]);
    });
    // NCHW input gradient: the replacement hands it to the backend's own (set-up) kernel.
    const y = tf.conv2d(x, w, 1, "same");
    const yNCHW = tf.transpose(y, [0, 3, 1, 2]);
    const dxNCHW = tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: yNCHW, filter: w }, {
      strides: 1,
      pad: "same",
      dataFormat: "NCHW",
      inputShape: [2, 3, 6, 6],
    } as unknown as tf.NamedAttrMap) as tf.Tensor;
    // d/dx of sum(y^2) is the input gradient of 2y: twice the NCHW result, transposed, is dx.
    const error = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.mul(tf.transpose(dxNCHW, [0, 2, 3, 1]), 2), dx!))).dataSync()[0]!);
    const scale = tf.tidy(() => tf.max(tf.abs(dx!)).dataSync()[0]!);
    expect(scale).toBeGreaterThan(0);
    expect(error).toBeLessThanOrEqual(1e-5 * scale); // same sums in another order; a wrong layout is off by O(scale)
    expect(dw!.shape).toEqual([3, 3, 3, 4]);
    tf.dispose([x, w, dx!, dw!, y, yNCHW, dxNCHW]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects options it does not know, naming them", () => {
    expect(() => registerWasmTrainingKernels({ replaceSlow: true } as never)).toThrow(
      new TypeError("options.replaceSlow is not an option of registerWasmTrainingKernels; accepted: replaceSlowKernels"),
    );
    expect(() => registerWasmTrainingKernels({ replaceSlowKernels: "yes" } as never)).toThrow(
      new TypeError('replaceSlowKernels must be true or false; got "yes"'),
    );
    expect(() => registerWasmTrainingKernels(null as never)).toThrow(TypeError);
  });
});
