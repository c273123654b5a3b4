import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { resnet, type ResNetBuildOptions } from "../../../src/models/resnet.js";
import { registerWasmTrainingKernels } from "../../../src/train/kernels/index.js";
import { useTestBackend } from "../../helpers/tf.js";

// The discovery run of the brief, kept as a regression test: a training step of the library's
// own models, in every convention, runs on wasm (tfjs throws "Kernel '...' not registered"
// otherwise) and gives a finite loss. Values are checked against cpu in trainStep.test.ts.

beforeAll(async () => {
  await useTestBackend("wasm");
  tf.env().set("IS_TEST", false); // see trainStep.test.ts: tfjs's own fused-conv gradient trips the leak check on wasm
  registerWasmTrainingKernels({ replaceSlowKernels: true });
});

const CONFIGS: [string, ResNetBuildOptions][] = [
  ["ResNet-18, paper preset", { depth: 18, inputShape: [32, 32, 3], classes: 10, seed: 1 }],
  ["ResNet-18, keras preset (conv bias)", { depth: 18, preset: "keras", inputShape: [32, 32, 3], classes: 10, seed: 1 }],
  ["ResNet-18, shortcut A", { depth: 18, shortcut: "A", inputShape: [32, 32, 3], classes: 10, seed: 1 }],
  ["ResNet-18, shortcut C, global max pooling, no top", { depth: 18, shortcut: "C", includeTop: false, pooling: "max", inputShape: [32, 32, 3], seed: 1 }],
  ["ResNet-50, torchvision preset (stride on the 3x3, logits)", { depth: 50, preset: "torchvision", inputShape: [32, 32, 3], classes: 10, seed: 1 }],
];

describe("a training step of the library's ResNets runs on wasm", () => {
  it.each(CONFIGS)("%s", async (_, options) => {
    const tensors = tf.memory().numTensors;
    const model = resnet(options);
    const outputs = model.outputs[0]!.shape[1]!;
    const optimizer = tf.train.momentum(0.01, 0.9);
    const logits = options.preset === "torchvision";
    model.compile({ optimizer, loss: logits ? (y: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, p) : "categoricalCrossentropy" });
    const images = tf.randomUniform([2, 32, 32, 3], 0, 1, "float32", 1);
    const labels = tf.tidy(() => (outputs === 10 ? tf.oneHot(tf.tensor1d([3, 7], "int32"), 10) : tf.softmax(tf.randomNormal([2, outputs], 0, 1, "float32", 2))));
    const loss = (await model.trainOnBatch(images, labels)) as number;
    expect(Number.isFinite(loss)).toBe(true);
    tf.dispose([images, labels]);
    model.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors + 1); // tfjs-layers keeps one tensor per trained model
  });
});
