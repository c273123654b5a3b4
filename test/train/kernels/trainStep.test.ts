import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { basicBlock, bottleneckBlock } from "../../../src/blocks/blocks.js";
import { registerWasmTrainingKernels } from "../../../src/train/kernels/index.js";
import { perturbWeights, useTestBackend } from "../../helpers/tf.js";

// One SGD-with-momentum step of two small ResNets on wasm against the same step on the cpu
// backend, first with the missing kernels only, then with the slow kernels replaced.
//
// Tolerance: per variable, max |update_wasm - update_cpu| <= 1e-3 * max |update_cpu|. Both
// backends round every one of the step's ~100 kernels to float32 (relative 6e-8) but sum in
// different orders over up to a few thousand terms, and batch norm's backward pass divides by
// the batch's standard deviation, which amplifies such differences; the largest seen here is
// about 3e-5 (and 1.6e-4 for a ResNet-18 at 32x32, too slow on cpu for this test). A wrong
// kernel (a shifted tap, a transposed filter, a missing phase) changes updates by O(1).
const TOLERANCE = 1e-3;

type Net = { name: string; build: () => tfl.LayersModel; inputShape: [number, number, number]; batch: number };

const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor) => layer.apply(x) as tfl.SymbolicTensor;

/** Convolution, batch norm and ReLU without bias, named like the library's stem. */
function stem(x: tfl.SymbolicTensor, kernelSize: number, strides: number, padding: "same" | "valid"): tfl.SymbolicTensor {
  const kernelInitializer = tfl.initializers.heNormal({ seed: 1 });
  x = apply(tfl.layers.conv2d({ name: "conv1_conv", filters: 8, kernelSize, strides, padding, useBias: false, kernelInitializer }), x);
  x = apply(tfl.layers.batchNormalization({ name: "conv1_bn", epsilon: 1e-5, momentum: 0.9 }), x);
  return apply(tfl.layers.reLU({ name: "conv1_relu" }), x);
}

/** Global average pooling and a 10-way dense softmax. */
function top(x: tfl.SymbolicTensor): tfl.SymbolicTensor {
  x = apply(tfl.layers.globalAveragePooling2d({ name: "avg_pool" }), x);
  const kernelInitializer = tfl.initializers.glorotUniform({ seed: 9 });
  return apply(tfl.layers.dense({ name: "predictions", units: 10, activation: "softmax", kernelInitializer }), x);
}

/** CIFAR-style: 3x3 stem, basic blocks with shortcuts A and B (stride 2), odd input size. */
function cifarStyle(): tfl.LayersModel {
  const input = tfl.input({ shape: [15, 15, 3] });
  let x = stem(input, 3, 1, "same");
  x = basicBlock(x, { filters: 8, seed: 2, name: "b1" });
  x = basicBlock(x, { filters: 16, stride: 2, shortcut: "A", seed: 3, name: "b2" });
  x = basicBlock(x, { filters: 24, stride: 2, shortcut: "B", seed: 4, name: "b3" });
  return tfl.model({ inputs: input, outputs: top(x) });
}

/** Table-1 style: padded 7x7/2 stem, padded 3x3/2 max pool, bottleneck blocks (1x1/2 projection). */
function table1Style(): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  let x = apply(tfl.layers.zeroPadding2d({ name: "conv1_pad", padding: [[3, 3], [3, 3]] }), input);
  x = stem(x, 7, 2, "valid");
  x = apply(tfl.layers.zeroPadding2d({ name: "pool1_pad", padding: [[1, 1], [1, 1]] }), x);
  x = apply(tfl.layers.maxPooling2d({ name: "pool1_pool", poolSize: 3, strides: 2, padding: "valid" }), x);
  x = bottleneckBlock(x, { filters: 4, seed: 2, name: "c2" });
  x = bottleneckBlock(x, { filters: 8, stride: 2, seed: 3, name: "c3" });
  return tfl.model({ inputs: input, outputs: top(x) });
}

const NETS: Net[] = [
  { name: "CIFAR-style net (basic blocks, shortcuts A and B)", build: cifarStyle, inputShape: [15, 15, 3], batch: 4 },
  { name: "Table-1-style net (7x7/2 stem, max pool, bottlenecks)", build: table1Style, inputShape: [32, 32, 3], batch: 2 },
];

