/**
 * End to end: pretrained() on timm-format ResNet-18 and ResNet-50 checkpoints that PyTorch
 * writes (scripts/make-timm-fixture.py, run live), served by the loopback Hub: the logits
 * equal PyTorch's within 1e-4 relative, on a fixed tensor and on PNG files (RGB, grey,
 * RGBA) preprocessed by the checkpoint's transforms (torchvision's Resize, CenterCrop,
 * ToTensor, Normalize in PyTorch), and the top-5 classes agree. WASM backend (fast enough
 * for ResNet-50 at 224).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pretrained } from "../../src/pretrained/index.js";
import { relativeError } from "../helpers/relativeError.js";
import { useTestBackend } from "../helpers/tf.js";
import { startHubServer, type HubServer } from "./hubServer.js";
import { fixtureImages, makeTimmFixtures, repoFiles, skipTorch, torchIo, type FixtureSpec } from "./timmFixture.js";

const CASES: Array<FixtureSpec & { name: string }> = [
  { name: "resnet18.tv_in1k", depth: 18, tag: "tv_in1k", size: [128, 128], batch: 2, interpolation: "bilinear", cropPct: 0.875, images: true },
  { name: "resnet50.a1_in1k", depth: 50, tag: "a1_in1k", size: [224, 224], batch: 1, interpolation: "bicubic", cropPct: 0.95, images: true },
];

/** max |ours - torch| / max |torch| over all logits. */
const TOLERANCE = 1e-4;

/** Indices of the k largest values of each row. */
function topK(values: ArrayLike<number>, classes: number, k: number): number[][] {
  const rows: number[][] = [];
  for (let r = 0; r < values.length / classes; r++) {
    const row = Array.from({ length: classes }, (_, i) => i);
    row.sort((a, b) => values[r * classes + b]! - values[r * classes + a]!);
    rows.push(row.slice(0, k));
  }
  return rows;
}

let hub: HubServer;
let fixtures: string;
let cacheDir: string;

describe.skipIf(skipTorch)("pretrained() gives PyTorch's logits", () => {
  beforeAll(async () => {
    await useTestBackend("wasm");
    fixtures = await makeTimmFixtures(CASES);
    cacheDir = mkdtempSync(join(tmpdir(), "resnet-blocks-pretrained-"));
    hub = await startHubServer();
    for (const c of CASES) hub.addRepo(`timm/${c.name}`, repoFiles(fixtures, c.name));
  });

  afterAll(async () => {
    await hub?.close();
    for (const dir of [fixtures, cacheDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)("$name: logits of a tensor and of PNG files within 1e-4 relative, top-5 equal", async ({ name, depth, size }) => {
    const net = await pretrained(`timm/${name}`, { host: hub.url, cacheDir });
    expect(net.config.depth).toBe(depth);
    expect(net.labels).toHaveLength(1000);
    expect(net.model.inputs[0]!.shape).toEqual([null, size[0], size[1], 3]);
    const { input, logits, imageLogits } = torchIo(fixtures, name);
    const before = tf.memory().numTensors;

    const output = net.model.predict(input) as tf.Tensor;
    const ours = await output.data();
    const error = relativeError(ours, logits);
    console.log(`${name} tensor input ${input.shape.join("x")}: max|ours - torch| / max|torch| = ${error.toExponential(2)}`);
    expect(error).toBeLessThan(TOLERANCE);
    expect(topK(ours, 1000, 5)).toEqual(topK(logits, 1000, 5));

    const images = await net.transforms.apply(fixtureImages(fixtures, name));
    expect(images.shape).toEqual([3, size[0], size[1], 3]);
    const imageOutput = net.model.predict(images) as tf.Tensor;
    const oursImages = await imageOutput.data();
    const imageError = relativeError(oursImages, imageLogits!);
    console.log(`${name} 3 PNG files: max|ours - torch| / max|torch| = ${imageError.toExponential(2)}`);
    expect(imageError).toBeLessThan(TOLERANCE);
    expect(topK(oursImages, 1000, 5)).toEqual(topK(imageLogits!, 1000, 5));

    tf.dispose([output, images, imageOutput]);
    expect(tf.memory().numTensors).toBe(before);

    if (depth === 18) {
      // classify(): the checkpoint's preprocessing, PyTorch's top-5 with softmax probabilities and
      // ImageNet names, on fuse's fast path (default) and on model.predict.
      const expected = topK(imageLogits!, 1000, 5);
      const softmax = (row: number, index: number) => {
        const slice = imageLogits!.subarray(row * 1000, row * 1000 + 1000);
        const max = Math.max(...slice);
        return Math.exp(slice[index]! - max) / slice.reduce((sum, v) => sum + Math.exp(v - max), 0);
      };
      for (const fused of [true, false]) {
        const predictions = await net.classify(fixtureImages(fixtures, name), { topK: 5, fused });
        expect(predictions.map((row) => row.map((p) => p.index))).toEqual(expected);
        predictions.forEach((row, r) =>
          row.forEach((p) => {
            expect(p.label).toBe(net.labels![p.index]);
            expect(Math.abs(p.probability - softmax(r, p.index))).toBeLessThan(1e-4);
          }),
        );
      }
      const afterFuse = tf.memory().numTensors;
      await net.classify(fixtureImages(fixtures, name)[0]!);
      expect(tf.memory().numTensors).toBe(afterFuse);
      await expect(net.classify(fixtureImages(fixtures, name), { top: 3 } as never)).rejects.toThrow(/options.top is not an option of classify/);
    }
    input.dispose();
    net.dispose();
  });
});
