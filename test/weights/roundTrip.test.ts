import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { resnet, resnet50v2, resnext50_32x4d } from "../../src/models/resnet.js";
import { cifarResnet } from "../../src/train/cifar/cifarResnet.js";
import type { Depth } from "../../src/arch/types.js";
import { decodeSafetensors, loadSafetensors, saveSafetensors, type WeightLayout } from "../../src/weights/index.js";
import { perturbWeights, useTestBackend } from "../helpers/tf.js";
import { expectWeights, fixture, snapshotWeights, zeroWeights } from "./helpers.js";

// torchvision's state-dict names, dtypes and shapes for resnet18 ... resnet152, written by
// scripts/make-torchvision-fixture.py keys.
const TORCHVISION_KEYS = JSON.parse(readFileSync(fixture("torchvision-keys.json"), "utf8")) as Record<
  string,
  Record<string, [string, number[]]>
>;

const LAYOUTS: WeightLayout[] = ["native", "torchvision", "keras"];
const NETS: Array<[Depth, boolean]> = [18, 34, 50, 101, 152].flatMap((depth) => [
  [depth as Depth, true],
  [depth as Depth, false],
]);

beforeAll(async () => {
  await useTestBackend("cpu");
});

/** Names and shapes of a safetensors file's tensors. */
function header(bytes: Uint8Array): Record<string, number[]> {
  return Object.fromEntries(decodeSafetensors(bytes).tensors.map((t) => [t.name, t.shape]));
}

describe("save then load gives identical weights", () => {
  // Residual nets use the torchvision preset (its names must equal torchvision's), plain
  // nets the keras preset (conv biases). Weights do not depend on the input size.
  it.each(NETS)("ResNet-%i (residual: %s), in every layout", async (depth, residual) => {
    const preset = residual ? "torchvision" : "keras";
    const model = resnet({ depth, residual, preset, inputShape: [32, 32, 3], seed: 1 });
    perturbWeights(model, depth);
    const original = snapshotWeights(model);
    const before = tf.memory().numTensors;
    for (const layout of LAYOUTS) {
      const bytes = await saveSafetensors(model, { layout });
      zeroWeights(model);
      const result = loadSafetensors(model, bytes, { layout });
      expect(result).toEqual({ loaded: model.weights.length, ignored: [] });
      expectWeights(model, original);
      if (layout === "torchvision" && residual) {
        const torchvision = Object.fromEntries(
          Object.entries(TORCHVISION_KEYS[`resnet${depth}`]!)
            .filter(([name]) => !name.endsWith("num_batches_tracked"))
            .map(([name, [, shape]]) => [name, shape]),
        );
        expect(header(bytes)).toEqual(torchvision);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe("the family beyond Table 1: save then load gives identical weights", () => {
  it.each([
    ["CIFAR ResNet-20 (section 4.2, shortcut A)", () => cifarResnet({ depth: 20, seed: 1 }), LAYOUTS],
    ["ResNeXt-50 32x4d (GroupedConv2D)", () => resnext50_32x4d({ inputShape: [32, 32, 3], seed: 1 }), LAYOUTS],
    // Keras's pre-activation layers have no torchvision module.
    ["ResNet-50 V2", () => resnet50v2({ inputShape: [32, 32, 3], seed: 1 }), ["native", "keras"] as WeightLayout[]],
  ] as const)("%s", async (_label, build, layouts) => {
    const model = build();
    perturbWeights(model, 3);
    const original = snapshotWeights(model);
    const before = tf.memory().numTensors;
    for (const layout of layouts) {
      const bytes = await saveSafetensors(model, { layout });
      zeroWeights(model);
      expect(loadSafetensors(model, bytes, { layout })).toEqual({ loaded: model.weights.length, ignored: [] });
      expectWeights(model, original);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("ResNet-50 V2 in the torchvision layout is refused, naming the pre-activation layers", async () => {
    const model = resnet50v2({ inputShape: [32, 32, 3], seed: 1 });
    await expect(saveSafetensors(model, { layout: "torchvision" })).rejects.toThrow(/conv2_block1_preact_bn\/gamma \(a BatchNormalization layer\) has no torchvision name/);
    model.dispose();
  });
});

describe("shortcut options and other builds in the torchvision layout", () => {
  it.each([
    ["A", 18],
    ["A", 50], // conv2_block1 goes 64 -> 256 channels by zero padding: no projection anywhere
    ["C", 18],
  ] as const)("option %s, ResNet-%i", async (shortcut, depth) => {
    const model = resnet({ depth, shortcut, preset: "torchvision", inputShape: [32, 32, 3], classes: 10, seed: 2 });
    perturbWeights(model, 7);
    const original = snapshotWeights(model);
    const bytes = await saveSafetensors(model, { layout: "torchvision" });
    const projections = Object.keys(header(bytes)).filter((name) => /^layer\d\.\d+\.downsample\.0\.weight$/.test(name));
    const blocks = depth === 18 ? 8 : 16; // ResNet-18: 2-2-2-2 blocks
    expect(projections).toHaveLength(shortcut === "A" ? 0 : blocks); // C: one on every block
    zeroWeights(model);
    loadSafetensors(model, bytes, { layout: "torchvision" });
    expectWeights(model, original);
    model.dispose();
  });

  it("stride on the 1x1, no top, and float16 / bfloat16 storage", async () => {
    const model = resnet({ depth: 50, strideIn: "1x1", includeTop: false, inputShape: [32, 32, 3], seed: 3 });
    const bytes = await saveSafetensors(model, { layout: "torchvision", dtype: "bfloat16" });
    const file = decodeSafetensors(bytes);
    expect(new Set(file.tensors.map((t) => t.dtype))).toEqual(new Set(["BF16"]));
    expect(file.tensors.some((t) => t.name.startsWith("fc."))).toBe(false);
    expect(file.metadata).toEqual({ format: "pt" });
    const half = await saveSafetensors(model, { layout: "torchvision", dtype: "float16" });
    expect(half.length).toBeLessThan(bytes.length + 1000);
    const copy = resnet({ depth: 50, strideIn: "1x1", includeTop: false, inputShape: [32, 32, 3], seed: 4 });
    loadSafetensors(copy, half, { layout: "torchvision" });
    // float16 keeps 11 bits of mantissa: relative error at most 2^-11 for normal values.
    const kernel = (m: typeof model) => m.getLayer("conv3_block1_2_conv").getWeights()[0]!.dataSync();
    const [a, b] = [kernel(model), kernel(copy)];
    let error = 0;
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i]!) > 1e-4) error = Math.max(error, Math.abs(a[i]! - b[i]!) / Math.abs(a[i]!));
    expect(error).toBeLessThan(2 ** -11);
    expect(error).toBeGreaterThan(0);
    model.dispose();
    copy.dispose();
  });
});
