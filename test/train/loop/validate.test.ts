/**
 * Bad data and options fail before the first step, with the argument, the value and what
 * is accepted; the model is left as it was and no tensor is leaked.
 */
import * as tfd from "@tensorflow/tfjs-data";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { train } from "../../../src/train/loop/index.js";
import type { TrainOptions } from "../../../src/train/loop/types.js";
import { useTestBackend } from "../../helpers/tf.js";
import { tinyResNet, weightValues } from "./fixtures.js";

let model: tfl.LayersModel;
let initial: Map<string, Float32Array>;

beforeAll(async () => {
  await useTestBackend("cpu");
  model = tinyResNet({ seed: 1 });
  initial = await weightValues(model);
});
afterAll(() => model.dispose());

/** Runs train() on tensors built by `make`, expecting it to throw `ErrorType` with `message`; checks nothing changed. */
async function expectRejected(
  make: () => { x: tf.Tensor; y: tf.Tensor; options?: TrainOptions },
  ErrorType: typeof TypeError | typeof RangeError,
  message: string,
): Promise<void> {
  const before = tf.memory().numTensors;
  const { x, y, options } = make();
  const made = tf.memory().numTensors - before;
  const run = train(model, { x, y } as never, { progress: false, ...options });
  await expect(run).rejects.toThrow(ErrorType);
  await expect(run).rejects.toThrow(message);
  expect(tf.memory().numTensors - before).toBe(made);
  tf.dispose([x, y]);
  expect(await weightValues(model)).toEqual(initial);
}

const images = (n: number, fill = 0.5) => tf.fill([n, 8, 8, 3], fill);

describe("bad data is refused before training starts", () => {
  it("images of the wrong rank or shape", async () => {
    await expectRejected(() => ({ x: tf.zeros([4, 8, 8]), y: tf.zeros([4], "int32") }), TypeError, "data.x must be a 4-D tensor [n, height, width, channels]; got a tensor of shape [4, 8, 8]");
    await expectRejected(() => ({ x: tf.zeros([4, 8, 8, 1]), y: tf.zeros([4], "int32") }), RangeError, "data.x must have shape [n, 8, 8, 3] to fit the model's input; got [4, 8, 8, 1]");
  });

  it("labels that do not match the images or the classes", async () => {
    await expectRejected(() => ({ x: images(4), y: tf.zeros([3], "int32") }), RangeError, "data.y must have one label per image of data.x (4); got 3 (shape [3])");
    await expectRejected(
      () => ({ x: images(4), y: tf.tensor1d([0, 1, 3, 2], "int32") }),
      RangeError,
      "data.y must hold class indices, whole numbers 0 to 2 (the model has 3 classes); label 2 is 3",
    );
    await expectRejected(() => ({ x: images(4), y: tf.tensor1d([0, -1, 2, 2], "int32") }), RangeError, "label 1 is -1");
    await expectRejected(() => ({ x: images(4), y: tf.tensor1d([0, 1.5, 2, 2]) }), RangeError, "label 1 is 1.5");
    await expectRejected(() => ({ x: images(4), y: tf.oneHot([0, 1, 2, 3], 4) }), RangeError, "data.y one-hot rows must have 3 columns (the model's classes); got shape [4, 4]");
    await expectRejected(
      () => ({ x: images(4), y: tf.tensor2d([1, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0], [4, 3]) }),
      RangeError,
      "data.y one-hot rows must be finite, >= 0 and sum to 1; row 1 is [1,1,0]",
    );
  });

  it("NaN or Infinity in the images, named by index", async () => {
    const withBad = (value: number) => () => {
      const x = tf.buffer([4, 8, 8, 3], "float32", new Float32Array(4 * 8 * 8 * 3).fill(0.5));
      x.set(value, 2, 3, 4, 1);
      return { x: x.toTensor(), y: tf.zeros([4], "int32") };
    };
    await expectRejected(withBad(Number.NaN), RangeError, "data.x must hold finite numbers; image 2 holds NaN or Infinity");
    await expectRejected(withBad(Number.POSITIVE_INFINITY), RangeError, "image 2 holds NaN or Infinity");
  });

  it("bad validation data is named as such", async () => {
    const validation = { x: images(2) as tf.Tensor4D, y: tf.tensor1d([0, 7], "int32") };
    await expectRejected(
      () => ({ x: images(4), y: tf.zeros([4], "int32"), options: { validation } }),
      RangeError,
      "validation.y must hold class indices, whole numbers 0 to 2 (the model has 3 classes); label 1 is 7",
    );
    tf.dispose([validation.x, validation.y]);
  });

  it("a bad batch of a dataset fails when it arrives, named by batch and epoch, with no step taken on it", async () => {
    const before = tf.memory().numTensors;
    const dataset = tfd.generator(function* () {
      yield { xs: tf.zeros([2, 8, 8, 3]), ys: tf.tensor1d([0, 1], "int32") };
      yield { xs: tf.zeros([2, 8, 8, 3]), ys: tf.tensor1d([0, 5], "int32") };
    });
    const fresh = tinyResNet({ seed: 1 });
    const made = tf.memory().numTensors - before;
    await expect(train(fresh, dataset as never, { progress: false })).rejects.toThrow(
      "data.ys must hold class indices, whole numbers 0 to 2 (the model has 3 classes); label 1 is 5 (batch 1 of epoch 0)",
    );
    expect(tf.memory().numTensors - before).toBe(made);
    fresh.dispose();
  });
});

