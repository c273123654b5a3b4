import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers"; // registers tfjs-core's gradient functions
import { describe, expect, it } from "vitest";
import { registerWasmTrainingKernels, REPLACEABLE_WASM_KERNELS } from "../../../src/train/kernels/index.js";
import { useTestBackend } from "../../helpers/tf.js";

/** A Conv2DBackpropFilter as a later tfjs might ship it: only its identity matters here. */
function shippedStandIn(): tf.KernelConfig {
  return { kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: () => ({ dataId: {}, shape: [], dtype: "float32" }) };
}

describe("registerWasmTrainingKernels after the WASM backend started", () => {
  it("keeps a Conv2DBackpropFilter the backend already has (as a future tfjs would ship)", async () => {
    await useTestBackend("wasm");
    const shipped = shippedStandIn();
    tf.registerKernel(shipped);
    registerWasmTrainingKernels();
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBe(shipped);
    tf.unregisterKernel("Conv2DBackpropFilter", "wasm");
  });

  it("registers the missing kernel on the running backend, where a gradient then runs", async () => {
    registerWasmTrainingKernels();
    const dw = tf.tidy(() => {
      const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
      return tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, "valid")))(tf.zeros([3, 3, 1, 1]) as tf.Tensor4D);
    });
    // d/dw of the sum of a 'valid' 3x3 convolution over 4x4 ones: each tap sees 2 x 2 ones.
    expect(Array.from(await dw.data())).toEqual(new Array(9).fill(4));
    dw.dispose();
  });

  it("replaces the slow kernels on the running backend", () => {
    const before = REPLACEABLE_WASM_KERNELS.map((name) => tf.getKernel(name, "wasm"));
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    REPLACEABLE_WASM_KERNELS.forEach((name, i) => expect(tf.getKernel(name, "wasm")).not.toBe(before[i]));
    const tiled = tf.tidy(() => tf.tile(tf.tensor1d([1, 2]), [3]).arraySync());
    expect(tiled).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it("leaves a shipped Conv2DBackpropFilter alone when replacing the slow kernels too", () => {
    tf.unregisterKernel("Conv2DBackpropFilter", "wasm"); // this library's, from the test above
    const shipped = shippedStandIn();
    tf.registerKernel(shipped);
    registerWasmTrainingKernels({ replaceSlowKernels: true });
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBe(shipped);
  });
});
