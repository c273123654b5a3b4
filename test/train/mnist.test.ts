import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cifarResnet } from "../../src/train/cifar/cifarResnet.js";
import { mnistDigits, type LabeledImages, type MnistPackage } from "../../src/train/data/index.js";
import { registerWasmTrainingKernels } from "../../src/train/kernels/index.js";
import { cosineDecay, train } from "../../src/train/loop/index.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";

const EPOCHS = 2;
const BATCH = 64;
const TRAIN = 8000;
const STEPS = (EPOCHS * TRAIN) / BATCH; // 250

let digits: { train: LabeledImages; test: LabeledImages };
beforeAll(async () => {
  registerWasmTrainingKernels({ replaceSlowKernels: true });
  await useTestBackend("wasm");
  // tfjs's per-kernel leak check (on under IS_TEST) flags the wasm backend's fused convolution
  // whenever a gradient tape is active, also for a lone tfjs-layers conv2d under
  // tf.variableGrads with none of this library's code: the tensors its custom gradient saves
  // are counted as leaked. The tensor and backend counts are checked around train() below instead.
  tf.env().set("IS_TEST", false);
  const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
  digits = mnistDigits(mnist, { train: TRAIN, test: 2000, seed: 1 });
});
afterAll(() => tf.dispose([digits.train.x, digits.train.y, digits.test.x, digits.test.y]));

/** Top-1 accuracy in inference mode, read independently of the training loop's own metrics. */
function accuracy(model: tfl.LayersModel, { x, y }: LabeledImages): number {
  let correct = 0;
  for (let start = 0; start < x.shape[0]; start += 500) {
    const size = Math.min(500, x.shape[0] - start);
    correct += tf.tidy(() => {
      const probabilities = model.predict(tf.slice(x, [start], [size])) as tf.Tensor2D;
      return tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, 1), tf.slice(y, [start], [size])), "int32")).dataSync()[0]!;
    });
  }
  return correct / x.shape[0];
}

describe("training on real data (MNIST digits of the mnist package, WASM backend)", () => {
  it(`a ResNet-8 reaches >= 90% accuracy on 2,000 held-out digits after ${STEPS} steps`, async () => {
    expect(tf.getBackend()).toBe("wasm");
    const model = cifarResnet({ depth: 8, filters: 8, inputShape: [28, 28, 1], seed: 1 });
    const before = accuracy(model, digits.test);
    expect(before).toBeLessThan(0.3); // chance is 10%: the accuracy below is learnt

    const dataIds = tf.engine().backend.numDataIds();
    const history = await expectNoLeak(() =>
      train(model, digits.train, {
        epochs: EPOCHS,
        batchSize: BATCH,
        learningRate: cosineDecay({ initial: 0.1, total: STEPS, unit: "step" }),
        seed: 1,
        progress: false,
      }),
    );
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
    expect(history.stopped).toBeUndefined();
    expect(history.epoch).toEqual([0, 1]);

    const after = accuracy(model, digits.test);
    console.log(`test accuracy after ${STEPS} steps: ${(100 * after).toFixed(2)}%`);
    expect(after).toBeGreaterThanOrEqual(0.9);
    model.dispose();
    // 250 WASM training steps: about 90 s on a 2-core CI machine, more when it is shared.
  }, 300_000);
});
