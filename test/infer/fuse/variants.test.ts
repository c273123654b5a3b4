import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { describe, expect, it } from "vitest";
import { basicBlock } from "../../../src/blocks/blocks.js";
import { fuse } from "../../../src/infer/fuse/index.js";
import { resnet, resnet50v2, resnext50_32x4d, wideResnet50_2 } from "../../../src/models/resnet.js";
import { cifarResnet } from "../../../src/train/cifar/cifarResnet.js";
import { useTestBackend } from "../../helpers/tf.js";
import { describeFusedEqualsPredict } from "./compare.js";

const LOGITS = { classes: 10, classifierActivation: "linear" } as const;

/** A CIFAR ResNet-20 of the paper's section 4.2 built from basicBlock: 3x3 stem, 3 x 3 blocks of 16, 32, 64 filters, option-A shortcuts. */
function cifarResnet20(): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  let x = tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", useBias: false, name: "stem_conv" }).apply(input);
  x = tfl.layers.batchNormalization({ name: "stem_bn" }).apply(x);
  x = tfl.layers.activation({ activation: "relu", name: "stem_relu" }).apply(x) as tfl.SymbolicTensor;
  let y = x as tfl.SymbolicTensor;
  [16, 32, 64].forEach((filters, stage) => {
    for (let block = 1; block <= 3; block++) {
      const stride = stage > 0 && block === 1 ? 2 : 1;
      y = basicBlock(y, { filters, stride, shortcut: "A", seed: 10 * stage + block, name: `cifar${stage + 1}_block${block}` });
    }
  });
  const pooled = tfl.layers.globalAveragePooling2d({ name: "avg_pool" }).apply(y);
  const logits = tfl.layers.dense({ units: 10, name: "logits" }).apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits });
}

describeFusedEqualsPredict([
  ["plain-34, 48x48", () => resnet({ depth: 34, residual: false, inputShape: [48, 48, 3], ...LOGITS, seed: 3 })],
  ["ResNet-18 with shortcut A (ZeroPadShortcut), 48x48", () => resnet({ depth: 18, shortcut: "A", inputShape: [48, 48, 3], ...LOGITS, seed: 3 })],
  ["ResNet-50 with shortcut C (all projections), 32x32", () => resnet({ depth: 50, shortcut: "C", inputShape: [32, 32, 3], ...LOGITS, seed: 3 })],
  ["ResNet-18 without top, avg pooling", () => resnet({ depth: 18, includeTop: false, pooling: "avg", inputShape: [48, 48, 3], seed: 3 })],
  ["ResNet-18 without top, max pooling", () => resnet({ depth: 18, includeTop: false, pooling: "max", inputShape: [48, 48, 3], seed: 3 })],
  ["ResNet-18 without top and pooling (feature map)", () => resnet({ depth: 18, includeTop: false, pooling: null, inputShape: [40, 33, 1], seed: 3 })],
  ["CIFAR ResNet-20 from basicBlock, shortcut A", cifarResnet20],
  ["ResNet-50, 40x33x1 (odd sizes after every stride)", () => resnet({ depth: 50, inputShape: [40, 33, 1], ...LOGITS, seed: 3 })],
  ["ResNet-50 V2 (Keras, pre-activation), 32x32", () => resnet50v2({ inputShape: [32, 32, 3], ...LOGITS, seed: 3 })],
  ["wide ResNet-50-2, 32x32", () => wideResnet50_2({ inputShape: [32, 32, 3], ...LOGITS, seed: 3 })],
  ["ResNeXt-50 32x4d (grouped 3x3s), 32x32", () => resnext50_32x4d({ inputShape: [32, 32, 3], ...LOGITS, seed: 3 })],
  ["CIFAR ResNet-14 from cifarResnet, shortcut A", () => cifarResnet({ depth: 14, classifierActivation: "linear", seed: 3 })],
]);

describe("fuse(CIFAR ResNet-20)", () => {
  it("runs each option-A shortcut as one step and folds every batch norm", async () => {
    await useTestBackend("cpu");
    const model = cifarResnet20();
    const fused = fuse(model);
    const kinds = fused.steps.map((step) => step.kind);
    expect(kinds.filter((kind) => kind === "conv")).toHaveLength(19);
    expect(kinds.filter((kind) => kind === "zeroPadShortcut")).toHaveLength(2);
    expect(kinds.filter((kind) => kind === "add")).toHaveLength(9);
    expect(kinds).not.toContain("batchNorm");
    expect(kinds).not.toContain("activation");
    fused.dispose();
    model.dispose();
  });
});

describe("fuse(ResNeXt-50 32x4d) on resnet-blocks' kernel", () => {
  it("runs every convolution whose groups fill the kernel's 8-channel panels on it, stage 1's 3x3s (4 channels a group) per group on tfjs's", async () => {
    await useTestBackend("wasm");
    const model = resnext50_32x4d({ inputShape: [32, 32, 3], classes: 10, classifierActivation: "linear", seed: 3 });
    const fused = fuse(model, { kernels: "resnet-blocks" });
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, "float32", 1);
    const profile = await tf.profile(() => fused.predict(x));
    const count = (name: string) => profile.kernels.filter((kernel) => kernel.name === name).length;
    // 53 convolutions: the stem, 16 blocks of three, 4 projections; conv2_x's three grouped 3x3s stay on tfjs, 32 calls each.
    expect(count("ResnetBlocksConv2D")).toBe(53 - 3);
    expect(count("FusedConv2D")).toBe(3 * 32);
    tf.dispose(x);
    fused.dispose();
    model.dispose();
  });
});
