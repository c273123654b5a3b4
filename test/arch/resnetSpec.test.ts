import { describe, expect, it } from "vitest";
import { resnetSpec } from "../../src/arch/resnetSpec.js";
import type { Depth, LayerSpec } from "../../src/arch/types.js";

const DEPTHS: Depth[] = [18, 34, 50, 101, 152];

describe("resnetSpec", () => {
  it.each(DEPTHS)("ResNet-%i stage outputs at 224 match Table 1 (112, 56, 28, 14, 7)", (depth) => {
    const spec = resnetSpec({ depth });
    const sizes = spec.stages.filter((s) => s.name !== "head").map((s) => s.outputShape[0]);
    expect(sizes).toEqual([112, 56, 28, 14, 7]);
    const channels = spec.stages.filter((s) => s.name !== "head").map((s) => s.outputShape[2]);
    const expansion = depth >= 50 ? 4 : 1;
    expect(channels).toEqual([64, 64 * expansion, 128 * expansion, 256 * expansion, 512 * expansion]);
    expect(spec.stages.at(-1)).toMatchObject({ name: "head", outputShape: [1000] });
  });

  it.each(DEPTHS)("plain-%i has its twin's layers minus the shortcut projections and the adds", (depth) => {
    const residual = resnetSpec({ depth });
    const plain = resnetSpec({ depth, residual: false });
    const isShortcutOrAdd = (layer: LayerSpec) => /_0_(conv|bn|shortcut|pad)$/.test(layer.name) || layer.kind === "add";
    const stripped = residual.layers.filter((layer) => !isShortcutOrAdd(layer));
    expect(plain.layers.map(describeLayer)).toEqual(stripped.map(describeLayer));
    // There are shortcuts to strip: one projection per stage (option B) and an add per block.
    const blocks = residual.stages.reduce((sum, stage) => sum + stage.blocks, 0);
    expect(residual.layers.filter((l) => l.kind === "add")).toHaveLength(blocks);
    expect(residual.layers.filter((l) => l.name.endsWith("_0_conv"))).toHaveLength(depth >= 50 ? 4 : 3);
    expect(plain.name).toBe(`plain${depth}`);
  });

  it("names layers as Keras Applications does", () => {
    const names = resnetSpec({ depth: 50, preset: "keras" }).layers.map((l) => l.name);
    for (const name of [
      "conv1_pad",
      "conv1_conv",
      "conv1_bn",
      "conv1_relu",
      "pool1_pad",
      "pool1_pool",
      "conv2_block1_1_conv",
      "conv2_block1_0_conv",
      "conv2_block1_0_bn",
      "conv2_block1_3_bn",
      "conv2_block1_add",
      "conv2_block1_out",
      "conv5_block3_out",
      "avg_pool",
      "predictions",
    ]) {
      expect(names).toContain(name);
    }
    // Keras puts the stride on the first 1x1 and needs no padding layer inside blocks.
    expect(names.filter((n) => n.endsWith("_pad"))).toEqual(["conv1_pad", "pool1_pad"]);
  });

  it("puts the stride where each preset says and pads strided 3x3s symmetrically", () => {
    const conv = (spec: ReturnType<typeof resnetSpec>, name: string) => spec.layers.find((l) => l.name === name)!;
    const paper = resnetSpec({ depth: 50 });
    expect(conv(paper, "conv3_block1_1_conv")).toMatchObject({ stride: 2, kernel: 1 });
    expect(conv(paper, "conv3_block1_2_conv")).toMatchObject({ stride: 1, padding: "same" });
    const torch = resnetSpec({ depth: 50, preset: "torchvision" });
    expect(conv(torch, "conv3_block1_1_conv")).toMatchObject({ stride: 1 });
    expect(conv(torch, "conv3_block1_2_pad")).toMatchObject({ kind: "pad", padding: [[1, 1], [1, 1]] });
    expect(conv(torch, "conv3_block1_2_conv")).toMatchObject({ stride: 2, padding: "valid", outputShape: [28, 28, 128] });
    // An explicit option overrides the preset.
    const overridden = resnetSpec({ depth: 50, preset: "torchvision", strideIn: "1x1" });
    expect(conv(overridden, "conv3_block1_1_conv")).toMatchObject({ stride: 2 });
  });

  it("applies the presets' conventions", () => {
    const find = (spec: ReturnType<typeof resnetSpec>, name: string) => spec.layers.find((l) => l.name === name)!;
    const keras = resnetSpec({ depth: 50, preset: "keras" });
    expect(find(keras, "conv2_block1_1_conv")).toMatchObject({ useBias: true });
    expect(find(keras, "conv2_block1_1_bn")).toMatchObject({ epsilon: 1.001e-5, momentum: 0.99 });
    expect(find(keras, "predictions")).toMatchObject({ activation: "softmax" });
    const torch = resnetSpec({ depth: 50, preset: "torchvision" });
    expect(find(torch, "conv2_block1_1_conv")).toMatchObject({ useBias: false });
    expect(find(torch, "conv2_block1_1_bn")).toMatchObject({ epsilon: 1e-5, momentum: 0.9 });
    expect(find(torch, "predictions")).toMatchObject({ activation: "linear" });
  });

  it("builds shortcut options A, B and C as the paper describes", () => {
    const kinds = (shortcut: "A" | "B" | "C") =>
      resnetSpec({ depth: 34, shortcut }).layers.filter((l) => l.name.includes("_0_")).map((l) => l.kind);
    // A: parameter-free zero-pad shortcuts at the three stage changes of ResNet-34.
    expect(kinds("A")).toEqual(["zeroPadShortcut", "zeroPadShortcut", "zeroPadShortcut"]);
    // B: projections at the three stage changes only.
    expect(kinds("B").filter((k) => k === "conv")).toHaveLength(3);
    // C: a projection on every one of the 16 blocks.
    expect(kinds("C").filter((k) => k === "conv")).toHaveLength(16);
    const a = resnetSpec({ depth: 34, shortcut: "A" }).layers.find((l) => l.name === "conv3_block1_0_shortcut");
    expect(a).toMatchObject({ stride: 2, channelsIn: 64, channelsOut: 128, outputShape: [28, 28, 128] });
  });

  it("zero-initialises the last batch norm of each residual branch on request", () => {
    const spec = resnetSpec({ depth: 50, zeroInitResidual: true });
    const zeros = spec.layers.filter((l) => l.kind === "batchNorm" && l.gammaInitializer === "zeros").map((l) => l.name);
    expect(zeros).toHaveLength(16);
    expect(zeros.every((name) => name.endsWith("_3_bn"))).toBe(true);
  });

  it("resolves any input size from 32 up, any channels, with or without the top", () => {
    const small = resnetSpec({ depth: 18, inputShape: [32, 48, 1], classes: 10 });
    expect(small.stages.map((s) => s.outputShape)).toEqual([
      [16, 24, 64],
      [8, 12, 64],
      [4, 6, 128],
      [2, 3, 256],
      [1, 2, 512],
      [10],
    ]);
    const odd = resnetSpec({ depth: 50, inputShape: [225, 225, 3], includeTop: false, pooling: "max" });
    expect(odd.stages.at(-1)).toMatchObject({ name: "head", outputShape: [2048] });
    expect(odd.layers.at(-1)).toMatchObject({ name: "max_pool", kind: "globalMaxPool" });
    expect(odd.stages.find((s) => s.name === "conv5_x")!.outputShape).toEqual([8, 8, 2048]);
    const features = resnetSpec({ depth: 50, includeTop: false });
    expect(features.output).toBe("conv5_block3_out");
    expect(features.stages.map((s) => s.name)).not.toContain("head");
  });
});

