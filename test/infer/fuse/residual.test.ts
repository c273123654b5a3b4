import { describe, expect, it } from "vitest";
import { fuse } from "../../../src/infer/fuse/index.js";
import { resnet, type ResNetBuildOptions } from "../../../src/models/resnet.js";
import { useTestBackend } from "../../helpers/tf.js";
import { describeFusedEqualsPredict, expectFusedEqualsPredict, perturbed } from "./compare.js";

// Each model is built once (on cpu), its weights perturbed, then fused and compared with
// model.predict on the tfjs cpu backend and on wasm. Small inputs keep the cpu backend fast;
// 40x36 gives odd sizes after the stride-2 layers.
const LOGITS = { classes: 10, classifierActivation: "linear" } as const;
describeFusedEqualsPredict(
  (
    [
      ["ResNet-18, 64x64", { depth: 18, inputShape: [64, 64, 3], ...LOGITS }],
      ["ResNet-50, 40x36", { depth: 50, inputShape: [40, 36, 3], ...LOGITS }],
      ["ResNet-50, keras preset (conv biases), softmax top, 32x32", { depth: 50, preset: "keras", inputShape: [32, 32, 3], classes: 10 }],
      ["ResNet-50, torchvision preset (stride on the 3x3), 40x36", { depth: 50, preset: "torchvision", inputShape: [40, 36, 3], ...LOGITS }],
    ] as [string, ResNetBuildOptions][]
  ).map(([name, options]) => [name, () => resnet({ ...options, seed: 3 })]),
);

describe("fuse(ResNet-50) folds the layers", () => {
  it("into one conv step per convolution, with its padding, batch norm and ReLU; one add step per block", async () => {
    await useTestBackend("cpu");
    const model = resnet({ depth: 50, inputShape: [32, 32, 3], ...LOGITS, seed: 1 });
    const fused = fuse(model);
    const kinds = fused.steps.map((step) => step.kind);
    const convLayers = model.layers.filter((layer) => layer.getClassName() === "Conv2D");
    expect(kinds.filter((kind) => kind === "conv")).toHaveLength(convLayers.length);
    expect(kinds.filter((kind) => kind === "add")).toHaveLength(16);
    // The stem's and the max pool's explicit paddings went into the ops' padding; no batch norm or ReLU runs alone.
    expect(kinds).not.toContain("pad");
    expect(kinds).not.toContain("batchNorm");
    expect(kinds).not.toContain("activation");
    expect(fused.steps[0]).toEqual({ kind: "conv", layers: ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu"] });
    expect(fused.steps[1]).toEqual({ kind: "maxPool", layers: ["pool1_pad", "pool1_pool"] });
    const block = fused.steps.find((step) => step.kind === "add")!;
    expect(block.layers).toEqual(["conv2_block1_add", "conv2_block1_out"]);
    // Every layer of the model is computed by exactly one step.
    const covered = fused.steps.flatMap((step) => step.layers).sort();
    const all = model.layers.filter((layer) => layer.getClassName() !== "InputLayer").map((layer) => layer.name);
    expect(covered).toEqual(all.sort());
    fused.dispose();
    model.dispose();
  });
});

describe("fuse(ResNet-50) at 224x224 on wasm", () => {
  it("predict equals model.predict (fused with warmUp)", async () => {
    await useTestBackend("wasm");
    const model = perturbed(resnet({ depth: 50, classifierActivation: "linear", seed: 5 }));
    await expectFusedEqualsPredict(model, { batch: 1, options: { warmUp: true } });
    model.dispose();
  });
});
