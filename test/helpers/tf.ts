import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { expect } from "vitest";

/** Selects a tfjs backend for a test file. */
export async function useTestBackend(name: "cpu" | "wasm"): Promise<void> {
  tf.env().set("IS_TEST", true); // silences tfjs's "install tfjs-node" banner
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new Error(`could not start the ${name} backend`);
}

/** Runs `fn` and asserts that it leaves no new tensors behind. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

/** Largest absolute difference between two tensors' values. */
export async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = await Promise.all([a.data(), b.data()]);
  expect(x.length).toBe(y.length);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  return max;
}

export { perturbWeights } from "./perturbWeights.js";
