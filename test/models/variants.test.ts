/**
 * The family beyond Table 1, as options of the same description: Keras's ResNetV2, torchvision's
 * wide ResNets and ResNeXts, and the CIFAR nets of section 4.2. Each is checked against figures
 * from outside this library (Keras's summaries and the arithmetic of its source, torchvision's
 * tables, the paper's Table 6) and the built model against the counter.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { cifarResnetSpec } from "../../src/arch/cifarSpec.js";
import { resnetSpec } from "../../src/arch/resnetSpec.js";
import type { ResNetOptions } from "../../src/arch/types.js";
import { count } from "../../src/count/count.js";
import {
  resnet,
  resnet101v2,
  resnet152v2,
  resnet50v2,
  resnext50_32x4d,
  wideResnet50_2,
} from "../../src/models/resnet.js";
import { cifarResnet } from "../../src/train/cifar/cifarResnet.js";
import { expectModelMatchesCount } from "../helpers/modelMatchesCount.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

/** Blocks per stack of Keras's ResNet50V2, ResNet101V2 and ResNet152V2 (`stack2` calls in resnet_v2.py). */
const KERAS_V2_STACKS = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] } as const;

/**
 * Parameters of Keras's ResNetV2 (`include_top=True`, 224x224x3, 1000 classes), by the
 * arithmetic of keras/src/applications/resnet.py: `block2` is BN(c_in) [4 c_in, half of them
 * moving statistics]; a shortcut Conv2D(4f, 1) with bias in the first block of a stack; Conv2D(f,
 * 1, use_bias=False), BN(f); Conv2D(f, 3, use_bias=False), BN(f); Conv2D(4f, 1) with bias. Then
 * `post_bn` (2048) and the 2048 x 1000 dense with bias.
 */
function kerasV2Params(depth: 50 | 101 | 152): { total: number; nonTrainable: number } {
  let total = 7 * 7 * 3 * 64 + 64; // conv1_conv, use_bias=True
  let nonTrainable = 0;
  let channels = 64;
  const bn = (c: number) => {
    total += 4 * c;
    nonTrainable += 2 * c;
  };
  KERAS_V2_STACKS[depth].forEach((blocks, stack) => {
    const f = 64 * 2 ** stack;
    for (let block = 1; block <= blocks; block++) {
      bn(channels); // preact_bn
      if (block === 1) total += channels * 4 * f + 4 * f; // 0_conv
      total += channels * f; // 1_conv
      bn(f);
      total += 9 * f * f; // 2_conv
      bn(f);
      total += f * 4 * f + 4 * f; // 3_conv
      channels = 4 * f;
    }
  });
  bn(2048); // post_bn
  total += 2048 * 1000 + 1000;
  return { total, nonTrainable };
}

/**
 * The layer names of Keras's ResNetV2 in the order `stack2`/`block2` create them. The 1x1
 * max pool that subsamples an identity shortcut has no name in Keras (it gets
 * `max_pooling2d_N`); this library names it `<block>_0_pool`.
 */
function kerasV2LayerNames(depth: 50 | 101 | 152): string[] {
  const names = ["input", "conv1_pad", "conv1_conv", "pool1_pad", "pool1_pool"];
  KERAS_V2_STACKS[depth].forEach((blocks, stack) => {
    for (let block = 1; block <= blocks; block++) {
      const name = `conv${stack + 2}_block${block}`;
      const stride = block === blocks && stack < 3 ? 2 : 1;
      names.push(`${name}_preact_bn`, `${name}_preact_relu`);
      const shortcut = block === 1 ? [`${name}_0_conv`] : stride > 1 ? [`${name}_0_pool`] : [];
      names.push(`${name}_1_conv`, `${name}_1_bn`, `${name}_1_relu`);
      names.push(`${name}_2_pad`, `${name}_2_conv`, `${name}_2_bn`, `${name}_2_relu`, `${name}_3_conv`);
      names.push(...shortcut, `${name}_out`);
    }
  });
  names.push("post_bn", "post_relu", "avg_pool", "predictions");
  return names;
}

