/**
 * Each convention's total for torchvision's ResNet-18 and -50 at 224x224, against the figure the
 * tool publishes (quoted with its source and the rounding it prints) and, always, against the
 * tool's rule applied here by hand to the layer list of the spec: its own fields (kernel,
 * channels, output shapes, inputs), none of the counter's figures.
 */
import { describe, expect, it } from "vitest";
import { count, conventionCount, CONVENTIONS, resnetSpec, type Convention, type CountReport, type LayerSpec } from "../../src/count/index.js";

const DEPTHS = [18, 50] as const;
const reports = new Map(DEPTHS.map((depth) => [depth, count({ depth, preset: "torchvision" })]));
const report = (depth: (typeof DEPTHS)[number]): CountReport => reports.get(depth)!;
const total = (depth: (typeof DEPTHS)[number], convention: Convention): number => conventionCount(report(depth), convention).total;

/** Sums over the layer list of torchvision's net, read from the spec's fields. */
function layerList(depth: number) {
  const spec = resnetSpec({ depth: depth as 18 | 50, preset: "torchvision" });
  const byName = new Map(spec.layers.map((layer) => [layer.name, layer]));
  const n = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  // What PyTorch's pool sees: the tensor before our explicit zero padding (torchvision pads inside MaxPool2d).
  const unpadded = (name: string): LayerSpec => {
    let layer = byName.get(name)!;
    while (layer.kind === "pad") layer = byName.get(layer.inputs[0]!)!;
    return layer;
  };
  const sums = { conv: 0, fc: 0, fcBias: 0, bn: 0, bnChannels: 0, relu: 0, add: 0, maxIn: 0, maxOut: 0, maxWindow: 0, avgIn: 0, avgOut: 0 };
  for (const layer of spec.layers) {
    if (layer.kind === "conv") sums.conv += layer.kernel * layer.kernel * layer.channelsIn * n(layer.outputShape);
    if (layer.kind === "dense") {
      sums.fc += layer.unitsIn * layer.units;
      sums.fcBias += layer.units;
      expect(layer.activation).toBe("linear"); // torchvision's net ends in logits: no softmax to count
    }
    if (layer.kind === "batchNorm") {
      sums.bn += n(layer.outputShape);
      sums.bnChannels += layer.channels;
    }
    if (layer.kind === "relu") sums.relu += n(layer.outputShape);
    if (layer.kind === "add") sums.add += (layer.inputs.length - 1) * n(layer.outputShape);
    if (layer.kind === "maxPool") {
      sums.maxIn += n(unpadded(layer.inputs[0]!).outputShape);
      sums.maxOut += n(layer.outputShape);
      sums.maxWindow = layer.pool * layer.pool;
    }
    if (layer.kind === "globalAvgPool") {
      sums.avgIn += n(byName.get(layer.inputs[0]!)!.outputShape);
      sums.avgOut += n(layer.outputShape);
    }
  }
  return sums;
}

/** Each tool's rule, written out by hand from its source (docs/flops.md cites the lines). */
const BY_HAND: Record<Convention, (l: ReturnType<typeof layerList>) => number> = {
  paper: (l) => l.conv + l.fc,
  // conv_flop_jit / linear_flop_jit (MACs, no bias), batchnorm_flop_jit in eval (2 per element), adaptive_avg_pool2d (1 per input).
  fvcore: (l) => l.conv + l.fc + 2 * l.bn + l.avgIn,
  // Module hooks (conv, linear with bias, BN 2 per element, ReLU per element, pools per input element), and F.relu,
  // F.max_pool2d, F.adaptive_avg_pool2d counted again by the functional patches those modules call.
  ptflops: (l) => l.conv + l.fc + l.fcBias + 2 * l.bn + 2 * l.relu + 2 * (l.maxIn + l.avgIn),
  // count_convNd and count_linear (MACs, no bias), count_normalization 2 x 2 per element, count_adap_avgpool (k + 1) per output.
  thop: (l) => l.conv + l.fc + 4 * l.bn + (l.avgIn / l.avgOut + 1) * l.avgOut,
  // 2 x MACs (no linear bias), batch_norm (eval) 2 per element, relu per element, pools per input element.
  calflops: (l) => 2 * (l.conv + l.fc) + 2 * l.bn + l.relu + l.maxIn + l.avgIn,
  "torch-flop-counter": (l) => 2 * (l.conv + l.fc),
  // Conv2D / MatMul 2 x MACs, BiasAdd, FusedBatchNormV3 2 per element + 6 per channel, AddV2, MaxPool window x output, Mean.
  "keras-flops": (l) => 2 * (l.conv + l.fc) + l.fcBias + 2 * l.bn + 6 * l.bnChannels + l.add + l.maxWindow * l.maxOut + l.avgIn,
};

