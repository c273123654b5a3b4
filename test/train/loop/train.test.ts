/**
 * train() end to end on the cpu backend with a small residual net: datasets, labels,
 * validation, callbacks and progress, reproducibility, NaN and abort stops, no leaks.
 */
import * as tfd from "@tensorflow/tfjs-data";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decodeCheckpoint, disposeCheckpoint } from "../../../src/train/loop/checkpoint.js";
import { memoryCheckpointStore, train } from "../../../src/train/loop/index.js";
import type { Progress, StopInfo, TrainOptions } from "../../../src/train/loop/types.js";
import { useTestBackend } from "../../helpers/tf.js";
import { denseModel, tinyData, tinyResNet, weightValues } from "./fixtures.js";

let data: { x: tf.Tensor4D; y: tf.Tensor1D };
const quiet: TrainOptions = { progress: false, batchSize: 8, seed: 11 };

beforeAll(async () => {
  await useTestBackend("cpu");
  data = tinyData(24, 3);
});
afterAll(() => tf.dispose([data.x, data.y]));

/** Trains a fresh tiny net and returns its weights and history; checks that train() leaks no tensor. */
async function run(trainData: Parameters<typeof train>[1], options: TrainOptions, modelSeed = 1) {
  const model = tinyResNet({ seed: modelSeed });
  const before = tf.memory().numTensors;
  const history = await train(model, trainData, { ...quiet, ...options });
  expect(tf.memory().numTensors).toBe(before);
  const weights = await weightValues(model);
  return { model, history, weights };
}

describe("data", () => {
  it("a tf.data dataset gives the same weights as the same batches from tensors (no shuffle)", async () => {
    const fromTensors = await run(data, { epochs: 2, shuffle: false });
    const dataset = tfd
      .zip({ xs: tfd.array(tf.unstack(data.x)), ys: tfd.array(Array.from(await data.y.data())) })
      .batch(8)
      .map((batch) => {
        const { xs, ys } = batch as { xs: tf.Tensor4D; ys: tf.Tensor };
        return { xs, ys: tf.cast(ys, "int32") };
      });
    const fromDataset = await run(dataset as never, { epochs: 2 });
    expect(fromDataset.weights).toEqual(fromTensors.weights);
    expect(fromDataset.history.history).toEqual(fromTensors.history.history);
    fromTensors.model.dispose();
    fromDataset.model.dispose();
  });

  it("one-hot labels train exactly as the class indices they encode, label smoothing included", async () => {
    const oneHot = tf.oneHot(data.y, 3);
    const sparse = await run(data, { epochs: 1, labelSmoothing: 0.1 });
    const dense = await run({ x: data.x, y: tf.cast(oneHot, "float32") as tf.Tensor2D }, { epochs: 1, labelSmoothing: 0.1 });
    expect(dense.weights).toEqual(sparse.weights);
    tf.dispose(oneHot);
    sparse.model.dispose();
    dense.model.dispose();
  });

  it("int32 images (0..255) train as the same values in float32", async () => {
    const pixels = tf.tidy(() => tf.cast(tf.round(tf.mul(tf.sigmoid(data.x), 255)), "int32")) as tf.Tensor4D;
    const asFloat = tf.cast(pixels, "float32") as tf.Tensor4D;
    const weights = [];
    for (const x of [pixels, asFloat]) {
      const model = denseModel(1);
      await train(model, { x, y: data.y }, { ...quiet, learningRate: 1e-4, augment: { flip: true, normalize: { mean: [127, 127, 127], std: [64, 64, 64] } } });
      weights.push(await weightValues(model));
      model.dispose();
    }
    expect(weights[0]).toEqual(weights[1]);
    tf.dispose([pixels, asFloat]);
  });

  it("the same seed gives the same run; another seed another one (shuffle and augmentation)", async () => {
    const options: TrainOptions = { epochs: 1, augment: { padCrop: 1, flip: true } };
    const a = await run(data, { ...options, seed: 5 });
    const b = await run(data, { ...options, seed: 5 });
    const c = await run(data, { ...options, seed: 6 });
    expect(b.weights).toEqual(a.weights);
    expect(c.weights.get("stem_conv/kernel")).not.toEqual(a.weights.get("stem_conv/kernel"));
    expect(a.history.seed).toBe(5);
    for (const r of [a, b, c]) r.model.dispose();
  });
});

