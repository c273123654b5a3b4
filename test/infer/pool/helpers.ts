import { readdirSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { expect } from "vitest";
import { resnet, type ResNetBuildOptions } from "../../../src/models/resnet.js";
import { saveSafetensors } from "../../../src/weights/index.js";
import { relativeError } from "../../helpers/relativeError.js";
import { perturbWeights } from "../../helpers/tf.js";

/** A small net for the pool's tests: ResNet-18 at 64x64, 10 logits (linear, so differences are not squashed by a softmax). */
export const MODEL: ResNetBuildOptions = { depth: 18, inputShape: [64, 64, 3], classes: 10, classifierActivation: "linear", seed: 5 };
/** Values per image. */
export const IMAGE_SIZE = 64 * 64 * 3;

/**
 * The main thread's model with weights moved away from what the seed gives (so a worker
 * cannot match it by rebuilding from the seed), and those weights as native safetensors.
 */
export async function referenceModel(options: ResNetBuildOptions = MODEL): Promise<{ model: tfl.LayersModel; bytes: Uint8Array }> {
  const model = resnet(options);
  perturbWeights(model, 11);
  return { model, bytes: await saveSafetensors(model, { layout: "native" }) };
}

/** `count` images of uniform values in [-1, 1) from a small LCG: deterministic, different per `seed`. */
export function images(count: number, seed: number): Float32Array {
  const values = new Float32Array(count * IMAGE_SIZE);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < values.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/** The main thread's `model.predict` of `input` (a batch of 64x64x3 images), on the current backend. */
export function predictHere(model: tfl.LayersModel, input: Float32Array): Float32Array {
  const before = tf.memory().numTensors;
  const values = tf.tidy(() => {
    const x = tf.tensor4d(input, [input.length / IMAGE_SIZE, 64, 64, 3]);
    return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
  expect(tf.memory().numTensors).toBe(before);
  return values;
}

/** Largest |a - b| over the largest |b|. */
export function relativeDiff(a: Float32Array, b: Float32Array): number {
  expect(b.reduce((scale, value) => Math.max(scale, Math.abs(value)), 0)).toBeGreaterThan(0);
  return relativeError(a, b);
}

/** Threads of this process (Linux), worker threads included. */
export function threadCount(): number {
  return readdirSync("/proc/self/task").length;
}
