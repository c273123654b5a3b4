/**
 * The update rules checked against closed-form arithmetic on a linear softmax classifier:
 * logits z = x W + b, loss = mean cross-entropy, dL/dW = x^T (p - y) / n, dL/db = sum(p - y) / n.
 * Everything in float64 here; tfjs computes in float32, hence tolerances of about 1e-6.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { train } from "../../../src/train/loop/index.js";
import type { OptimizerName } from "../../../src/train/loop/types.js";
import { useTestBackend } from "../../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

const X = [
  [0.5, -1.0],
  [1.5, 0.25],
  [-0.75, 0.8],
  [0.1, 2.0],
];
const LABELS = [0, 1, 1, 0];
const W0 = [
  [0.3, -0.2],
  [0.1, 0.4],
];
const B0 = [0.05, -0.1];

function linearModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [1, 1, 2] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const output = tfl.layers.dense({ units: 2, name: "fc" }).apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  model.getLayer("fc").setWeights([tf.tensor2d(W0), tf.tensor1d(B0)]);
  return model;
}

function data() {
  return { x: tf.tensor4d(X.flat(), [4, 1, 1, 2]), y: tf.tensor1d(LABELS, "int32") };
}

/** Loss and gradients of the mean cross-entropy at (W, b), in float64. */
function lossAndGradients(W: number[][], b: number[]) {
  const gW = [
    [0, 0],
    [0, 0],
  ];
  const gb = [0, 0];
  let loss = 0;
  X.forEach((x, n) => {
    const z = [0, 1].map((k) => x[0]! * W[0]![k]! + x[1]! * W[1]![k]! + b[k]!);
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const s = e[0]! + e[1]!;
    const p = e.map((v) => v / s);
    loss -= Math.log(p[LABELS[n]!]!) / X.length;
    for (let k = 0; k < 2; k++) {
      const d = (p[k]! - (LABELS[n] === k ? 1 : 0)) / X.length;
      gb[k]! += d;
      gW[0]![k]! += x[0]! * d;
      gW[1]![k]! += x[1]! * d;
    }
  });
  return { loss, gW, gb };
}

const map2 = (a: number[][], f: (v: number, i: number, j: number) => number) => a.map((row, i) => row.map((v, j) => f(v, i, j)));

async function fcWeights(model: tfl.LayersModel): Promise<{ W: number[][]; b: number[] }> {
  const [kernel, bias] = model.getLayer("fc").getWeights();
  return { W: (await kernel!.array()) as number[][], b: (await bias!.array()) as number[] };
}

function expectClose(actual: number[][] | number[], expected: number[][] | number[], digits = 6) {
  expect(actual.flat().length).toBe(expected.flat().length);
  actual.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i]!, digits));
}

