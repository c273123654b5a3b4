/**
 * Batch norm in the loop, against arithmetic by hand: the loss of a step uses the batch's
 * statistics (training mode), and the moving statistics move with the layer's own momentum.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { train } from "../../../src/train/loop/index.js";
import { useTestBackend } from "../../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

const X = [
  [0.5, -1.0, 2.0],
  [1.5, 0.25, -0.5],
  [-0.75, 0.8, 1.0],
  [0.1, 2.0, 0.3],
];
const LABELS = [0, 1, 1, 0];
const W = [
  [1.3, -1.2],
  [0.9, 1.4],
  [-1.5, 0.75],
];
const MOMENTUM = 0.7; // neither tfjs's default 0.99 nor the paper preset's 0.9
const EPSILON = 1e-3;

function model(): tfl.LayersModel {
  const input = tfl.input({ shape: [1, 1, 3] });
  let x = tfl.layers.batchNormalization({ momentum: MOMENTUM, epsilon: EPSILON, name: "bn" }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 2, name: "fc" }).apply(x) as tfl.SymbolicTensor;
  const built = tfl.model({ inputs: input, outputs: output });
  built.getLayer("fc").setWeights([tf.tensor2d(W), tf.zeros([2])]);
  return built;
}

/** Mean cross-entropy of the linear classifier after normalising channel c by (mean[c], variance[c]). */
function loss(mean: number[], variance: number[]): number {
  let total = 0;
  X.forEach((x, n) => {
    const xhat = x.map((v, c) => (v - mean[c]!) / Math.sqrt(variance[c]! + EPSILON));
    const z = [0, 1].map((k) => xhat.reduce((s, v, c) => s + v * W[c]![k]!, 0));
    const m = Math.max(...z);
    const logSum = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    total += logSum - z[LABELS[n]!]!;
  });
  return total / X.length;
}

describe("batch norm in the training loop", () => {
  it("the loss uses batch statistics and the moving statistics follow the layer's momentum", async () => {
    const batchMean = [0, 1, 2].map((c) => X.reduce((s, x) => s + x[c]!, 0) / X.length);
    const batchVariance = [0, 1, 2].map((c) => X.reduce((s, x) => s + (x[c]! - batchMean[c]!) ** 2, 0) / X.length); // biased, as tfjs
    const trainingModeLoss = loss(batchMean, batchVariance);
    const inferenceModeLoss = loss([0, 0, 0], [1, 1, 1]); // initial moving statistics
    expect(Math.abs(trainingModeLoss - inferenceModeLoss)).toBeGreaterThan(0.05); // the test can tell them apart

    const net = model();
    const x = tf.tensor4d(X.flat(), [4, 1, 1, 3]);
    const y = tf.tensor1d(LABELS, "int32");
    const history = await train(net, { x, y }, { batchSize: 4, learningRate: 0.1, progress: false, seed: 3 });
    expect(history.history.loss[0]).toBeCloseTo(trainingModeLoss, 5);

    const [, , movingMean, movingVariance] = net.getLayer("bn").getWeights();
    const expectedMean = batchMean.map((m) => MOMENTUM * 0 + (1 - MOMENTUM) * m);
    const expectedVariance = batchVariance.map((v) => MOMENTUM * 1 + (1 - MOMENTUM) * v);
    Array.from(await movingMean!.data()).forEach((v, c) => expect(v).toBeCloseTo(expectedMean[c]!, 6));
    Array.from(await movingVariance!.data()).forEach((v, c) => expect(v).toBeCloseTo(expectedVariance[c]!, 6));
    tf.dispose([x, y]);
    net.dispose();
  });
});