describe("ResNetV2 (pre-activation) as Keras Applications builds it", () => {
  it.each([
    [50, 25_613_800],
    [101, 44_675_560],
    [152, 60_380_648],
  ] as const)("ResNet%iV2 has Keras's %i parameters, as its source's arithmetic gives them", (depth, printed) => {
    const expected = kerasV2Params(depth);
    expect(expected.total).toBe(printed);
    const report = count({ depth, preset: "keras", preactivation: true });
    expect(report.name).toBe(`resnet${depth}v2`);
    expect(report.params.total).toBe(printed);
    expect(report.params.nonTrainable).toBe(expected.nonTrainable);
  });

  it.each([50, 101, 152] as const)("ResNet%iV2: Keras's layers in Keras's order, the stride on each stack's last block", (depth) => {
    const spec = resnetSpec({ depth, preset: "keras", preactivation: true });
    // The spec lists a block's shortcut after its branch's layers, as Keras's graph order has them.
    expect(spec.layers.map((layer) => layer.name).sort()).toEqual(kerasV2LayerNames(depth).sort());
    const shape = (name: string) => spec.layers.find((layer) => layer.name === name)!.outputShape;
    const last = KERAS_V2_STACKS[depth];
    expect(shape(`conv2_block${last[0]}_out`)).toEqual([28, 28, 256]);
    expect(shape(`conv3_block${last[1]}_out`)).toEqual([14, 14, 512]);
    expect(shape(`conv4_block${last[2]}_out`)).toEqual([7, 7, 1024]);
    expect(shape(`conv5_block${last[3]}_out`)).toEqual([7, 7, 2048]);
    expect(shape("post_relu")).toEqual([7, 7, 2048]);
  });

  it("builds Keras's layer configs: biases only where no batch norm follows, the 3x3 padded explicitly, no ReLU after the add", async () => {
    await expectNoLeak(() => {
      const model = resnet50v2({ inputShape: [64, 64, 3], seed: 1 });
      const config = (name: string) => model.getLayer(name).getConfig();
      expect(model.name).toBe("resnet50v2");
      expect(config("conv1_conv")).toMatchObject({ useBias: true, strides: [2, 2], padding: "valid" });
      expect(() => model.getLayer("conv1_bn")).toThrow();
      expect(config("conv2_block1_1_conv")).toMatchObject({ useBias: false, strides: [1, 1] });
      expect(config("conv2_block3_2_conv")).toMatchObject({ useBias: false, strides: [2, 2], padding: "valid" });
      expect(config("conv2_block3_2_pad")).toMatchObject({ padding: [[1, 1], [1, 1]] });
      expect(config("conv2_block1_3_conv")).toMatchObject({ useBias: true });
      expect(config("conv2_block3_0_pool")).toMatchObject({ poolSize: [1, 1], strides: [2, 2] });
      expect(config("conv2_block1_preact_bn")).toMatchObject({ epsilon: 1.001e-5, momentum: 0.99 });
      expect(model.getLayer("conv2_block1_out").getClassName()).toBe("Add");
      expect(model.getLayer("post_relu").getClassName()).toBe("Activation");
      model.dispose();
    });
  });
});

describe("wide ResNets and ResNeXts as torchvision builds them", () => {
  // torchvision's model tables: "Params" and "GFLOPS" (multiply-adds at 224x224).
  const TORCHVISION: [string, ResNetOptions, number, number][] = [
    ["wide_resnet50_2", { depth: 50, preset: "torchvision", widthPerGroup: 128 }, 68_883_240, 11.4],
    ["wide_resnet101_2", { depth: 101, preset: "torchvision", widthPerGroup: 128 }, 126_886_696, 22.75],
    ["resnext50_32x4d", { depth: 50, preset: "torchvision", groups: 32, widthPerGroup: 4 }, 25_028_904, 4.23],
    ["resnext101_32x8d", { depth: 101, preset: "torchvision", groups: 32, widthPerGroup: 8 }, 88_791_336, 16.41],
  ];
  it.each(TORCHVISION)("%s: torchvision's parameters and GMACs", (name, options, params, gmacs) => {
    const report = count(options);
    expect(report.name).toBe(name);
    expect(report.params.trainable).toBe(params);
    expect(Number((report.macs / 1e9).toFixed(2))).toBe(gmacs);
  });

  it("resnext50_32x4d's 3x3s have 32 groups and 128, 256, 512, 1024 channels; the counter counts 1/32 of a full convolution's weights", () => {
    const spec = resnetSpec({ depth: 50, preset: "torchvision", groups: 32, widthPerGroup: 4 });
    const convs = spec.layers.filter((layer) => layer.kind === "conv" && layer.block === 1 && layer.unit === 2);
    expect(convs.map((conv) => [conv.stage, conv.kind === "conv" && conv.groups, conv.outputShape[2]])).toEqual([
      ["conv2_x", 32, 128],
      ["conv3_x", 32, 256],
      ["conv4_x", 32, 512],
      ["conv5_x", 32, 1024],
    ]);
    const layer = count(spec).layers.find((l) => l.name === "conv2_block1_2_conv")!;
    expect(layer.params.trainable).toBe((3 * 3 * 128 * 128) / 32);
  });
});