describe("validation", () => {
  it("val_loss and val_acc equal cross-entropy and accuracy of model.predict on the held-out images", async () => {
    const split = await run(data, { epochs: 2, validation: { split: 0.25 } });
    const heldOut = { x: tf.slice(data.x, 18), y: tf.slice(data.y, 18) };
    const probabilities = (await (split.model.predict(heldOut.x) as tf.Tensor).array()) as number[][];
    const labels = Array.from(await heldOut.y.data());
    const loss = labels.reduce((s, label, i) => s - Math.log(Math.min(Math.max(probabilities[i]![label]!, 1e-7), 1 - 1e-7)), 0) / 6;
    const acc = labels.filter((label, i) => probabilities[i]!.indexOf(Math.max(...probabilities[i]!)) === label).length / 6;
    expect(split.history.history.val_loss).toHaveLength(2);
    expect(split.history.history.val_loss![1]).toBeCloseTo(loss, 5);
    expect(split.history.history.val_acc![1]).toBe(acc);
    expect(split.history.history.val_top5![1]).toBe(1); // 3 classes: always in the top 5

    // { split: 0.25 } is the same as training on the first 18 images and validating on the last 6.
    const explicit = await run({ x: tf.slice(data.x, 0, 18), y: tf.slice(data.y, 0, 18) } as never, { epochs: 2, validation: heldOut as never });
    expect(explicit.history.history).toEqual(split.history.history);
    expect(explicit.weights).toEqual(split.weights);
    tf.dispose([heldOut.x, heldOut.y]);
    split.model.dispose();
    explicit.model.dispose();
  });
});

describe("progress", () => {
  it("callbacks get the figures of each batch and epoch; the history matches them", async () => {
    const batches: Progress[] = [];
    const epochs: Progress[] = [];
    const { model, history } = await run(data, {
      epochs: 2,
      learningRate: ({ epoch, step }) => 0.1 / (1 + epoch + step / 100),
      validation: { split: 0.25 },
      callbacks: { onBatchEnd: (p) => void batches.push(p), onEpochEnd: async (p) => void epochs.push(p) },
    });
    // 18 training images in batches of 8: 3 steps per epoch (8, 8, 2 images).
    expect(batches.map((p) => [p.epoch, p.step])).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
    expect(batches.map((p) => p.lr)).toEqual([0, 1, 2, 3, 4, 5].map((s) => 0.1 / (1 + Math.floor(s / 3) + s / 100)));
    for (const p of batches) {
      expect(p).toMatchObject({ epochs: 2, stepsPerEpoch: 3 });
      expect(p.imagesPerSecond).toBeGreaterThan(0);
      expect(p.acc).toBeGreaterThanOrEqual(0);
      expect(p.acc).toBeLessThanOrEqual(1);
      expect(Number.isFinite(p.loss)).toBe(true);
    }
    expect(batches[2]!.etaSeconds).toBe(0);
    expect(batches[0]!.etaSeconds).toBeGreaterThan(0);
    expect(epochs.map((p) => p.loss)).toEqual(history.history.loss);
    expect(epochs.map((p) => p.valAcc)).toEqual(history.history.val_acc);
    expect(epochs[1]!.loss).toBe(batches[5]!.loss); // the epoch's figure is the running mean at its last batch
    model.dispose();
  });

  it("progress: false prints nothing; progress: true prints a bar per epoch with loss, accuracy, images per second and time left", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const silent = await run(data, { epochs: 1, progress: false });
      expect(write).not.toHaveBeenCalled();
      silent.model.dispose();
      const shown = await run(data, { epochs: 2, progress: true });
      const text = write.mock.calls.map((call) => String(call[0])).join("");
      expect(text).toMatch(/epoch 1\/2 \[=+\] 3\/3 \| loss \d\.\d{4} \| acc \d\.\d{4} \| [\d.]+ img\/s \| eta 0s \| lr 0\.100/);
      expect(text).toContain("epoch 2/2");
      shown.model.dispose();
    } finally {
      write.mockRestore();
    }
  });
});

