/**
 * classify end to end against PyTorch: a PNG made by PIL, preprocessed by torchvision
 * (timm resnet50.a1_in1k's config, bicubic, crop 0.95, at 96x96 to keep the test short) and run through torchvision's ResNet-18
 * with random weights; ours on the same file and weights, plain and fused.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuse } from "../../src/infer/fuse/index.js";
import { resnet } from "../../src/models/resnet.js";
import { classify } from "../../src/pretrained/classify.js";
import { IMAGENET_LABELS } from "../../src/pretrained/labels/imagenetLabels.js";
import { createTransforms, resolveDataConfig } from "../../src/pretrained/transforms/index.js";
import { decodeFloats, isFloatDtype } from "../../src/weights/dtypes.js";
import { decodeSafetensors, loadSafetensors } from "../../src/weights/index.js";
import { useTestBackend } from "../helpers/tf.js";
import { findTorchPython } from "../weights/helpers.js";

const run = promisify(execFile);
const python = findTorchPython();
const skip = python === undefined && process.env.RESNET_BLOCKS_SKIP_TORCH === "1";
const FEATURES = new URL("./features-reference.py", import.meta.url).pathname;
const TRANSFORMS = new URL("./transforms-reference.py", import.meta.url).pathname;
/** timm resnet50.a1_in1k's pretrained_cfg (the preprocessing part), as in its config.json. */
const A1_CFG = { input_size: [3, 96, 96], interpolation: "bicubic", crop_pct: 0.95, crop_mode: "center", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

let dir: string;
let image: string;
let probabilities: Float32Array;

describe.skipIf(skip)("classify gives PyTorch's top-5 for a real image", () => {
  beforeAll(async () => {
    if (!python) throw new Error("these tests need PyTorch: apt-get install python3-torch python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)");
    dir = mkdtempSync(join(tmpdir(), "resnet-blocks-classify-"));
    await run(python, [TRANSFORMS, dir], { timeout: 60_000 });
    image = join(dir, "rgb-300x200.png");
    await run(python, [FEATURES, "--depth", "18", "--size", "32", "32", "--out", dir, "--image", image, "--config", "a1-96"], { timeout: 120_000 });
    const file = decodeSafetensors(readFileSync(join(dir, "resnet18.classify.safetensors")));
    const p = file.tensors.find((t) => t.name === "probabilities")!;
    if (!isFloatDtype(p.dtype)) throw new Error(p.dtype);
    probabilities = decodeFloats(p.dtype, p.data);
  }, 150_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("plain and fused: same classes in the same order, probabilities within 1e-4 relative", async () => {
    await useTestBackend("wasm");
    const model = resnet({ depth: 18, preset: "torchvision", inputShape: [96, 96, 3] });
    loadSafetensors(model, readFileSync(join(dir, "resnet18.safetensors")), { layout: "torchvision" });
    const transforms = createTransforms(resolveDataConfig(A1_CFG));
    const expected = [...probabilities].map((p, index) => ({ index, p })).sort((a, b) => b.p - a.p).slice(0, 5);
    const fused = fuse(model);
    const before = tf.memory().numTensors;
    for (const m of [model, fused]) {
      const [top] = await classify(m, image, { transforms, topK: 5 });
      expect(top!.map((p) => p.index)).toEqual(expected.map((e) => e.index));
      expect(top!.map((p) => p.label)).toEqual(expected.map((e) => IMAGENET_LABELS[e.index]));
      const scale = expected[0]!.p;
      top!.forEach((p, i) => expect(Math.abs(p.probability - expected[i]!.p) / scale).toBeLessThan(1e-4));
    }
    // A batch: the same image as a path and as bytes gives two equal lists.
    const batch = await classify(fused, [image, new Uint8Array(readFileSync(image))], { transforms, topK: 3 });
    expect(batch).toHaveLength(2);
    expect(batch[1]).toEqual(batch[0]);
    expect(tf.memory().numTensors).toBe(before);
    fused.dispose();
    model.dispose();
  });
});

describe("classify", () => {
  it("does not apply softmax twice to a model that ends in softmax (LayersModel and FusedModel)", async () => {
    await useTestBackend("cpu");
    const model = resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10 }); // paper preset: softmax top
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 7) as tf.Tensor4D;
    const direct = (await (model.predict(x) as tf.Tensor).array()) as number[][];
    const fused = fuse(model);
    const before = tf.memory().numTensors;
    for (const m of [model, fused]) {
      const result = await classify(m, x, { topK: 10, labels: "abcdefghij".split("") });
      result.forEach((row, r) => {
        const sorted = direct[r]!.map((p, index) => ({ p, index })).sort((a, b) => b.p - a.p);
        expect(row.map((p) => p.index)).toEqual(sorted.map((s) => s.index));
        row.forEach((p, i) => expect(p.probability).toBeCloseTo(sorted[i]!.p, 5));
        expect(row[0]!.label).toBe("abcdefghij"[sorted[0]!.index]);
      });
    }
    const forced = await classify(model, x, { topK: 1, outputs: "logits" });
    expect(forced[0]![0]!.probability).toBeLessThan(direct[0]![forced[0]![0]!.index]! + 1e-9); // softmax of probabilities flattens them
    expect(forced[0]![0]!.label).toBe(String(forced[0]![0]!.index)); // no labels for a 10-class net
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    fused.dispose();
    model.dispose();
  });

  it("refuses bad arguments at the call, naming them", async () => {
    await useTestBackend("cpu");
    const model = resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10 });
    const x = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const transforms = createTransforms(resolveDataConfig({}));
    await expect(classify({} as never, x)).rejects.toThrow("model must be a tfl.LayersModel or a FusedModel");
    await expect(classify(model, x, { topK: 11 })).rejects.toThrow("options.topK must be an integer in 1 ... 10 (the model's classes); got 11");
    await expect(classify(model, x, { topK: 0 })).rejects.toThrow("options.topK must be an integer >= 1; got 0");
    await expect(classify(model, x, { labels: ["a"] })).rejects.toThrow("options.labels has 1 names but the model has 10 classes");
    await expect(classify(model, x, { top: 3 } as never)).rejects.toThrow("options.top is not an option of classify");
    await expect(classify(model, "cat.png")).rejects.toThrow("input must be a preprocessed float32 tf.Tensor4D");
    await expect(classify(model, "cat.png", { transforms })).rejects.toThrow("options.transforms makes 224x224 inputs but the model takes 32x32");
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    model.dispose();
  });
});