describe("resnetSpec rejects bad input at the call", () => {
  const cases: [string, unknown, ErrorConstructor, RegExp][] = [
    ["depth 42", { depth: 42 }, RangeError, /^depth must be one of 18, 34, 50, 101, 152; got 42$/],
    ["input 16x16", { depth: 18, inputShape: [16, 16, 3] }, RangeError, /^inputShape must be .*>= 32.*; got \[16,16,3\]$/],
    ["a 2-D input shape", { depth: 18, inputShape: [224, 224] }, TypeError, /^inputShape must be .*; got \[224,224\]$/],
    ["0 classes", { depth: 18, classes: 0 }, RangeError, /^classes must be an integer >= 1; got 0$/],
    ["2.5 classes", { depth: 18, classes: 2.5 }, RangeError, /^classes must be an integer >= 1; got 2.5$/],
    ["pooling 'sum'", { depth: 18, pooling: "sum" }, RangeError, /^pooling must be one of "avg", "max", null; got "sum"$/],
    ["no pooling with a top", { depth: 18, pooling: null }, RangeError, /^pooling must be "avg" or "max" when includeTop is true/],
    ["preset 'caffe'", { depth: 18, preset: "caffe" }, RangeError, /^preset must be one of "paper", "keras", "torchvision"; got "caffe"$/],
    ["shortcut 'D'", { depth: 18, shortcut: "D" }, RangeError, /^shortcut must be one of "A", "B", "C"; got "D"$/],
    ["strideIn '5x5'", { depth: 50, strideIn: "5x5" }, RangeError, /^strideIn must be one of "1x1", "3x3"; got "5x5"$/],
    ["residual 'yes'", { depth: 50, residual: "yes" }, TypeError, /^residual must be true or false; got "yes"$/],
    ["an unknown option", { depth: 50, widht: 2 }, TypeError, /^options.widht is not an option; accepted: depth, /],
    ["no options", undefined, TypeError, /^options must be an options object; got undefined$/],
  ];
  it.each(cases)("%s", (_label, options, ErrorType, message) => {
    expect(() => resnetSpec(options as never)).toThrow(ErrorType);
    expect(() => resnetSpec(options as never)).toThrow(message);
  });
});

