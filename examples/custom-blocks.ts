/**
 * The blocks in a model of your own: a small CIFAR-style ResNet (section 4.2 of the paper)
 * with option-A shortcuts, trained for a few steps on random data. Run with
 * `npx tsx examples/custom-blocks.ts`.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { basicBlock, countModel } from "resnet-blocks";

await tf.setBackend("cpu");
const input = tfl.input({ shape: [32, 32, 3] });
let x = tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", useBias: false }).apply(input) as tfl.SymbolicTensor;
x = tfl.layers.batchNormalization({}).apply(x) as tfl.SymbolicTensor;
x = tfl.layers.activation({ activation: "relu" }).apply(x) as tfl.SymbolicTensor;
for (const [stage, filters] of [16, 32, 64].entries()) {
  x = basicBlock(x, { filters, stride: stage === 0 ? 1 : 2, shortcut: "A", name: `stage${stage + 1}_block1` });
}
x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
const output = tfl.layers.dense({ units: 10, activation: "softmax" }).apply(x) as tfl.SymbolicTensor;
const model = tfl.model({ inputs: input, outputs: output });

const report = countModel(model);
console.log(`${model.countParams()} parameters, ${(report.macs / 1e6).toFixed(1)} M multiply-adds per image`);

model.compile({ optimizer: "sgd", loss: "sparseCategoricalCrossentropy" });
const images = tf.randomNormal([16, 32, 32, 3]);
const labels = tf.floor(tf.randomUniform([16, 1], 0, 10)); // class ids as floats, as tfjs losses expect
const history = await model.fit(images, labels, { epochs: 2, batchSize: 8, verbose: 0 });
console.log(`loss per epoch: ${history.history.loss!.map((l) => Number(l).toFixed(3)).join(", ")}`);
tf.dispose([images, labels]);
model.dispose();