describe("update rules against closed-form arithmetic", () => {
  it("SGD with momentum: two steps of w -= lr v, v = m v + (grad + wd w) on the kernel, no decay on the bias; the schedule's rate each step", async () => {
    const lr = [0.5, 0.2];
    const wd = 0.01;
    const m = 0.9;
    let W = W0;
    let b = B0;
    let vW = map2(W0, () => 0);
    let vb = [0, 0];
    const losses: number[] = [];
    for (let t = 0; t < 2; t++) {
      const { loss, gW, gb } = lossAndGradients(W, b);
      losses.push(loss);
      vW = map2(vW, (v, i, j) => m * v + gW[i]![j]! + wd * W[i]![j]!);
      vb = vb.map((v, k) => m * v + gb[k]!);
      W = map2(W, (w, i, j) => w - lr[t]! * vW[i]![j]!);
      b = b.map((w, k) => w - lr[t]! * vb[k]!);
    }

    const model = linearModel();
    const { x, y } = data();
    const history = await train(model, { x, y }, {
      epochs: 2,
      batchSize: 4,
      weightDecay: wd,
      learningRate: ({ step }) => lr[step]!,
      seed: 1,
      progress: false,
    });
    const got = await fcWeights(model);
    expectClose(got.W, W);
    expectClose(got.b, b);
    expect(history.history.loss[0]).toBeCloseTo(losses[0]!, 6);
    expect(history.history.loss[1]).toBeCloseTo(losses[1]!, 6);
    expect(history.history.lr).toEqual(lr);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("Adam: the schedule's rate takes effect each step (tfjs's Adam has no setLearningRate)", async () => {
    const lr = [0.01, 0.03];
    const wd = 1e-3;
    const [b1, b2, eps] = [0.9, 0.999, 1e-7]; // tfjs defaults; eps is the cpu backend's epsilon()
    let W = W0;
    let b = B0;
    let mW = map2(W0, () => 0);
    let vW = map2(W0, () => 0);
    let mb = [0, 0];
    let vb = [0, 0];
    for (let t = 0; t < 2; t++) {
      const { gW, gb } = lossAndGradients(W, b);
      const gWd = map2(gW, (g, i, j) => g + wd * W[i]![j]!);
      mW = map2(mW, (v, i, j) => b1 * v + (1 - b1) * gWd[i]![j]!);
      vW = map2(vW, (v, i, j) => b2 * v + (1 - b2) * gWd[i]![j]! ** 2);
      mb = mb.map((v, k) => b1 * v + (1 - b1) * gb[k]!);
      vb = vb.map((v, k) => b2 * v + (1 - b2) * gb[k]! ** 2);
      const c1 = 1 - b1 ** (t + 1);
      const c2 = 1 - b2 ** (t + 1);
      W = map2(W, (w, i, j) => w - (lr[t]! * (mW[i]![j]! / c1)) / (Math.sqrt(vW[i]![j]! / c2) + eps));
      b = b.map((w, k) => w - (lr[t]! * (mb[k]! / c1)) / (Math.sqrt(vb[k]! / c2) + eps));
    }

    const model = linearModel();
    const { x, y } = data();
    await train(model, { x, y }, { epochs: 2, batchSize: 4, optimizer: "adam", weightDecay: wd, learningRate: ({ step }) => lr[step]!, progress: false });
    const got = await fcWeights(model);
    expectClose(got.W, W, 5);
    expectClose(got.b, b, 5);
    // Had the rate stayed at 0.01, the second step would move each weight by about 0.01, not 0.03.
    expect(Math.abs(got.W[0]![0]! - W0[0]![0]!)).toBeGreaterThan(0.035);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("label smoothing: the loss is the cross-entropy against (1 - eps) y + eps / classes", async () => {
    const eps = 0.5;
    let expected = 0;
    X.forEach((x, n) => {
      const z = [0, 1].map((k) => x[0]! * W0[0]![k]! + x[1]! * W0[1]![k]! + B0[k]!);
      const logSum = Math.log(Math.exp(z[0]!) + Math.exp(z[1]!));
      const logP = z.map((v) => v - logSum);
      expected -= ((1 - eps) * logP[LABELS[n]!]! + (eps / 2) * (logP[0]! + logP[1]!)) / X.length;
    });
    expect(Math.abs(expected - lossAndGradients(W0, B0).loss)).toBeGreaterThan(1e-3); // smoothing changes it by far more than the tolerance
    const model = linearModel();
    const { x, y } = data();
    const history = await train(model, { x, y }, { batchSize: 4, labelSmoothing: eps, progress: false });
    expect(history.history.loss[0]).toBeCloseTo(expected, 6);
    tf.dispose([x, y]);
    model.dispose();
  });

  it.each(["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax"] as OptimizerName[])(
    "%s: the first update is proportional to the rate given (the rate reaches the optimizer)",
    async (optimizer) => {
      const deltas: number[][] = [];
      for (const rate of [1e-3, 2e-3]) {
        const model = linearModel();
        const { x, y } = data();
        await train(model, { x, y }, { batchSize: 4, optimizer, learningRate: rate, weightDecay: 0, progress: false });
        const { W } = await fcWeights(model);
        deltas.push(W.flat().map((w, i) => w - W0.flat()[i]!));
        tf.dispose([x, y]);
        model.dispose();
      }
      for (let i = 0; i < 4; i++) {
        expect(Math.abs(deltas[0]![i]!)).toBeGreaterThan(1e-6);
        expect(deltas[1]![i]! / deltas[0]![i]!).toBeCloseTo(2, 3);
      }
    },
  );
});
