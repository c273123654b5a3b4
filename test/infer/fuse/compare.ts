import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuse, type FuseOptions } from "../../../src/infer/fuse/index.js";
import { perturbWeights, useTestBackend } from "../../helpers/tf.js";

/**
 * Largest difference allowed between fused and plain outputs, relative to the largest
 * magnitude of the plain output. Folding reorders float32 arithmetic (w·s instead of (w·x)·s,
 * one bias instead of bias, mean and beta), so each of up to ~50 layers adds a few units of
 * float32 rounding (2^-24 ≈ 6e-8) relative to its output's scale; what we see is 1e-6 to 5e-6.
 * A real mistake (a lost β, mean or ε, a padding on the wrong side) moves outputs by percents.
 */
export const RELATIVE_TOLERANCE = 3e-5;

/** Largest absolute difference of two equally shaped tensors, and the largest magnitude of the first. */
export async function differences(reference: tf.Tensor, actual: tf.Tensor): Promise<{ maxDiff: number; scale: number }> {
  expect(actual.shape).toEqual(reference.shape);
  const [a, b] = await Promise.all([reference.data(), actual.data()]);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!) || !Number.isFinite(b[i]!)) throw new Error(`non-finite output at ${i}: ${a[i]} vs ${b[i]}`);
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return { maxDiff, scale };
}

/**
 * Perturbs the model's weights (so batch-norm statistics are far from 0 and 1), then runs
 * `model.predict` and `fuse(model).predict` on the same random batch on the current backend;
 * asserts they agree within {@link RELATIVE_TOLERANCE} and that nothing leaks.
 * Returns the relative difference.
 */
export async function expectFusedEqualsPredict(
  model: tfl.LayersModel,
  { batch = 2, seed = 11, options }: { batch?: number; seed?: number; options?: FuseOptions } = {},
): Promise<number> {
  const before = tf.memory().numTensors;
  const [h, w, c] = model.inputs[0]!.shape.slice(1) as number[];
  const x = tf.randomUniform([batch, h!, w!, c!], -1, 1, "float32", seed) as tf.Tensor4D;
  const fused = fuse(model, options);
  const reference = model.predict(x) as tf.Tensor;
  const actual = fused.predict(x);
  const { maxDiff, scale } = await differences(reference, actual);
  // A zero output would make the comparison empty.
  expect(scale).toBeGreaterThan(1e-3);
  const relative = maxDiff / scale;
  expect(relative).toBeLessThan(RELATIVE_TOLERANCE);
  tf.dispose([x, reference, actual]);
  fused.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return relative;
}

/** Perturbs the weights of a freshly built model, reproducibly. */
export function perturbed<T extends tfl.LayersModel>(model: T, seed = 7): T {
  perturbWeights(model as unknown as Parameters<typeof perturbWeights>[0], seed);
  return model;
}

/**
 * Copies the model's weights onto the current backend. tfjs would move them on first use,
 * inside a kernel, which its test mode (IS_TEST) reports as a kernel memory leak.
 */
export function moveWeightsToCurrentBackend(model: tfl.LayersModel): void {
  for (const weight of model.weights) {
    const value = weight.read();
    const copy = tf.tensor(value.dataSync(), value.shape, value.dtype);
    weight.write(copy);
    copy.dispose();
  }
}

/**
 * One describe block per case: the model is built once on cpu with perturbed weights, then
 * `fuse(model).predict` is compared with `model.predict` on cpu, and on wasm with tfjs's
 * convolution kernels and with resnet-blocks' own.
 */
export function describeFusedEqualsPredict(cases: readonly [string, () => tfl.LayersModel, FuseOptions?][]): void {
  describe.each(cases)("fuse(%s)", (_name, build, options) => {
    let model: tfl.LayersModel;
    beforeAll(async () => {
      await useTestBackend("cpu");
      model = perturbed(build());
    });
    afterAll(() => model.dispose());

    it("predict equals model.predict on cpu", async () => {
      await useTestBackend("cpu");
      await expectFusedEqualsPredict(model, { options });
    });

    it.each(["tfjs", "resnet-blocks"] as const)("predict equals model.predict on wasm, %s convolution kernels", async (kernels) => {
      await useTestBackend("wasm");
      moveWeightsToCurrentBackend(model);
      await expectFusedEqualsPredict(model, { options: { ...options, kernels } });
    });
  });
}
