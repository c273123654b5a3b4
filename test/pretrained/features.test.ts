/**
 * featureExtractor against torchvision's create_feature_extractor (PyTorch live, same weights
 * through loadSafetensors' torchvision layout), and countUpTo against the extracted nets.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countUpTo } from "../../src/count/index.js";
import { countModel } from "../../src/models/countModel.js";
import { resnet } from "../../src/models/resnet.js";
import { FEATURE_STAGES, featureExtractor, type FeatureStage } from "../../src/pretrained/features/index.js";
import { decodeFloats, isFloatDtype } from "../../src/weights/dtypes.js";
import { decodeSafetensors, loadSafetensors } from "../../src/weights/index.js";
import { useTestBackend } from "../helpers/tf.js";
import { findTorchPython, relativeError } from "../weights/helpers.js";

const run = promisify(execFile);
const python = findTorchPython();
const skip = python === undefined && process.env.RESNET_BLOCKS_SKIP_TORCH === "1";
const SCRIPT = new URL("./features-reference.py", import.meta.url).pathname;
const CASES = [
  { depth: 18, size: [97, 83], batch: 2 },
  { depth: 50, size: [64, 64], batch: 1 },
] as const;
/** torchvision node name of each stage. */
const NODE: Record<FeatureStage, string> = { conv1: "conv1", conv2_x: "conv2_x", conv3_x: "conv3_x", conv4_x: "conv4_x", conv5_x: "conv5_x", pool: "pool" };

let dir: string;

function readTensors(file: string): Map<string, { shape: number[]; values: Float32Array }> {
  const parsed = decodeSafetensors(readFileSync(file));
  return new Map(
    parsed.tensors.map((t) => {
      if (!isFloatDtype(t.dtype)) throw new Error(`${t.name} is ${t.dtype}`);
      return [t.name, { shape: [...t.shape], values: decodeFloats(t.dtype, t.data) }];
    }),
  );
}

describe.skipIf(skip)("featureExtractor gives torchvision's create_feature_extractor outputs", () => {
  beforeAll(async () => {
    if (!python) throw new Error("these tests need PyTorch: apt-get install python3-torch python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)");
    dir = mkdtempSync(join(tmpdir(), "resnet-blocks-features-"));
    await Promise.all(
      CASES.map(({ depth, size, batch }) =>
        run(python, [SCRIPT, "--depth", `${depth}`, "--size", `${size[0]}`, `${size[1]}`, "--batch", `${batch}`, "--out", dir], { timeout: 120_000 }),
      ),
    );
  }, 150_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)("ResNet-$depth, every stage: shapes equal, values within 1e-4 relative", async ({ depth, size }) => {
    await useTestBackend("cpu");
    const model = resnet({ depth, preset: "torchvision", inputShape: [size[0], size[1], 3] });
    loadSafetensors(model, readFileSync(join(dir, `resnet${depth}.safetensors`)), { layout: "torchvision" });
    const io = readTensors(join(dir, `resnet${depth}.io.safetensors`)).get("input")!;
    const torch = readTensors(join(dir, `resnet${depth}.features.safetensors`));
    const before = tf.memory().numTensors;
    const features = featureExtractor(model, { stages: FEATURE_STAGES });
    const input = tf.tidy(() => tf.transpose(tf.tensor4d(io.values, io.shape as [number, number, number, number]), [0, 2, 3, 1]));
    const outputs = features.predict(input) as tf.Tensor[];
    expect(outputs).toHaveLength(FEATURE_STAGES.length);
    for (const [i, stage] of FEATURE_STAGES.entries()) {
      const ref = torch.get(NODE[stage])!;
      const nhwc = ref.shape.length === 4 ? [ref.shape[0], ref.shape[2], ref.shape[3], ref.shape[1]] : ref.shape;
      expect(outputs[i]!.shape, stage).toEqual(nhwc);
      const ours = tf.tidy(() => (outputs[i]!.rank === 4 ? tf.transpose(outputs[i]!, [0, 3, 1, 2]) : outputs[i]!.clone()));
      const error = relativeError(await ours.data(), ref.values);
      ours.dispose();
      console.log(`resnet${depth} ${stage} ${JSON.stringify(nhwc)}: relative error ${error.toExponential(2)}`);
      expect(error, stage).toBeLessThan(1e-4);
    }
    tf.dispose([input, ...outputs]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe("featureExtractor and countUpTo", () => {
  it("one stage gives one tensor; the extractor's parameters are countUpTo's", async () => {
    await useTestBackend("cpu");
    const model = resnet({ depth: 18, preset: "torchvision", inputShape: [64, 64, 3] });
    for (const stage of ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "pool"] as const) {
      const one = featureExtractor(model, { stages: [stage] });
      const counted = countUpTo({ depth: 18, preset: "torchvision", inputShape: [64, 64, 3] }, stage);
      expect(counted.params.total, stage).toBe(one.countParams());
      expect(counted.macs, stage).toBe(countModel(one).macs);
    }
    // torchvision's ResNet-50 without its fc (2048 x 1000 + 1000): 25,557,032 - 2,049,000 trainable.
    expect(countUpTo({ depth: 50, preset: "torchvision" }, "pool").params.trainable).toBe(23_508_032);
    expect(countUpTo({ depth: 18, preset: "torchvision" }, "conv5_x").params.trainable).toBe(11_689_512 - 513_000);
    const x = tf.zeros([1, 64, 64, 3]);
    const before = tf.memory().numTensors;
    const y = featureExtractor(model, { stages: ["conv4_x"] }).predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 4, 256]);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before - 1);
    model.dispose();
  });

  it("refuses unknown, repeated or absent stages, naming them", async () => {
    await useTestBackend("cpu");
    const headless = resnet({ depth: 18, includeTop: false, pooling: null, inputShape: [32, 32, 3] });
    expect(() => featureExtractor(headless, { stages: ["conv6_x" as never] })).toThrow('options.stages[0] must be one of "conv1", "conv2_x"');
    expect(() => featureExtractor(headless, { stages: ["conv2_x", "conv2_x"] })).toThrow('options.stages lists "conv2_x" twice');
    expect(() => featureExtractor(headless, { stages: ["pool"] })).toThrow('stages has "pool" but model');
    expect(() => featureExtractor(headless, { stages: [] })).toThrow("options.stages must be a non-empty list");
    expect(() => countUpTo({ depth: 18 }, "head" as never)).toThrow('stage must be one of "conv1"');
    expect(() => countUpTo({ depth: 18, includeTop: false, pooling: null }, "pool")).toThrow("has no global pooling");
    headless.dispose();
  });
});
