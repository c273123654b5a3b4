/**
 * Nothing lost: a run stopped (after an epoch, or aborted mid-epoch) and resumed from its
 * checkpoint into a freshly built model ends with the same weights, bit for bit, and the
 * same history as a run that was never interrupted (cpu backend: deterministic). A crash
 * in the middle of writing a checkpoint leaves the previous one whole.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCheckpoint, disposeCheckpoint } from "../../../src/train/loop/checkpoint.js";
import { fileCheckpointStore } from "../../../src/train/loop/fileStore.js";
import { encodeSafetensors } from "../../../src/weights/safetensors.js";
import { memoryCheckpointStore, stepDecay, train } from "../../../src/train/loop/index.js";
import type { TrainOptions } from "../../../src/train/loop/types.js";
import { useTestBackend } from "../../helpers/tf.js";
import { denseModel, tinyData, tinyResNet, weightValues } from "./fixtures.js";

let directory: string;
let data: { x: tf.Tensor4D; y: tf.Tensor1D };
/** Weights and history of 4 uninterrupted epochs, per optimizer. */
const reference = new Map<string, { weights: Map<string, Float32Array>; history: unknown }>();

const recipe = (optimizer: "sgd" | "adam"): TrainOptions => ({
  batchSize: 8, // 24 images: 3 steps per epoch
  optimizer,
  learningRate: stepDecay({ initial: optimizer === "sgd" ? 0.1 : 1e-2, boundaries: [1, 3] }),
  augment: { padCrop: 1, flip: true },
  labelSmoothing: 0.1,
  seed: 7,
  progress: false,
});

async function uninterrupted(optimizer: "sgd" | "adam") {
  if (!reference.has(optimizer)) {
    const model = tinyResNet({ seed: 1 });
    const history = await train(model, data, { ...recipe(optimizer), epochs: 4 });
    reference.set(optimizer, { weights: await weightValues(model), history });
    model.dispose();
  }
  return reference.get(optimizer)!;
}

beforeAll(async () => {
  await useTestBackend("cpu");
  directory = mkdtempSync(join(tmpdir(), "resnet-blocks-resume-"));
  data = tinyData(24, 2);
});
afterAll(() => {
  tf.dispose([data.x, data.y]);
  rmSync(directory, { recursive: true, force: true });
});

