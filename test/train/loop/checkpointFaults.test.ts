/**
 * Resuming from a checkpoint that does not fit (bad dtypes or slots, a missing history, a
 * flipped bit, another architecture, another dataset, impossible positions) is refused
 * with an error naming what is wrong, before anything is written into the model: the
 * model stays bit for bit as it was and no tensor leaks.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCheckpoint, disposeCheckpoint, encodeCheckpoint, type Checkpoint } from "../../../src/train/loop/checkpoint.js";
import { memoryCheckpointStore, train } from "../../../src/train/loop/index.js";
import type { CheckpointStore, TrainOptions } from "../../../src/train/loop/index.js";
import { decodeSafetensors, encodeSafetensors } from "../../../src/weights/safetensors.js";
import { useTestBackend } from "../../helpers/tf.js";
import { tinyData, tinyPlainNet, tinyResNet, weightValues } from "./fixtures.js";

let data: { x: tf.Tensor4D; y: tf.Tensor1D };
/** A checkpoint of tinyResNet after 1 epoch and 1 step of the second (4 steps, batch 8, 24 images). */
let good: Uint8Array;
const recipe: TrainOptions = { batchSize: 8, seed: 3, progress: false };

beforeAll(async () => {
  await useTestBackend("cpu");
  data = tinyData(24, 8);
  const store = memoryCheckpointStore();
  const controller = new AbortController();
  const model = tinyResNet({ seed: 1 });
  await train(model, data, {
    ...recipe,
    epochs: 2,
    checkpoint: store,
    signal: controller.signal,
    callbacks: { onBatchEnd: ({ epoch }) => (epoch === 1 ? controller.abort() : undefined) },
  });
  model.dispose();
  good = store.bytes!;
});
afterAll(() => tf.dispose([data.x, data.y]));

/** The good checkpoint decoded, changed by `change`, encoded again (a consistent file: hash and all). */
async function edited(change: (checkpoint: Checkpoint) => void): Promise<Uint8Array> {
  const checkpoint = decodeCheckpoint(good);
  const before = [...checkpoint.weights.map((w) => w.tensor), ...checkpoint.optimizer.tensors.map((t) => t.tensor)];
  change(checkpoint);
  const bytes = await encodeCheckpoint(checkpoint);
  tf.dispose([...before, ...checkpoint.weights.map((w) => w.tensor), ...checkpoint.optimizer.tensors.map((t) => t.tensor)]);
  return bytes;
}

const storeOf = (bytes: Uint8Array): CheckpointStore => ({ read: async () => bytes, write: async () => {} });

/** Resumes a fresh model from `bytes`; expects the error `message` and the model and tensor count unchanged. */
async function expectRefused(bytes: Uint8Array, message: RegExp, model: tfl.LayersModel = tinyResNet({ seed: 9 }), options: TrainOptions = {}) {
  const initial = await weightValues(model);
  const before = tf.memory().numTensors;
  let steps = 0;
  const run = train(model, options.checkpoint ? data : data, {
    ...recipe,
    epochs: 3,
    checkpoint: storeOf(bytes),
    resume: true,
    callbacks: { onBatchEnd: () => void steps++ },
    ...options,
  });
  await expect(run).rejects.toThrow(message);
  expect(steps).toBe(0);
  expect(tf.memory().numTensors).toBe(before);
  expect(await weightValues(model)).toEqual(initial);
  model.dispose();
}