describe("every variant: the built model is the spec", () => {
  const FACTORIES: [string, (options: { inputShape: [number, number, number]; seed: number }) => tfl.LayersModel, ResNetOptions][] = [
    ["resnet50v2", resnet50v2, { depth: 50, preset: "keras", preactivation: true }],
    ["resnet101v2", resnet101v2, { depth: 101, preset: "keras", preactivation: true }],
    ["resnet152v2", resnet152v2, { depth: 152, preset: "keras", preactivation: true }],
    ["wideResnet50_2", wideResnet50_2, { depth: 50, preset: "torchvision", widthPerGroup: 128 }],
    ["resnext50_32x4d", resnext50_32x4d, { depth: 50, preset: "torchvision", groups: 32, widthPerGroup: 4 }],
  ];
  // wideResnet101_2 and resnext101_32x8d are the same code with other numbers (counted above);
  // building them here would spend half a minute initialising 216 M weights.
  it.each(FACTORIES)("%s at 64x64: parameters, layers and figures equal the counter's", async (_name, factory, options) => {
    await expectNoLeak(() => {
      const model = factory({ inputShape: [64, 64, 3], seed: 2 });
      expectModelMatchesCount(model, count({ ...options, inputShape: [64, 64, 3] }));
      model.dispose();
    });
  });

  it("resnext50_32x4d and resnet50v2 run a forward pass without leaking", async () => {
    for (const factory of [resnext50_32x4d, resnet50v2]) {
      const model = factory({ inputShape: [32, 32, 3], classes: 5, seed: 3 });
      await expectNoLeak(async () => {
        const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 4);
        const y = model.predict(x) as tf.Tensor;
        expect(y.shape).toEqual([2, 5]);
        expect((await y.data()).every(Number.isFinite)).toBe(true);
        tf.dispose([x, y]);
      });
      model.dispose();
    }
  });
});

describe("the CIFAR nets through the same description", () => {
  // Table 6 of the paper: # params in millions as printed.
  it.each([
    [20, 0.27, 2],
    [32, 0.46, 2],
    [44, 0.66, 2],
    [56, 0.85, 2],
    [110, 1.7, 1],
    [1202, 19.4, 1],
  ] as const)("count(cifarResnetSpec({ depth: %i })) has Table 6's %f M parameters", (depth, millions, digits) => {
    const report = count(cifarResnetSpec({ depth }));
    expect(report.name).toBe(`resnet${depth}`);
    expect(Number((report.params.trainable / 1e6).toFixed(digits))).toBe(millions);
  });

  it("count() of the spec equals countModel() of the built net (residual and plain, shortcut B)", async () => {
    for (const options of [{ depth: 20 }, { depth: 14, residual: false }, { depth: 8, shortcut: "B" as const }]) {
      await expectNoLeak(() => {
        const model = cifarResnet({ ...options, seed: 1 });
        expectModelMatchesCount(model, count(cifarResnetSpec(options)));
        model.dispose();
      });
    }
  });
});

describe("variant options are checked at the call", () => {
  it.each([
    ["preactivation on basic blocks", { depth: 18, preactivation: true }, RangeError, /^preactivation needs bottleneck blocks: depth 50, 101 or 152; got depth 18$/],
    ["groups on basic blocks", { depth: 34, groups: 2 }, RangeError, /^groups needs bottleneck blocks/],
    ["groups 0", { depth: 50, groups: 0 }, RangeError, /^groups must be an integer >= 1; got 0$/],
    ["widthPerGroup 1.5", { depth: 50, widthPerGroup: 1.5 }, RangeError, /^widthPerGroup must be an integer >= 1; got 1.5$/],
    ["preactivation 'yes'", { depth: 50, preactivation: "yes" }, TypeError, /^preactivation must be true or false; got "yes"$/],
    ["strideIn 1x1 with preactivation", { depth: 50, preactivation: true, strideIn: "1x1" }, RangeError, /^strideIn must be "3x3" with preactivation/],
    ["zeroInitResidual with preactivation", { depth: 50, preactivation: true, zeroInitResidual: true }, RangeError, /^zeroInitResidual must be false with preactivation/],
  ])("%s", (_label, options, ErrorType, message) => {
    expect(() => resnetSpec(options as never)).toThrow(ErrorType);
    expect(() => resnetSpec(options as never)).toThrow(message);
  });

  it("a factory refuses the options it fixes", () => {
    expect(() => resnext50_32x4d({ groups: 8 } as never)).toThrow(/^options.groups is fixed by resnext50_32x4d\(\)/);
    expect(() => resnet50v2({ depth: 101 } as never)).toThrow(/^options.depth is fixed by resnet50v2\(\)/);
    expect(() => wideResnet50_2({ widthPerGroup: 64 } as never)).toThrow(/^options.widthPerGroup is fixed by wideResnet50_2\(\)/);
  });

  it("a factory's default preset gives way to the user's", () => {
    const model = resnet({ depth: 50, preactivation: true, inputShape: [32, 32, 3] });
    expect(model.getLayer("conv1_conv").getConfig()).toMatchObject({ useBias: false }); // paper preset
    model.dispose();
    const keras = resnet50v2({ preset: "paper", inputShape: [32, 32, 3] });
    expect(keras.getLayer("conv1_conv").getConfig()).toMatchObject({ useBias: false });
    keras.dispose();
  });
});
