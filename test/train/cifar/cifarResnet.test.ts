import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { countModel } from "../../../src/models/countModel.js";
import { cifarResnet } from "../../../src/train/cifar/cifarResnet.js";
import { expectNoLeak, maxAbsDiff, perturbWeights, useTestBackend } from "../../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

/**
 * Trainable parameters of the CIFAR net with n blocks per stage, widths w, 2w, 4w, by
 * closed-form arithmetic: 3x3 convs without bias, batch norm gamma and beta, dense + bias.
 */
function closedFormTrainable(n: number, { w = 16, channelsIn = 3, classes = 10 } = {}): number {
  const conv = (cin: number, cout: number) => 9 * cin * cout;
  const bn = (c: number) => 2 * c;
  const stem = conv(channelsIn, w) + bn(w);
  const stage = (cin: number, c: number) => conv(cin, c) + conv(c, c) + 2 * bn(c) + (n - 1) * (2 * conv(c, c) + 2 * bn(c));
  return stem + stage(w, w) + stage(w, 2 * w) + stage(2 * w, 4 * w) + 4 * w * classes + classes;
}

/** Moving mean and variance: two per batch-norm channel, one batch norm per conv. */
function closedFormNonTrainable(n: number, w = 16): number {
  return 2 * (w + 2 * n * (w + 2 * w + 4 * w));
}

/** Multiply-adds per image of the 32x32 net with n blocks per stage (16/32/64 filters). */
function closedFormMacs(n: number): number {
  const conv = (size: number, cin: number, cout: number) => size * size * 9 * cin * cout;
  const stem = conv(32, 3, 16);
  const stage1 = 2 * n * conv(32, 16, 16);
  const stage2 = conv(16, 16, 32) + (2 * n - 1) * conv(16, 32, 32);
  const stage3 = conv(8, 32, 64) + (2 * n - 1) * conv(8, 64, 64);
  return stem + stage1 + stage2 + stage3 + 64 * 10;
}