describe("a failed resume changes nothing (fault 4)", () => {
  it("the good checkpoint itself resumes (the edits below are the only difference)", async () => {
    const model = tinyResNet({ seed: 9 });
    const history = await train(model, data, { ...recipe, epochs: 2, checkpoint: storeOf(await edited(() => {})), resume: true });
    expect(history.epoch).toEqual([0, 1]);
    model.dispose();
  });

  it("a last weight of dtype int32: refused, no weight written", async () => {
    const bytes = await edited((c) => {
      const last = c.weights.at(-1)!;
      last.tensor = tf.cast(last.tensor, "int32");
    });
    await expectRefused(bytes, /checkpoint: 1 weight dtypes differ from the model.s: weight "block1_2_bn\/moving_variance" is int32 in the checkpoint; the model.s is float32/);
  });

  it("an unknown optimizer slot, a wrongly shaped slot, a slot past the last weight: refused, nothing written", async () => {
    await expectRefused(
      await edited((c) => c.optimizer.tensors.push({ name: "velocity/0", tensor: tf.zeros([3, 3, 3, 4]) })),
      /optimizer state "velocity\/0": this Momentum optimizer has no "velocity"/,
    );
    await expectRefused(
      await edited((c) => {
        c.optimizer.tensors[0]!.tensor = tf.zeros([2, 2]);
      }),
      /optimizer state "accumulations\/0" has shape \[2, 2\]; weight 0 \(stem_conv\/kernel\) has shape \[3, 3, 3, 4\]/,
    );
    await expectRefused(
      await edited((c) => c.optimizer.tensors.push({ name: "accumulations/99", tensor: tf.zeros([3]) })),
      /optimizer state "accumulations\/99": slot 99 is past the model's \d+ trainable weights/,
    );
  });

  it("a missing history, and an F16 weight (which leaked 36 tensors): refused, nothing written, nothing leaked", async () => {
    await expectRefused(
      await edited((c) => delete (c.position as Partial<typeof c.position>).history),
      /checkpoint: position\.history must be \{ epoch: number\[\], history: \{ loss, acc, top5, lr \} \}; got undefined/,
    );
    const file = decodeSafetensors(good);
    const last = file.tensors.find((t) => t.name === "model/predictions/bias")!;
    const tensors = file.tensors.map((t) => (t === last ? { ...t, dtype: "F16" as const, data: t.data.subarray(0, t.data.length / 2) } : t));
    await expectRefused(encodeSafetensors(tensors, file.metadata), /content hash|F16/);
  });
});

describe("checksum, architecture, run and position (fault 7)", () => {
  it("a flipped bit in the tensor data, or in the metadata, is refused naming the content hash", async () => {
    const headerLength = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
    const flipped = good.slice();
    flipped[8 + headerLength + 100]! ^= 0x10;
    await expectRefused(flipped, /checkpoint: its content hash does not match its data \(sha256 .+\): the file is corrupt/);

    const text = new TextDecoder().decode(good.subarray(8, 8 + headerLength));
    const at = text.indexOf('\\"globalStep\\":4');
    expect(at).toBeGreaterThan(0);
    const changed = good.slice();
    changed[8 + at + '\\"globalStep\\":'.length]! = "5".charCodeAt(0);
    await expectRefused(changed, /content hash does not match/);
  });

  it("a ResNet's checkpoint into its plain twin (same weight names and shapes) is refused naming the architecture", async () => {
    await expectRefused(good, /checkpoint: it was written for another architecture: layer 9 is block1_add \(Add\) in the checkpoint, block1_out \(Activation\) in the model/, tinyPlainNet({ seed: 9 }));
  });

  it("another dataset size is refused", async () => {
    const fewer = { x: tf.slice(data.x, 0, 16), y: tf.slice(data.y, 0, 16) };
    const model = tinyResNet({ seed: 9 });
    const initial = await weightValues(model);
    await expect(train(model, fewer, { ...recipe, epochs: 3, checkpoint: storeOf(good), resume: true })).rejects.toThrow(
      "resume: the checkpoint was written with 24 training images; got 16 (an exact continuation needs the same)",
    );
    expect(await weightValues(model)).toEqual(initial);
    tf.dispose([fewer.x, fewer.y]);
    model.dispose();
  });

  it("impossible positions (epoch -5, step 999, globalStep off, NaN sums) are refused naming the field", async () => {
    const at = (change: (p: Checkpoint["position"]) => void) => edited((c) => change(c.position));
    await expectRefused(await at((p) => (p.epoch = -5)), /checkpoint: position\.epoch must be an integer >= 0; got -5/);
    await expectRefused(await at((p) => (p.step = 999)), /checkpoint: position\.step must be an integer in 0\.\.3 \(3 steps per epoch\); got 999/);
    await expectRefused(await at((p) => (p.globalStep = 7)), /checkpoint: position\.globalStep must be 4 \(epoch 1 of 3 steps, step 1\); got 7/);
    await expectRefused(await at((p) => (p.sums.loss = -1)), /checkpoint: position\.sums\.loss must be a finite number >= 0; got -1/);
    await expectRefused(await at((p) => (p.history.epoch = [0, 1, 2])), /checkpoint: position\.history\.epoch must be \[0\] \(the epochs before epoch 1\); got \[0,1,2\]/);
  });
});
