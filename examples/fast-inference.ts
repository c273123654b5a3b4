/**
 * Fast inference: `fuse(model)` on the WASM backend, then the same model on every core with
 * `createPool` (Node). Run with `npm run example:inference`, which on Node 20 turns on
 * WebAssembly relaxed SIMD (`node --experimental-wasm-relaxed-simd`; on by default from
 * Node 22) so that `fuse` can use resnet-blocks' own convolution kernel.
 */
import * as tf from "@tensorflow/tfjs-core";
import { fuse, resnet50, useBackend } from "resnet-blocks";
import { saveSafetensors } from "resnet-blocks/weights";
import { createPool } from "resnet-blocks/pool";

await useBackend("wasm");
const model = resnet50({ seed: 1 }); // random weights; load trained ones with resnet-blocks/weights
const fast = fuse(model, { warmUp: true }); // batch norm folded, conv + bias + ReLU fused
const plainKernels = fuse(model, { kernels: "tfjs", warmUp: true }); // the same on tfjs's kernels, for comparison
console.log(`fuse uses ${fast.kernels === "resnet-blocks" ? "resnet-blocks' relaxed-SIMD" : "tfjs's"} convolution kernels`);

const image = tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 7) as tf.Tensor4D;
for (const [name, run] of [
  ["model.predict", () => model.predict(image) as tf.Tensor],
  ["fuse, tfjs kernels", () => plainKernels.predict(image)],
  [`fuse, ${fast.kernels} kernels`, () => fast.predict(image)],
] as const) {
  run().dispose(); // warm-up
  const start = performance.now();
  const y = run();
  await y.data();
  console.log(`${name.padEnd(28)} batch 1: ${(performance.now() - start).toFixed(0)} ms`);
  y.dispose();
}

// The pool: one worker per core, each with its own WASM backend, all with these weights.
const weights = await saveSafetensors(model);
const pool = await createPool({ model: { depth: 50 }, weights });
const batch = new Float32Array(8 * 224 * 224 * 3).fill(0.5);
await pool.predict(batch, [8, 224, 224, 3]); // warm-up
const start = performance.now();
const probabilities = await pool.predict(batch, [8, 224, 224, 3]); // 8 x 1000 values
const seconds = (performance.now() - start) / 1000;
console.log(`pool of ${pool.workers} workers   batch 8: ${(8 / seconds).toFixed(1)} images/s (${probabilities.length / 1000} rows of 1000)`);
await pool.close();

tf.dispose([image]);
fast.dispose();
plainKernels.dispose();
model.dispose();
