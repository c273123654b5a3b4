import "../../src/backend/modules/wasm-threads.js";
import * as tf from "@tensorflow/tfjs-core";
import { expect, it } from "vitest";
import { useBackend } from "../../src/backend/index.js";

tf.env().set("IS_TEST", true);

async function valuesOf(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

// Own file: the WASM backend starts once per process.
it("runs the WASM backend on the threads asked for in Node once resnet-blocks/backends/wasm-threads is imported", async () => {
  const report = await useBackend("wasm", { threads: 2 });
  expect(report).toEqual({
    name: "wasm",
    simd: true,
    threads: 2,
    tried: [{ name: "wasm", ok: true, reason: "WASM SIMD, 2 threads" }],
  });
  // It computes, with the result of the cpu backend (threads split outputs, not sums).
  const x = tf.tidy(() => tf.randomUniform([1, 17, 17, 8], -1, 1, "float32", 3)) as tf.Tensor4D;
  const w = tf.tidy(() => tf.randomUniform([3, 3, 8, 16], -1, 1, "float32", 4)) as tf.Tensor4D;
  const onWasm = await valuesOf(tf.tidy(() => tf.conv2d(x, w, 2, "same")));
  const [xs, ws] = [await x.data(), await w.data()];
  tf.dispose([x, w]);

  // A second call keeps the running backend and says so when a different count is asked for.
  const again = await useBackend("wasm", { threads: 3 });
  expect(again.threads).toBe(2);
  expect(again.tried[0]!.reason).toMatch(/3 requested, but the backend was already running/);

  await useBackend("cpu");
  const onCpu = await valuesOf(tf.tidy(() => tf.conv2d(tf.tensor4d(xs, [1, 17, 17, 8]), tf.tensor4d(ws, [3, 3, 8, 16]), 2, "same")));
  expect(onWasm.length).toBe(onCpu.length);
  for (let i = 0; i < onCpu.length; i++) expect(Math.abs(onWasm[i]! - onCpu[i]!)).toBeLessThan(1e-5);
  expect(tf.memory().numTensors).toBe(0);
});
