/**
 * Preprocessing and classify bench (issue 18): time per image of `createTransforms(...).apply`
 * in Node (PNG bytes, JPEG bytes and an int32 tensor of decoded pixels; torchvision's preset,
 * bilinear 256 -> 224, and timm resnet50.a1_in1k's, bicubic 235 -> 224), and the latency of
 * `classify` against a plain `predict` of the same preprocessed batch, for ResNet-50 on the
 * wasm backend, plain `LayersModel` and `fuse()`d.
 *
 * Run: `node scripts/with-relaxed-simd.mjs bench/preprocess.ts [--quick]` (relaxed SIMD lets
 * fuse use resnet-blocks' kernel). Images are made here (seeded noise and gradients, 640x480).
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { markdownTable } from "../src/count/format.js";
import { fuse } from "../src/infer/fuse/index.js";
import { resnet } from "../src/models/resnet.js";
import { classify } from "../src/pretrained/classify.js";
import { createTransforms, resolveDataConfig } from "../src/pretrained/transforms/index.js";
import { machine, median } from "./lib/measure.js";

const quick = process.argv.includes("--quick");
const REPEATS = quick ? 3 : 15;
const WIDTH = 640;
const HEIGHT = 480;

function makeRgba(): Uint8Array {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 4;
      rgba[i] = (128 + 100 * Math.sin(x / 20) + 20 * rand()) | 0;
      rgba[i + 1] = ((255 * x) / WIDTH) | 0;
      rgba[i + 2] = (((x >> 4) + (y >> 4)) & 1) * 200 + 20 * rand();
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function main(): Promise<void> {
  await tf.setBackend("wasm");
  await tf.ready();
  const rgba = makeRgba();
  const png = new Uint8Array(PNG.sync.write(Object.assign(new PNG({ width: WIDTH, height: HEIGHT }), { data: Buffer.from(rgba) })));
  const jpg = new Uint8Array(jpeg.encode({ data: rgba, width: WIDTH, height: HEIGHT }, 90).data);
  const pixels = tf.tensor3d(Int32Array.from(rgba), [HEIGHT, WIDTH, 4], "int32");
  const configs = {
    "torchvision (bilinear 256 -> 224)": resolveDataConfig({ interpolation: "bilinear", crop_pct: 0.875 }),
    "timm a1_in1k (bicubic 235 -> 224)": resolveDataConfig({ interpolation: "bicubic", crop_pct: 0.95 }),
  };
  const rows: string[][] = [];
  for (const [name, config] of Object.entries(configs)) {
    const transforms = createTransforms(config);
    for (const [input, value] of [["PNG bytes", png], ["JPEG bytes", jpg], ["int32 tensor", pixels]] as const) {
      const ms = await time(async () => (await transforms.apply(value)).dispose());
      rows.push([name, `${input}, ${WIDTH}x${HEIGHT}`, ms.toFixed(1)]);
    }
    const batch = Array.from({ length: 8 }, () => pixels);
    const ms8 = await time(async () => (await transforms.apply(batch)).dispose());
    rows.push([name, `int32 tensor, batch of 8, per image`, (ms8 / 8).toFixed(1)]);
  }
  console.log(`# Preprocessing per image (Node ${process.versions.node}, ${await machine()})\n`);
  console.log(markdownTable(["config", "input", "ms / image"], rows, ["left", "left", "right"]));

  const model = resnet({ depth: 50, preset: "torchvision" });
  const fused = fuse(model);
  const transforms = createTransforms(configs["timm a1_in1k (bicubic 235 -> 224)"]);
  const pre = await transforms.apply(pixels);
  const latency: string[][] = [];
  for (const [name, m] of [["LayersModel", model], [`fuse() (${fused.kernels} kernels)`, fused]] as const) {
    const predict = await time(async () => {
      const y = m.predict(pre) as tf.Tensor;
      await y.data();
      y.dispose();
    });
    const onTensor = await time(() => classify(m, pre, { topK: 5 }));
    const onImage = await time(() => classify(m, png, { transforms, topK: 5 }));
    latency.push([name, predict.toFixed(1), onTensor.toFixed(1), onImage.toFixed(1)]);
  }
  console.log(`\n# ResNet-50, batch 1, 224x224, wasm backend (${tf.env().getFlags().WASM_HAS_SIMD_SUPPORT ? "SIMD" : "no SIMD"})\n`);
  console.log(
    markdownTable(
      ["model", "predict (ms)", "classify, preprocessed tensor (ms)", "classify, 640x480 PNG bytes (ms)"],
      latency,
      ["left", "right", "right", "right"],
    ),
  );
  tf.dispose([pixels, pre]);
  fused.dispose();
  model.dispose();
}

await main();