describe("cifarResnet: the nets of section 4.2", () => {
  // Table 6 of the paper: # params of ResNet-20/32/44/56/110, in millions as printed.
  const paper: [depth: number, millions: number, digits: number][] = [
    [20, 0.27, 2],
    [32, 0.46, 2],
    [44, 0.66, 2],
    [56, 0.85, 2],
    [110, 1.7, 1],
  ];
  it.each(paper)("ResNet-%i has the paper's %f M parameters and the closed-form count", (depth, millions, digits) => {
    const model = cifarResnet({ depth });
    const report = countModel(model);
    const n = (depth - 2) / 6;
    expect(report.params.trainable).toBe(closedFormTrainable(n));
    expect(report.params.nonTrainable).toBe(closedFormNonTrainable(n));
    expect(Number((report.params.trainable / 1e6).toFixed(digits))).toBe(millions);
    expect(report.uncounted).toEqual([]);
    model.dispose();
  });

  it("ResNet-1202 has the paper's 19.4M parameters", () => {
    const model = cifarResnet({ depth: 1202 });
    const trainable = countModel(model).params.trainable;
    expect(trainable).toBe(closedFormTrainable(200));
    expect(Number((trainable / 1e6).toFixed(1))).toBe(19.4);
    model.dispose();
  });

  it("ResNet-20 takes the closed-form 40.6M multiply-adds (the paper's 'about 41M') and counts per stage", () => {
    const model = cifarResnet({ depth: 20 });
    const report = countModel(model);
    expect(report.macs).toBe(closedFormMacs(3));
    expect(report.macs).toBe(40_551_040);
    expect(report.flops).toBe(2 * report.macs);
    const stages = Object.fromEntries(report.stages.map((s) => [s.name, s.macs]));
    expect(stages).toMatchObject({ conv1: 32 * 32 * 27 * 16, conv2_x: 6 * 32 * 32 * 9 * 16 * 16, head: 640 });
    model.dispose();
  });

  it("has depth weighted layers (6n + 1 convs and the dense), 3n adds, and the stage shapes of the paper", () => {
    for (const residual of [true, false]) {
      const model = cifarResnet({ depth: 14, residual });
      const kinds = model.layers.map((l) => l.getClassName());
      expect(kinds.filter((k) => k === "Conv2D").length + kinds.filter((k) => k === "Dense").length).toBe(14);
      expect(kinds.filter((k) => k === "Add").length).toBe(residual ? 6 : 0);
      expect(kinds.filter((k) => k === "ZeroPadShortcut").length).toBe(residual ? 2 : 0);
      expect(model.getLayer("conv1_conv").outputShape).toEqual([null, 32, 32, 16]);
      expect(model.getLayer("conv2_block2_out").outputShape).toEqual([null, 32, 32, 16]);
      expect(model.getLayer("conv3_block1_out").outputShape).toEqual([null, 16, 16, 32]);
      expect(model.getLayer("conv4_block2_out").outputShape).toEqual([null, 8, 8, 64]);
      expect(model.getLayer("avg_pool").outputShape).toEqual([null, 64]);
      expect(model.getLayer("predictions").outputShape).toEqual([null, 10]);
      expect(model.getLayer("conv3_block1_1_conv").getConfig()).toMatchObject({ strides: [2, 2], padding: "valid", useBias: false });
      expect(model.getLayer("conv3_block2_1_conv").getConfig()).toMatchObject({ strides: [1, 1], padding: "same" });
      expect(model.getLayer("conv2_block1_1_bn").getConfig()).toMatchObject({ epsilon: 1e-5, momentum: 0.9 });
      expect(model.name).toBe(residual ? "resnet14" : "plain14");
      // Option A adds no parameters, so the plain net has exactly as many.
      expect(model.countParams()).toBe(closedFormTrainable(2) + closedFormNonTrainable(2));
      model.dispose();
    }
  });

  it("follows the paper preset's He-normal initialisation: conv kernels have variance 2 / fan-in", async () => {
    const model = cifarResnet({ depth: 8, seed: 3 });
    const kernel = model.getLayer("conv4_block1_2_conv").getWeights()[0]!; // 3x3x64x64: fan-in 576
    const variance = tf.tidy(() => tf.moments(kernel).variance.dataSync()[0]!);
    // tfjs's heNormal draws a normal of variance 2 / fan-in truncated at 2 sigma (not rescaled),
    // which keeps 0.7737 of the variance; Glorot uniform would give 1 / 576. 36,864 samples:
    // the sampling error of the variance is under 1%, so 5% cannot pass by chance.
    const truncated = (2 / 576) * 0.7737;
    expect(variance).toBeGreaterThan(truncated * 0.95);
    expect(variance).toBeLessThan(truncated * 1.05);
    model.dispose();
  });

  it("computes what a hand-written forward pass of the same weights computes (residual and plain, odd input size)", async () => {
    for (const residual of [true, false]) {
      const model = cifarResnet({ depth: 8, residual, inputShape: [9, 9, 3], classes: 5, seed: 7 });
      perturbWeights(model, 11);
      await expectNoLeak(async () => {
        const x = tf.randomNormal([2, 9, 9, 3], 0, 1, "float32", 5) as tf.Tensor4D;
        const y = model.predict(x) as tf.Tensor;
        const expected = referenceForward(model, x, residual);
        expect(y.shape).toEqual([2, 5]);
        expect(await maxAbsDiff(y, expected)).toBeLessThan(1e-5);
        tf.dispose([x, y, expected]);
      });
      model.dispose();
    }
  });

  it("reproduces weights from a seed, and different seeds give different weights", () => {
    const a = cifarResnet({ depth: 8, seed: 1 });
    const b = cifarResnet({ depth: 8, seed: 1 });
    const c = cifarResnet({ depth: 8, seed: 2 });
    const first = (m: tfl.LayersModel, name: string) => m.getLayer(name).getWeights()[0]!.dataSync()[0];
    for (const name of ["conv1_conv", "conv3_block1_2_conv", "predictions"]) {
      expect(first(a, name)).toBe(first(b, name));
      expect(first(a, name)).not.toBe(first(c, name));
    }
    // Every kernel has its own seed: two same-shaped kernels differ.
    expect(first(a, "conv2_block1_1_conv")).not.toBe(first(a, "conv2_block1_2_conv"));
    [a, b, c].forEach((m) => m.dispose());
  });

  it("with shortcut 'B' adds exactly the two 1x1 projections (conv + batch norm) where the shape changes", () => {
    const model = cifarResnet({ depth: 8, shortcut: "B" });
    const projections = 16 * 32 + 2 * 32 + (32 * 64 + 2 * 64);
    expect(countModel(model).params.trainable).toBe(closedFormTrainable(1) + projections);
    expect(model.getLayer("conv3_block1_0_conv").getConfig()).toMatchObject({ kernelSize: [1, 1], strides: [2, 2] });
    model.dispose();
  });

  it("takes MNIST-shaped input, fewer filters and logits", async () => {
    const model = cifarResnet({ depth: 8, inputShape: [28, 28, 1], filters: 8, classifierActivation: "linear", name: "mnist8" });
    expect(model.getLayer("conv4_block1_out").outputShape).toEqual([null, 7, 7, 32]);
    expect(model.name).toBe("mnist8");
    expect(countModel(model).params.trainable).toBe(closedFormTrainable(1, { w: 8, channelsIn: 1 }));
    await expectNoLeak(() => {
      const x = tf.ones([3, 28, 28, 1]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([3, 10]);
      const sums = tf.tidy(() => tf.sum(y, 1).arraySync() as number[]);
      expect(sums.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true); // logits, not probabilities
      tf.dispose([x, y]);
    });
    model.dispose();
  });
});

describe("cifarResnet rejects bad input at the call", () => {
  it.each([
    [{ depth: 21 }, RangeError, /^depth must be 6n\+2 with n >= 1 \(8, 14, 20, 32, 44, 56, 110, 1202, \.\.\.\); got 21$/],
    [{ depth: 2 }, RangeError, /^depth must be 6n\+2 .*; got 2$/],
    [{ depth: "20" }, TypeError, /^depth must be 6n\+2 .*; got "20"$/],
    [{ depth: 20, classes: 0 }, RangeError, /^classes must be an integer >= 1; got 0$/],
    [{ depth: 20, inputShape: [3, 32, 3] }, RangeError, /^inputShape must be \[height, width, channels\] of integers, height and width >= 4, channels >= 1; got \[3,32,3\]$/],
    [{ depth: 20, inputShape: [32, 32] }, TypeError, /^inputShape must be .*; got \[32,32\]$/],
    [{ depth: 20, filters: 0 }, RangeError, /^filters must be an integer >= 1; got 0$/],
    [{ depth: 20, shortcut: "D" }, RangeError, /^shortcut must be one of "A", "B", "C"; got "D"$/],
    [{ depth: 20, preset: "caffe" }, RangeError, /^preset must be one of "paper", "keras", "torchvision"; got "caffe"$/],
    [{ depth: 20, residual: 1 }, TypeError, /^residual must be true or false; got 1$/],
    [{ depth: 20, seed: -1 }, RangeError, /^seed must be an integer >= 0; got -1$/],
    [{ depth: 20, width: 16 }, TypeError, /^options\.width is not an option of cifarResnet; accepted: depth, residual, /],
  ])("%j", (options, ErrorType, message) => {
    expect(() => cifarResnet(options as never)).toThrow(ErrorType);
    expect(() => cifarResnet(options as never)).toThrow(message);
  });
});

/** The net's forward pass written out with tfjs-core ops, reading the model's weights by layer name. */
function referenceForward(model: tfl.LayersModel, x: tf.Tensor4D, residual: boolean): tf.Tensor {
  return tf.tidy(() => {
    const weights = (name: string) => model.getLayer(name).getWeights();
    const conv = (input: tf.Tensor4D, name: string, stride: number): tf.Tensor4D => {
      const kernel = weights(`${name}_conv`)[0] as tf.Tensor4D;
      if (stride === 1) return tf.conv2d(input, kernel, 1, "same");
      const padded = tf.pad(input, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      return tf.conv2d(padded, kernel, stride, "valid");
    };
    const bn = (input: tf.Tensor4D, name: string): tf.Tensor4D => {
      const [gamma, beta, mean, variance] = weights(`${name}_bn`);
      return tf.add(tf.mul(tf.div(tf.sub(input, mean!), tf.sqrt(tf.add(variance!, 1e-5))), gamma!), beta!);
    };
    let h = tf.relu(bn(conv(x, "conv1", 1), "conv1"));
    for (const [stage, stride] of [[2, 1], [3, 2], [4, 2]] as const) {
      const name = `conv${stage}_block1`;
      const branch = tf.relu(bn(conv(h, `${name}_1`, stride), `${name}_1`));
      let out = bn(conv(branch, `${name}_2`, 1), `${name}_2`);
      if (residual) {
        const [n, height, width, channels] = h.shape;
        let shortcut = stride === 1 ? h : tf.stridedSlice(h, [0, 0, 0, 0], [n, height, width, channels], [1, stride, stride, 1]);
        shortcut = tf.pad(shortcut, [[0, 0], [0, 0], [0, 0], [0, out.shape[3] - channels]]) as tf.Tensor4D;
        out = tf.add(out, shortcut);
      }
      h = tf.relu(out);
    }
    const [kernel, bias] = weights("predictions");
    return tf.softmax(tf.add(tf.matMul(tf.mean(h, [1, 2]), kernel!), bias!));
  });
}