describe("resnetSpec: sizes that fit a tensor", () => {
  const LIMIT = "a tensor holds at most 1073741824 (2^30) elements (4 GiB of float32, tfjs-backend-wasm's whole heap)";
  it.each([
    [
      "1e6 input channels",
      { depth: 18, inputShape: [32, 32, 1e6] },
      `inputShape [32,32,1000000] is too large: the padded input (32 + 6) x (32 + 6) x 1000000 would hold 1444000000 elements; ${LIMIT}`,
    ],
    [
      "a 1e20 input",
      { depth: 50, inputShape: [1e20, 1e20, 3] },
      `inputShape [100000000000000000000,100000000000000000000,3] is too large: the padded input (100000000000000000000 + 6) x (100000000000000000000 + 6) x 3 would hold 3e+40 elements; ${LIMIT}`,
    ],
    [
      "a 16384x16384 input (its stem's output is the largest tensor)",
      { depth: 18, inputShape: [16384, 16384, 3] },
      `inputShape [16384,16384,3] is too large: the first convolution's output, padded, (8192 + 2) x (8192 + 2) x 64 would hold 4297064704 elements; ${LIMIT}`,
    ],
    [
      "342393 input channels (their kernel is the largest tensor)",
      { depth: 18, inputShape: [32, 32, 342393] },
      `inputShape [32,32,342393] is too large: the first convolution's kernel (7 x 7 x 342393 x 64) would hold 1073744448 elements; ${LIMIT}`,
    ],
    [
      "1e6 classes",
      { depth: 50, classes: 1e6 },
      `classes 1000000 is too large: the classifier's kernel (2048 x 1000000) would hold 2048000000 elements; ${LIMIT}`,
    ],
  ])("refuses %s at once, naming the tensor and the limit", (_label, options, message) => {
    expect(() => resnetSpec(options as never)).toThrow(new RangeError(message));
  });

  it("accepts sizes up to the limit", () => {
    expect(resnetSpec({ depth: 18, inputShape: [32, 32, 342392] }).options.inputShape).toEqual([32, 32, 342392]);
    expect(() => resnetSpec({ depth: 18, inputShape: [32, 32, 342393] })).toThrow(RangeError);
    expect(resnetSpec({ depth: 50, classes: 524288 }).options.classes).toBe(524288);
    expect(resnetSpec({ depth: 50, classes: 524289, includeTop: false }).options.includeTop).toBe(false);
  });
});

function describeLayer(layer: LayerSpec): string {
  return `${layer.name}:${layer.kind}:${layer.outputShape.join("x")}`;
}
