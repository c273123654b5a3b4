/**
 * The same-answers run the browser pages share (the test page and the bundler-matrix app):
 * builds a seeded ResNet, runs it on the fixed batch, times each call, disposes everything.
 */
import * as tf from "@tensorflow/tfjs-core";
import { resnet } from "resnet-blocks";
import { BATCH, SIZE, fingerprint, inputValues, modelOptions } from "./fixtures.js";

/** Results of {@link runModel}: first-call logits, weight fingerprint, per-call times and tensor counts. */
export interface RunResult {
  logits: number[];
  weights: string;
  buildMs: number;
  callMs: number[];
  tensorsBefore: number;
  tensorsAfter: number[];
  backend: string;
}

/** Builds a seeded ResNet, runs it `calls` times on the fixed batch, disposes everything. */
export async function runModel(depth: 18 | 50, calls: number, batch = BATCH, size = SIZE): Promise<RunResult> {
  let start = performance.now();
  const model = resnet({ ...modelOptions(depth), inputShape: [size, size, 3] });
  const buildMs = performance.now() - start;
  const weights = fingerprint(await Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>)));
  const x = tf.tensor4d(inputValues(batch, size), [batch, size, size, 3]);
  const tensorsBefore = tf.memory().numTensors;
  const callMs: number[] = [];
  const tensorsAfter: number[] = [];
  let logits: number[] = [];
  for (let i = 0; i < calls; i++) {
    start = performance.now();
    const y = model.predict(x) as tf.Tensor;
    const values = await y.data(); // waits for the GPU: the time is the whole forward pass
    callMs.push(performance.now() - start);
    if (i === 0) logits = Array.from(values);
    y.dispose();
    tensorsAfter.push(tf.memory().numTensors);
  }
  x.dispose();
  model.dispose();
  return { logits, weights, buildMs, callMs, tensorsBefore, tensorsAfter, backend: tf.getBackend() };
}
