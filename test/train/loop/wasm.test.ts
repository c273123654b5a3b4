/**
 * train() on the WASM backend, with the training kernels of src/train/kernels registered,
 * against the same run on the cpu backend (the reference): same data, same initial weights,
 * same seed.
 */
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { registerWasmTrainingKernels } from "../../../src/train/kernels/index.js";
import { train } from "../../../src/train/loop/index.js";
import type { TrainOptions } from "../../../src/train/loop/types.js";
import { useTestBackend } from "../../helpers/tf.js";
import { tinyData, tinyResNet, weightValues } from "./fixtures.js";

const options: TrainOptions = {
  epochs: 2,
  batchSize: 8,
  seed: 4,
  augment: { padCrop: 1, flip: true },
  validation: { split: 0.25 },
  progress: false,
};

async function trainOn(backend: "cpu" | "wasm", initial?: Map<string, Float32Array>) {
  await useTestBackend(backend);
  const model = tinyResNet({ seed: 1 });
  if (initial) for (const weight of model.weights) weight.write(tf.tensor(initial.get(weight.originalName)!, weight.shape as number[]));
  const start = await weightValues(model);
  const data = tinyData(24, 3);
  const before = tf.memory().numTensors;
  // tfjs's per-kernel leak check (on under IS_TEST) counts the tensors that the fused conv2d's
  // custom gradient saves on WASM as a leak; repeated runs show no growth of the backend's data.
  tf.env().set("IS_TEST", false);
  const history = await train(model, data, options);
  tf.env().set("IS_TEST", true);
  expect(tf.memory().numTensors).toBe(before);
  const weights = await weightValues(model);
  tf.dispose([data.x, data.y]);
  model.dispose();
  return { start, history, weights };
}

describe("training on the WASM backend", () => {
  it("gives the cpu backend's weights and history within float32 rounding", async () => {
    registerWasmTrainingKernels();
    const cpu = await trainOn("cpu");
    const wasm = await trainOn("wasm", cpu.start);
    expect(wasm.start).toEqual(cpu.start);
    for (const [name, values] of cpu.weights) {
      const other = wasm.weights.get(name)!;
      const scale = Math.max(...Array.from(values, Math.abs), 1e-3);
      const worst = Math.max(...Array.from(values, (v, i) => Math.abs(v - other[i]!)));
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
    cpu.history.history.loss.forEach((loss, i) => expect(wasm.history.history.loss[i]).toBeCloseTo(loss, 4));
    cpu.history.history.val_loss!.forEach((loss, i) => expect(wasm.history.history.val_loss![i]).toBeCloseTo(loss, 4));
  });
});