describe("early stops", () => {
  it("a loss that becomes NaN stops the run before that step's update, says so, writes no checkpoint, leaks nothing", async () => {
    const small = tinyData(16, 2);
    const store = memoryCheckpointStore();
    const stops: StopInfo[] = [];
    // Step 2 uses an absurd rate; the loss of step 3 is NaN.
    const blowUp: TrainOptions = { batchSize: 4, epochs: 2, seed: 3, learningRate: ({ step }) => (step === 2 ? 1e20 : 0.1) };
    const nan = await run(small, { ...blowUp, checkpoint: store, callbacks: { onStop: (s) => void stops.push(s) } });
    expect(nan.history.stopped?.reason).toBe(
      "the loss became NaN or infinite at step 3 of epoch 0 (learning rate 0.1); training stopped before that step's update",
    );
    expect(nan.history.stopped).toMatchObject({ epoch: 0, step: 3 });
    expect(stops).toEqual([nan.history.stopped]);
    expect(nan.history.epoch).toEqual([]);
    expect(store.bytes).toBeNull();
    for (const values of nan.weights.values()) expect(values.every(Number.isFinite)).toBe(true);

    // The model is exactly that of a run aborted after step 2: weights and moving statistics of the NaN step undone.
    const controller = new AbortController();
    const aborted = await run(small, {
      ...blowUp,
      signal: controller.signal,
      callbacks: { onBatchEnd: ({ step }) => (step === 2 ? controller.abort() : undefined) },
    });
    expect(aborted.history.stopped).toEqual({ reason: "aborted", epoch: 0, step: 3 });
    expect(nan.weights).toEqual(aborted.weights);
    tf.dispose([small.x, small.y]);
    nan.model.dispose();
    aborted.model.dispose();
  });

  it("weights that overflow while the loss stays finite stop the run at the epoch's end, with no checkpoint of them", async () => {
    const store = memoryCheckpointStore();
    const overflow = await run(data, { batchSize: 4, epochs: 2, checkpoint: store, learningRate: ({ step }) => (step === 2 ? 1e20 : 0.1) });
    expect(overflow.history.stopped?.reason).toBe("the weights became NaN or infinite during epoch 0; no checkpoint was written for it");
    expect(store.bytes).toBeNull();
    expect(overflow.history.epoch).toEqual([]);
    overflow.model.dispose();
  });

  it("a schedule that throws stops the run with its error and leaks no tensor (nor does a callback that throws)", async () => {
    const model = tinyResNet({ seed: 1 });
    const before = tf.memory().numTensors;
    const schedule = ({ step }: { step: number }) => {
      if (step === 2) throw new Error("schedule failed at step 2");
      return 0.1;
    };
    await expect(train(model, data, { ...quiet, epochs: 2, learningRate: schedule })).rejects.toThrow("schedule failed at step 2");
    expect(tf.memory().numTensors).toBe(before);
    await expect(train(model, data, { ...quiet, epochs: 2, callbacks: { onBatchEnd: () => Promise.reject(new Error("callback failed")) } })).rejects.toThrow(
      "callback failed",
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("an already-aborted signal stops before the first step and writes the untouched state", async () => {
    const store = memoryCheckpointStore();
    const model = tinyResNet({ seed: 1 });
    const initial = await weightValues(model);
    const controller = new AbortController();
    controller.abort(new Error("user closed the tab"));
    const history = await train(model, data, { ...quiet, epochs: 3, checkpoint: store, signal: controller.signal });
    expect(history.stopped).toEqual({ reason: "aborted: user closed the tab", epoch: 0, step: 0 });
    expect(await weightValues(model)).toEqual(initial);
    const saved = decodeCheckpoint(store.bytes!);
    expect(saved.position).toMatchObject({ epoch: 0, step: 0, globalStep: 0 });
    disposeCheckpoint(saved);
    model.dispose();
  });

  it("weight decay moves the kernels by lr * wd * w and nothing else (biases, batch-norm gamma and beta)", async () => {
    const step: TrainOptions = { epochs: 1, batchSize: 24, momentum: 0, learningRate: 0.1, shuffle: false };
    const reference = tinyResNet({ seed: 1 });
    const initial = await weightValues(reference);
    reference.dispose();
    const decayed = await run(data, { ...step, weightDecay: 0.5 });
    const plain = await run(data, { ...step, weightDecay: 0 });
    const kernels: string[] = [];
    for (const [name, values] of decayed.weights) {
      const w0 = initial.get(name)!;
      const other = plain.weights.get(name)!;
      const isKernel = name.endsWith("/kernel");
      if (isKernel) kernels.push(name);
      values.forEach((v, i) => expect(v - other[i]!, name).toBeCloseTo(isKernel ? -0.1 * 0.5 * w0[i]! : 0, 6));
    }
    expect(kernels).toEqual(["stem_conv/kernel", "block1_1_conv/kernel", "block1_2_conv/kernel", "predictions/kernel"]);
    decayed.model.dispose();
    plain.model.dispose();
  });
});

describe("works with models built elsewhere", () => {
  it("a logits model (linear classifier) is read as logits and learns", async () => {
    const model = tinyResNet({ seed: 2, activation: "linear" });
    const history = await train(model, data, { ...quiet, epochs: 6, learningRate: 0.05 });
    expect(history.history.loss[5]).toBeLessThan(history.history.loss[0]!);
    model.dispose();
  });

  it("a model with no batch norm and a frozen layer trains its trainable weights only", async () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const frozen = tfl.layers.conv2d({ filters: 2, kernelSize: 3, name: "frozen", trainable: false });
    const hidden = frozen.apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten().apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: "softmax", name: "out" }).apply(flat) as tfl.SymbolicTensor });
    const before = await weightValues(model);
    await train(model, data, { ...quiet, epochs: 1 });
    const after = await weightValues(model);
    expect(after.get("frozen/kernel")).toEqual(before.get("frozen/kernel"));
    expect(after.get("out/kernel")).not.toEqual(before.get("out/kernel"));
    model.dispose();
  });
});
