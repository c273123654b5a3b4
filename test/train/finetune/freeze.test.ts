/**
 * Fine-tuning: a frozen backbone keeps its weights and batch-norm statistics bit for bit through
 * train(), its batch norms run in inference mode (checked against the moving statistics by hand),
 * and only the new head learns.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { cifarResnet } from "../../../src/train/cifar/cifarResnet.js";
import { freezeBackbone, replaceHead } from "../../../src/train/finetune/index.js";
import { train } from "../../../src/train/loop/index.js";
import { useTestBackend } from "../../helpers/tf.js";
import { tinyData, weightValues } from "../loop/fixtures.js";

beforeAll(() => useTestBackend("cpu"));

/** A ResNet-8 for 8x8x3 images whose batch-norm statistics are not the initial 0 and 1. */
function pretrainedNet(seed: number): tfl.LayersModel {
  const model = cifarResnet({ depth: 8, filters: 4, inputShape: [8, 8, 3], classes: 3, seed });
  for (const weight of model.weights) {
    const name = weight.originalName;
    if (name.endsWith("moving_mean") || name.endsWith("moving_variance") || name.endsWith("beta")) {
      const low = name.endsWith("moving_variance") ? 0.5 : -0.5;
      weight.write(tf.randomUniform(weight.shape as number[], low, low + 1, "float32", seed + weight.id));
    }
  }
  return model;
}

describe("freezeBackbone + replaceHead", () => {
  it("keeps every frozen weight and batch-norm statistic bit-identical through train(), and the head learns", async () => {
    const model = replaceHead(pretrainedNet(3), { classes: 2, seed: 9 });
    const { frozen, batchNorms } = freezeBackbone(model);
    expect(frozen).not.toContain("predictions");
    expect(batchNorms.length).toBe(7); // stem + 3 blocks x 2
    const before = await weightValues(model);
    const data = tinyData(32, 5, 2);
    const tensorsBefore = tf.memory().numTensors;
    await train(model, data, { epochs: 2, batchSize: 8, learningRate: 0.1, seed: 1, progress: false });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const after = await weightValues(model);
    let changed = 0;
    for (const [name, values] of before) {
      const isHead = name.startsWith("predictions");
      const same = values.every((v, i) => Object.is(v, after.get(name)![i]));
      if (isHead) expect(same, `${name} should train`).toBe(false);
      else expect(same, `${name} should stay as it was`).toBe(true);
      if (!same) changed++;
    }
    expect(changed).toBe(2); // the head's kernel and bias
    tf.dispose([data.x, data.y]);
    model.dispose();
  });

  it("runs frozen batch norm in inference mode: a training-mode forward equals predict()", () => {
    const model = pretrainedNet(4);
    freezeBackbone(model, { upTo: "conv4_x" });
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, "float32", 2);
    const trainingMode = model.apply(x, { training: true }) as tf.Tensor;
    const inference = model.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(trainingMode, inference))).dataSync()[0]).toBeLessThan(1e-6);
    // Unfrozen again, the same call uses the batch's statistics: the outputs differ.
    for (const layer of model.layers) layer.trainable = true;
    const unfrozen = model.apply(x, { training: true }) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(unfrozen, inference))).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, trainingMode, inference, unfrozen]);
    model.dispose();
  });

  it("freezes up to a stage and no further", () => {
    const model = pretrainedNet(5);
    const { frozen } = freezeBackbone(model, { upTo: "conv2_x" });
    expect(frozen.some((name) => name.startsWith("conv2_"))).toBe(true);
    expect(frozen.some((name) => name.startsWith("conv3_"))).toBe(false);
    expect(model.getLayer("conv3_block1_1_conv").trainable).toBe(true);
    expect(model.getLayer("conv1_conv").trainable).toBe(false);
    model.dispose();
  });

  it("refuses bad arguments at the call", () => {
    const model = pretrainedNet(6);
    expect(() => freezeBackbone(model, { upTo: "conv5_x" })).toThrow(/upTo must name a stage of the model; got "conv5_x".*stages conv1, conv2_x, conv3_x, conv4_x/);
    expect(() => freezeBackbone(model, { upTo: "conv9_x" as never })).toThrow(/upTo must be one of "conv1", "conv2_x"/);
    expect(() => freezeBackbone(model, { upto: "conv2_x" } as never)).toThrow(/options.upto is not an option of freezeBackbone; accepted: upTo/);
    expect(() => replaceHead(model, { classes: 0 })).toThrow(/classes must be an integer >= 1; got 0/);
    expect(model.layers.filter((layer) => layer.weights.length > 0).every((layer) => layer.trainable)).toBe(true); // nothing frozen by a refused call
    model.dispose();
  });
});
