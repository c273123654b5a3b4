import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { count } from "../../src/count/count.js";
import { plain34, resnet, resnet18, resnet50 } from "../../src/models/resnet.js";
import type { Depth } from "../../src/arch/types.js";
import { expectModelMatchesCount } from "../helpers/modelMatchesCount.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";

const NETS: [Depth, boolean][] = [18, 34, 50, 101, 152].flatMap((depth) => [
  [depth as Depth, true],
  [depth as Depth, false],
]);

beforeAll(() => useTestBackend("cpu"));

describe("resnet: the built model is the spec", () => {
  it.each(NETS)("depth %i residual %s: parameters, layers and shapes equal the counter's", async (depth, residual) => {
    await expectNoLeak(() => {
      const model = resnet({ depth, residual });
      expectModelMatchesCount(model, count({ depth, residual }));
      model.dispose();
    });
  });

  it("Keras preset ResNet50 countParams() is Keras's 25,636,712 with 53,120 non-trainable", async () => {
    await expectNoLeak(() => {
      const model = resnet50({ preset: "keras" });
      expect(model.countParams()).toBe(25_636_712);
      const nonTrainable = model.nonTrainableWeights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
      expect(nonTrainable).toBe(53_120);
      expect(model.getLayer("conv2_block1_1_conv").getConfig()).toMatchObject({ useBias: true });
      expect(model.getLayer("conv2_block1_1_bn").getConfig()).toMatchObject({ epsilon: 1.001e-5, momentum: 0.99 });
      model.dispose();
    });
  });

  it("runs a forward pass at any input size from 32 up, with any channels, without leaking", async () => {
    const model = resnet18({ inputShape: [40, 33, 1], classes: 7, seed: 1 });
    await expectNoLeak(async () => {
      const x = tf.randomNormal([2, 40, 33, 1], 0, 1, "float32", 2);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 7]);
      // softmax top: each row sums to 1
      const rowSums = tf.sum(y, 1);
      const sums = await rowSums.data();
      expect(Array.from(sums).map((s) => Number(s.toFixed(5)))).toEqual([1, 1]);
      tf.dispose([x, y, rowSums]);
    });
    model.dispose();
  });

  it("builds feature extractors without the top, with 'avg', 'max' or no pooling", () => {
    const features = resnet({ depth: 50, includeTop: false, inputShape: [64, 64, 3] });
    expect(features.outputs[0]!.shape).toEqual([null, 2, 2, 2048]);
    const pooled = resnet({ depth: 50, includeTop: false, pooling: "max", inputShape: [64, 64, 3] });
    expect(pooled.outputs[0]!.shape).toEqual([null, 2048]);
    expect(pooled.layers.at(-1)!.getClassName()).toBe("GlobalMaxPooling2D");
    features.dispose();
    pooled.dispose();
  });

  it("gives the same weights for the same seed, and different ones for another", () => {
    const weights = (seed: number) => {
      const model = resnet18({ inputShape: [32, 32, 3], seed });
      const values = model.getLayer("conv1_conv").getWeights()[0]!.dataSync().slice(0, 16);
      model.dispose();
      return Array.from(values);
    };
    expect(weights(7)).toEqual(weights(7));
    expect(weights(7)).not.toEqual(weights(8));
  });

  it("zero-initialises the last batch norm of each branch on request", () => {
    const model = resnet18({ inputShape: [32, 32, 3], zeroInitResidual: true });
    const gamma = (name: string) => Array.from(model.getLayer(name).getWeights()[0]!.dataSync());
    expect(gamma("conv2_block1_2_bn").every((v) => v === 0)).toBe(true);
    expect(gamma("conv2_block1_1_bn").every((v) => v === 1)).toBe(true);
    model.dispose();
  });

  it("the named factories fix depth and residual and reject them as options", () => {
    const model = plain34({ inputShape: [32, 32, 3] });
    expect(model.name).toBe("plain34");
    expect(model.layers.some((layer) => layer.getClassName() === "Add")).toBe(false);
    model.dispose();
    expect(() => resnet18({ depth: 50 } as never)).toThrow(/^options.depth is fixed by resnet18\(\)/);
  });

  it("rejects bad options before building anything", () => {
    const before = tf.memory().numTensors;
    expect(() => resnet({ depth: 42 as Depth })).toThrow(/^depth must be one of 18, 34, 50, 101, 152; got 42$/);
    expect(() => resnet({ depth: 18, inputShape: [16, 16, 3] })).toThrow(RangeError);
    // 3.1 billion weights in the first convolution: refused before any layer is built.
    expect(() => resnet({ depth: 18, inputShape: [32, 32, 1e6] })).toThrow(/^inputShape \[32,32,1000000\] is too large: /);
    expect(() => resnet({ depth: 18, seed: -1 })).toThrow(/^seed must be an integer >= 0; got -1$/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("is a plain tfjs-layers LayersModel", () => {
    const model = resnet18({ inputShape: [32, 32, 3] });
    expect(model).toBeInstanceOf(tfl.LayersModel);
    expect(model.inputs[0]!.shape).toEqual([null, 32, 32, 3]);
    model.dispose();
  });
});
