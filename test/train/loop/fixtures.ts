import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { basicBlock } from "../../../src/blocks/blocks.js";

/**
 * A small residual net for 8x8x3 images: a 3x3 stem (4 filters, batch norm, ReLU), one basic
 * block of the paper's preset (batch norm momentum 0.9, epsilon 1e-5), average pooling and a
 * dense classifier. Layer names are fixed, so two builds have the same weight names.
 */
export function tinyResNet(options: { seed: number; classes?: number; activation?: "softmax" | "linear" }): tfl.LayersModel {
  const { seed, classes = 3, activation = "softmax" } = options;
  const input = tfl.input({ shape: [8, 8, 3], name: "input" });
  let x = tfl.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: "same", useBias: false, name: "stem_conv", kernelInitializer: tfl.initializers.heNormal({ seed }) })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: "stem_bn" }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: "relu", name: "stem_relu" }).apply(x) as tfl.SymbolicTensor;
  x = basicBlock(x, { filters: 4, name: "block1", seed: seed + 1 });
  x = tfl.layers.globalAveragePooling2d({ name: "avg_pool" }).apply(x) as tfl.SymbolicTensor;
  const y = tfl.layers
    .dense({ units: classes, activation, name: "predictions", kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }) })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: y });
}

/** `n` random 8x8x3 images and labels in 0 .. classes-1 that depend on the images (so there is something to learn). */
export function tinyData(n: number, seed: number, classes = 3): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 8, 8, 3], 0, 1, "float32", seed) as tf.Tensor4D;
    const score = tf.mean(x, [1, 2]); // [n, 3]
    const y = tf.cast(tf.argMax(tf.slice(score, [0, 0], [n, Math.min(3, classes)]), 1), "int32") as tf.Tensor1D;
    return { x, y };
  });
}

/** Every weight of a model as plain arrays, by name. */
export async function weightValues(model: tfl.LayersModel): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const weight of model.weights) out.set(weight.originalName, (await weight.read().data()) as Float32Array);
  return out;
}

/** A softmax classifier on flattened 8x8x3 images: fast, for properties that do not need convolutions. */
export function denseModel(seed: number, classes = 3): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3], name: "input" });
  const flat = tfl.layers.flatten({ name: "flatten" }).apply(input) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({ units: classes, activation: "softmax", name: "out", kernelInitializer: tfl.initializers.glorotUniform({ seed }) })
    .apply(flat) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

/**
 * The plain twin of {@link tinyResNet}: the same layers, names and weight shapes, but no
 * shortcut (no `block1_add`), so its checkpoints must not be mixed with the ResNet's.
 */
export function tinyPlainNet(options: { seed: number; classes?: number }): tfl.LayersModel {
  const { seed, classes = 3 } = options;
  const input = tfl.input({ shape: [8, 8, 3], name: "input" });
  const conv = (name: string, s: number) =>
    tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", useBias: false, name, kernelInitializer: tfl.initializers.heNormal({ seed: s }) });
  const bn = (name: string) => tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name });
  const relu = (name: string) => tfl.layers.activation({ activation: "relu", name });
  let x = conv("stem_conv", seed).apply(input) as tfl.SymbolicTensor;
  x = relu("stem_relu").apply(bn("stem_bn").apply(x)) as tfl.SymbolicTensor;
  x = relu("block1_1_relu").apply(bn("block1_1_bn").apply(conv("block1_1_conv", seed + 1).apply(x))) as tfl.SymbolicTensor;
  x = relu("block1_out").apply(bn("block1_2_bn").apply(conv("block1_2_conv", seed + 3).apply(x))) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: "avg_pool" }).apply(x) as tfl.SymbolicTensor;
  const y = tfl.layers.dense({ units: classes, activation: "softmax", name: "predictions" }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: y });
}