describe("bad options are refused with the value and what is accepted", () => {
  const cases: Array<[TrainOptions | Record<string, unknown>, typeof TypeError | typeof RangeError, string]> = [
    [{ epochs: 0 }, RangeError, "epochs must be an integer >= 1; got 0"],
    [{ batchSize: 1.5 }, RangeError, "batchSize must be an integer >= 1; got 1.5"],
    [{ optimizer: "lamb" }, RangeError, 'optimizer must be one of "sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax"; got "lamb"'],
    [{ learningRate: -1 }, RangeError, "learningRate must be a finite number > 0 or a schedule; got -1"],
    [{ learningRate: "0.1" }, TypeError, 'learningRate must be a number or a schedule function ({ step, epoch, stepsPerEpoch }) => rate; got "0.1"'],
    [{ weightDecay: Number.NaN }, RangeError, "weightDecay must be a finite number >= 0 (the paper uses 1e-4); got NaN"],
    [{ labelSmoothing: 1 }, RangeError, "labelSmoothing must be a number in [0, 1); got 1"],
    [{ momentum: 0.9, optimizer: "adam" }, TypeError, 'momentum applies to optimizer "sgd" only; got optimizer "adam"'],
    [{ validation: { split: 1.5 } }, RangeError, "validation.split must be a fraction in (0, 1) that leaves at least one image on each side of the 4; got 1.5"],
    [{ resume: true }, TypeError, "resume: true needs a checkpoint (a file path or a store) to resume from"],
    [{ checkpoint: 42 }, TypeError, "checkpoint must be a file path or a store { read(), write(bytes) }; got 42"],
    [{ progress: "yes" }, TypeError, 'progress must be "auto", true or false; got "yes"'],
    [{ callbacks: { onStep: () => {} } }, TypeError, "callbacks.onStep is not a callback of train; accepted: onBatchEnd, onEpochEnd, onStop"],
    [{ epoch: 3 }, TypeError, "options.epoch is not an option of train; accepted: epochs, batchSize"],
    [{ output: "probs" }, RangeError, 'output must be one of "auto", "probabilities", "logits"; got "probs"'],
  ];
  it.each(cases)("%j", async (options, ErrorType, message) => {
    await expectRejected(() => ({ x: images(4), y: tf.zeros([4], "int32"), options: options as TrainOptions }), ErrorType, message);
  });

  it("a schedule that returns NaN stops with the step where it did", async () => {
    await expectRejected(
      () => ({ x: images(4), y: tf.zeros([4], "int32"), options: { batchSize: 4, learningRate: () => Number.NaN } }),
      RangeError,
      "learningRate schedule returned NaN at step 0 (epoch 0); a schedule must return a finite number >= 0",
    );
  });

  it("a model whose last activation is neither softmax nor linear needs output said", async () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
    const sigmoid = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: "sigmoid", name: "out" }).apply(flat) as tfl.SymbolicTensor });
    const x = images(4);
    const y = tf.zeros([4], "int32");
    await expect(train(sigmoid, { x: x as tf.Tensor4D, y: y as tf.Tensor1D }, { progress: false })).rejects.toThrow(
      'output: the model\'s last layer (out) has activation "sigmoid"; cross-entropy needs softmax probabilities or logits: say which with output: "probabilities" or "logits"',
    );
    tf.dispose([x, y]);
    sigmoid.dispose();
  });
});