describe("resume continues exactly", () => {
  it("2 epochs, stop, resume to 4 in a new model (file checkpoint) = 4 epochs uninterrupted, bit for bit", async () => {
    const expected = await uninterrupted("sgd");
    const path = join(directory, "sgd.ckpt");
    const first = tinyResNet({ seed: 1 });
    const before = tf.memory().numTensors;
    await train(first, data, { ...recipe("sgd"), epochs: 2, checkpoint: path });
    expect(tf.memory().numTensors).toBe(before);
    first.dispose();

    const second = tinyResNet({ seed: 99 }); // other initial weights: all must come from the checkpoint
    const history = await train(second, data, { ...recipe("sgd"), epochs: 4, checkpoint: path, resume: true });
    expect(await weightValues(second)).toEqual(expected.weights);
    expect(history).toEqual(expected.history);
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(history.history.lr).toEqual([0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]);
    second.dispose();
  });

  it("aborted mid-epoch, resumed from the abort's checkpoint = uninterrupted, bit for bit", async () => {
    const expected = await uninterrupted("sgd");
    const store = memoryCheckpointStore();
    const controller = new AbortController();
    const first = tinyResNet({ seed: 1 });
    const before = tf.memory().numTensors;
    const stopped = await train(first, data, {
      ...recipe("sgd"),
      epochs: 4,
      checkpoint: store,
      signal: controller.signal,
      callbacks: {
        onBatchEnd: ({ epoch, step }) => {
          if (epoch === 1 && step === 1) controller.abort();
        },
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(stopped.stopped).toEqual({ reason: "aborted", epoch: 1, step: 2 });
    expect(stopped.epoch).toEqual([0]);
    first.dispose();

    const saved = decodeCheckpoint(store.bytes!);
    expect(saved.position).toMatchObject({ epoch: 1, step: 2, globalStep: 5, seed: 7, batchSize: 8, optimizer: "sgd" });
    disposeCheckpoint(saved);

    const second = tinyResNet({ seed: 99 });
    const history = await train(second, data, { ...recipe("sgd"), epochs: 4, checkpoint: store, resume: true });
    expect(await weightValues(second)).toEqual(expected.weights);
    expect(history).toEqual(expected.history);
    second.dispose();
  });

  it("Adam too: its moment estimates and running beta powers are restored exactly", async () => {
    const expected = await uninterrupted("adam");
    const store = memoryCheckpointStore();
    const first = tinyResNet({ seed: 1 });
    await train(first, data, { ...recipe("adam"), epochs: 1, checkpoint: store });
    first.dispose();
    const second = tinyResNet({ seed: 5 });
    await train(second, data, { ...recipe("adam"), epochs: 4, checkpoint: store, resume: true });
    expect(await weightValues(second)).toEqual(expected.weights);
    second.dispose();
  });

  it.each(["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax"] as const)("%s: 1 epoch + resume to 3 = 3 epochs, bit for bit", async (optimizer) => {
    const options: TrainOptions = { batchSize: 8, optimizer, seed: 3, progress: false, ...(optimizer === "sgd" ? { momentum: 0.5 } : {}) };
    const whole = denseModel(1);
    await train(whole, data, { ...options, epochs: 3 });
    const store = memoryCheckpointStore();
    const first = denseModel(1);
    await train(first, data, { ...options, epochs: 1, checkpoint: store });
    const second = denseModel(2);
    const before = tf.memory().numTensors;
    await train(second, data, { ...options, epochs: 3, checkpoint: store, resume: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(await weightValues(second)).toEqual(await weightValues(whole));
    expect(await weightValues(second)).not.toEqual(await weightValues(first));
    for (const model of [whole, first, second]) model.dispose();
  });

  it("the checkpoint holds every weight by name (moving statistics too), the optimizer slots, the position and the history", async () => {
    const store = memoryCheckpointStore();
    const model = tinyResNet({ seed: 1 });
    const history = await train(model, data, { ...recipe("sgd"), epochs: 1, checkpoint: store });
    const saved = decodeCheckpoint(store.bytes!);
    const names = saved.weights.map((w) => w.name);
    expect(names).toContain("stem_bn/moving_mean");
    expect(names).toContain("block1_2_bn/moving_variance");
    expect(names).toEqual(model.weights.map((w) => w.originalName));
    const values = await weightValues(model);
    for (const { name, tensor } of saved.weights) expect(await tensor.data()).toEqual(values.get(name));
    // One momentum slot per trainable weight.
    expect(saved.optimizer.tensors.map((t) => t.name)).toEqual(model.trainableWeights.map((_, i) => `accumulations/${i}`));
    expect(saved.optimizer.iterations).toBe(3);
    expect(saved.position).toMatchObject({ epoch: 1, step: 0, globalStep: 3, stepsPerEpoch: 3, seed: 7 });
    expect(saved.position.history).toEqual({ epoch: history.epoch, history: history.history });
    disposeCheckpoint(saved);
    model.dispose();
  });

  it("resume refuses a checkpoint written with other settings, and starts fresh when the store is empty", async () => {
    const store = memoryCheckpointStore();
    const model = tinyResNet({ seed: 1 });
    await train(model, data, { ...recipe("sgd"), epochs: 1, checkpoint: store });
    await expect(train(model, data, { ...recipe("sgd"), batchSize: 4, epochs: 2, checkpoint: store, resume: true })).rejects.toThrow(
      "resume: the checkpoint was written with batchSize 8; got 4 (an exact continuation needs the same)",
    );
    await expect(train(model, data, { ...recipe("adam"), epochs: 2, checkpoint: store, resume: true })).rejects.toThrow(
      'resume: the checkpoint was written with optimizer "sgd"; got "adam"',
    );
    const empty = await train(model, data, { ...recipe("sgd"), epochs: 1, checkpoint: memoryCheckpointStore(), resume: true });
    expect(empty.epoch).toEqual([0]);
    model.dispose();
  });
});

describe("checkpoints that do not fit", () => {
  it("a safetensors file that is not a checkpoint, or a checkpoint of another model, is refused and changes nothing", async () => {
    const model = denseModel(1);
    const initial = await weightValues(model);
    const weightsOnly = { read: async () => encodeSafetensors([{ name: "out/kernel", dtype: "F32", shape: [1], data: new Uint8Array(4) }]), write: async () => {} };
    await expect(train(model, data, { progress: false, checkpoint: weightsOnly, resume: true })).rejects.toThrow(
      'checkpoint: the file is safetensors but not a training checkpoint (metadata format undefined, expected "resnet-blocks/train-checkpoint")',
    );
    const other = memoryCheckpointStore();
    const otherModel = denseModel(1, 4); // 4 classes: another kernel and bias shape
    const fourClasses = { x: data.x, y: tf.oneHot(data.y, 4) as tf.Tensor2D };
    await train(otherModel, fourClasses, { progress: false, batchSize: 8, checkpoint: other });
    await expect(train(model, data, { progress: false, batchSize: 8, checkpoint: other, resume: true })).rejects.toThrow(
      "checkpoint: 2 weight shapes differ from the model's (it was written for another model):\n  out/kernel: model [192, 3], checkpoint [192, 4]",
    );
    expect(await weightValues(model)).toEqual(initial);
    tf.dispose(fourClasses.y);
    model.dispose();
    otherModel.dispose();
  });
});

describe("atomic checkpoint files", () => {
  it("a process killed in the middle of writing a checkpoint leaves the previous one whole and readable", async () => {
    const path = join(directory, "crash.ckpt");
    const store = memoryCheckpointStore();
    const model = tinyResNet({ seed: 1 });
    await train(model, data, { ...recipe("sgd"), epochs: 1, checkpoint: store });
    model.dispose();
    const previous = store.bytes!;
    await fileCheckpointStore(path).write(previous);

    const size = 64 * 1024 * 1024;
    const crash = async (): Promise<string> => {
      const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./crashWhileWriting.mts", import.meta.url)), path, String(size)], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk) => (output += chunk));
      child.stderr.on("data", (chunk) => (output += chunk));
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
      expect(signal, output).toBe("SIGKILL");
      // The crash came mid-write: a temporary file is there, partly written, under an unpredictable name.
      const left = readdirSync(directory).filter((name) => name.startsWith("crash.ckpt.") && name.endsWith(".tmp"));
      expect(left).toHaveLength(1);
      expect(left[0]).toMatch(/^crash\.ckpt\.[0-9a-f]{16}\.tmp$/);
      const temporary = join(directory, left[0]!);
      expect(statSync(temporary).size).toBeGreaterThan(0);
      expect(statSync(temporary).size).toBeLessThan(size);
      // The checkpoint itself is the previous one, byte for byte, and decodes.
      expect(new Uint8Array(readFileSync(path))).toEqual(previous);
      const saved = decodeCheckpoint((await fileCheckpointStore(path).read())!);
      expect(saved.position.epoch).toBe(1);
      disposeCheckpoint(saved);
      return left[0]!;
    };
    const first = await crash();
    // Opening the store (as train() does before its first step) removes the killed write's temporary file.
    await fileCheckpointStore(path).open();
    expect(existsSync(join(directory, first))).toBe(false);
    const second = await crash();
    expect(second).not.toBe(first);
    await fileCheckpointStore(path).open();
    await fileCheckpointStore(path).write(new Uint8Array([1, 2, 3]));
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    expect(readdirSync(directory).filter((name) => name.startsWith("crash.ckpt."))).toEqual([]);
  });

  it("reading a path with no checkpoint gives null", async () => {
    expect(await fileCheckpointStore(join(directory, "none.ckpt")).read()).toBeNull();
  });
});