interface StepResult {
  names: string[];
  updates: Float32Array[];
  loss: number;
  /** Tensors and backend data ids left behind by building, stepping and disposing the model. */
  leftTensors: number;
  leftDataIds: number;
}

/** One trainOnBatch step on the current backend from `initial` weights; returns every weight's change. */
async function step(net: Net, initial: Float32Array[] | null, seed: number): Promise<{ initial: Float32Array[]; result: StepResult }> {
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const model = net.build();
  if (initial) {
    const values = model.getWeights().map((w, i) => tf.tensor(initial[i]!, w.shape));
    model.setWeights(values);
    tf.dispose(values);
  } else {
    perturbWeights(model, seed); // batch-norm gamma/beta away from 1/0, so their gradients matter
  }
  const start = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: "categoricalCrossentropy" });
  const images = tf.randomUniform([net.batch, ...net.inputShape], 0, 1, "float32", seed);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: net.batch }, (_, i) => (3 * i + 1) % 10), "int32"), 10));
  const loss = (await model.trainOnBatch(images, labels)) as number;
  const updates = model.getWeights().map((w, i) => {
    const after = w.dataSync() as Float32Array;
    return after.map((v, j) => v - start[i]![j]!) as Float32Array;
  });
  const names = model.weights.map((w) => w.originalName); // without the suffixes that keep names unique per process
  tf.dispose([images, labels]);
  model.dispose();
  model.optimizer.dispose(); // passed in, so not owned (nor disposed) by the model; holds the momenta
  const leftTensors = tf.memory().numTensors - tensors;
  const leftDataIds = tf.backend().numDataIds() - dataIds;
  return { initial: start, result: { names, updates, loss, leftTensors, leftDataIds } };
}

function worstRelativeDifference(wasm: StepResult, cpu: StepResult): { worst: number; name: string } {
  let worst = 0;
  let name = "";
  cpu.updates.forEach((ref, i) => {
    const got = wasm.updates[i]!;
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < ref.length; j++) {
      diff = Math.max(diff, Math.abs(got[j]! - ref[j]!));
      scale = Math.max(scale, Math.abs(ref[j]!));
    }
    const relative = scale === 0 ? (diff === 0 ? 0 : Infinity) : diff / scale;
    if (relative > worst) [worst, name] = [relative, cpu.names[i]!];
  });
  return { worst, name };
}

beforeAll(async () => {
  await useTestBackend("wasm");
  // IS_TEST makes tfjs check each kernel for leaked data ids; the wasm Identity copies, so the
  // saved tensors of tfjs's own fused-conv gradient trip it. Leaks are checked below instead.
  tf.env().set("IS_TEST", false);
});

describe("one SGD step on wasm equals the step on cpu", () => {
  it.each(NETS.map((net) => [net.name, net] as const))("%s", async (_, net) => {
    await tf.setBackend("cpu");
    const cpu = await step(net, null, 7);
    expect(Math.max(...cpu.result.updates.map((u) => Math.max(...u.map(Math.abs))))).toBeGreaterThan(1e-3);

    await tf.setBackend("wasm");
    registerWasmTrainingKernels();
    for (const replaceSlowKernels of [false, true]) {
      registerWasmTrainingKernels({ replaceSlowKernels });
      const wasm = (await step(net, cpu.initial, 7)).result;
      // tfjs-layers keeps one tensor per model after its first trainOnBatch, on every backend;
      // beyond that, nothing may be left: no tensor, and no data id without a tensor.
      expect(wasm.leftTensors).toBe(cpu.result.leftTensors);
      expect(wasm.leftDataIds).toBe(wasm.leftTensors);
      expect(wasm.names).toEqual(cpu.result.names);
      expect(Math.abs(wasm.loss - cpu.result.loss)).toBeLessThanOrEqual(TOLERANCE * Math.abs(cpu.result.loss));
      const { worst, name } = worstRelativeDifference(wasm, cpu.result);
      expect(worst, `worst variable: ${name} (replaceSlowKernels: ${replaceSlowKernels})`).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