describe("FLOP conventions, torchvision ResNet-18 and -50 at 224x224", () => {
  it.each(DEPTHS.flatMap((depth) => CONVENTIONS.map((convention) => [depth, convention] as const)))(
    "ResNet-%i, %s: the tool's rule applied by hand to the layer list",
    (depth, convention) => {
      expect(total(depth, convention)).toBe(BY_HAND[convention](layerList(depth)));
    },
  );

  it("ptflops: its README's table (pytorch backend column, 2 decimals of GMac, params in M)", () => {
    // https://github.com/sovrasov/flops-counter.pytorch/blob/d612c7547445841a325fd2a1ff2ab27583f01bae/README.md#L121-L122
    // "resnet18               | 224x224          | 11.69     | 1.83                | 1.81"
    // "resnet50               | 224x224          | 25.56     | 4.13                | 4.09"
    // (Model | Input Resolution | Params(M) | MACs(G) (`pytorch`) | MACs(G) (`aten`)); ptflops prints round(macs / 1e9, 2).
    expect((total(18, "ptflops") / 1e9).toFixed(2)).toBe("1.83");
    expect((total(50, "ptflops") / 1e9).toFixed(2)).toBe("4.13");
    expect((report(18).params.trainable / 1e6).toFixed(2)).toBe("11.69");
    expect((report(50).params.trainable / 1e6).toFixed(2)).toBe("25.56");
    // The aten column counts aten.convolution and aten.addmm only (the bias of addmm included): paper + 1,000.
    expect(((total(18, "paper") + 1000) / 1e9).toFixed(2)).toBe("1.81");
    expect(((total(50, "paper") + 1000) / 1e9).toFixed(2)).toBe("4.09");
  });

  it("thop: its README's table (MACs(G), 2 decimals); ResNet-50's 4.14 is the 2019 rule, today's gives 4.13", () => {
    // https://github.com/Lyken17/pytorch-OpCounter/blob/43c064afb71383501e41eaef9e8c8407265cf77f/README.md#L61-L63
    // "resnet18 | 11.69 | 1.82", "resnet50 | 25.56 | 4.14" (Model | Params(M) | MACs(G)).
    expect((total(18, "thop") / 1e9).toFixed(2)).toBe("1.82");
    expect((report(18).params.trainable / 1e6).toFixed(2)).toBe("11.69");
    expect((report(50).params.trainable / 1e6).toFixed(2)).toBe("25.56");
    // The table dates from commit 1023a53 (2019-09-02), when count_linear counted (2 * in - 1) per output
    // (thop/count_hooks.py lines 123-130 there); release 0.1.1 counts in * out. By hand, the 2019 rule:
    const l = layerList(50);
    const rule2019 = l.conv + (2 * 2048 - 1) * 1000 + 4 * l.bn + (l.avgIn / l.avgOut + 1) * l.avgOut;
    expect((rule2019 / 1e9).toFixed(2)).toBe("4.14");
    expect((total(50, "thop") / 1e9).toFixed(2)).toBe("4.13");
  });

  it("paper: torchvision's docs print ResNet-50's multiply-adds as GFLOPS 4.09", () => {
    // https://pytorch.org/vision/master/models/generated/torchvision.models.resnet50.html
    // ResNet50_Weights.IMAGENET1K_V1: "GFLOPS 4.09" (2 decimals).
    expect((total(50, "paper") / 1e9).toFixed(2)).toBe("4.09");
    expect(total(50, "paper")).toBe(report(50).macs);
  });

  it("is a function of the report: a report with every layer's MACs set to 0 loses exactly the matmul part", () => {
    const original = report(50);
    const noMacs: CountReport = { ...original, layers: original.layers.map((layer) => ({ ...layer, macs: 0, flops: 0 })) };
    for (const convention of CONVENTIONS) {
      const before = conventionCount(original, convention);
      const after = conventionCount(noMacs, convention);
      expect(after.parts.matmul).toBe(0);
      expect(after.total).toBe(before.total - before.parts.matmul);
      expect(Object.values(before.parts).reduce((a, b) => a + b, 0)).toBe(before.total);
    }
  });

  it("count(options.convention) gives report.convention; MACs conventions and FLOPs conventions say which", () => {
    const withConvention = count({ depth: 50, preset: "torchvision" }, { convention: "fvcore" });
    expect(withConvention.convention).toEqual(conventionCount(report(50), "fvcore"));
    expect(withConvention.macs).toBe(report(50).macs);
    expect(count({ depth: 18 }).convention).toBeUndefined();
    expect(conventionCount(report(18), "fvcore").unit).toBe("MACs");
    expect(conventionCount(report(18), "torch-flop-counter").unit).toBe("FLOPs");
  });

  it("a softmax top counts per each tool's softmax rule", () => {
    const paper = count({ depth: 18 }); // paper preset: dense with softmax, 1000 classes
    const parts = (convention: Convention) => conventionCount(paper, convention).parts.softmax;
    expect([parts("paper"), parts("fvcore"), parts("ptflops"), parts("thop"), parts("calflops"), parts("torch-flop-counter"), parts("keras-flops")]).toEqual([
      0, 0, 1000, 2999, 1000, 0, 5000,
    ]);
  });

  it.each([
    [() => count({ depth: 18 }, { convention: "flops" as Convention }), /options\.convention must be one of "paper", "fvcore", "ptflops", "thop", "calflops", "torch-flop-counter", "keras-flops"; got "flops"/],
    [() => conventionCount(report(18), "FVCORE" as Convention), /convention must be one of "paper", .*; got "FVCORE"/],
    [() => count({ depth: 18 }, null as never), /options must be an object; got null/],
  ])("bad input is refused with a message naming it (%#)", (call, message) => {
    expect(call).toThrow(message);
  });
});
