/**
 * The Node reference: the same seeded models on the same input, on tfjs's Node `cpu` backend.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { resnet } from "../../src/models/resnet.js";
import { BATCH, SIZE, fingerprint, inputValues, modelOptions } from "./page/fixtures.js";

/** Logits and weight fingerprint of one model on Node's cpu backend. */
export interface Reference {
  logits: Float32Array;
  weights: string;
}

/** Runs ResNet-`depth` once on Node's cpu backend, on the fixed batch. */
export async function nodeReference(depth: 18 | 50, batch = BATCH, size = SIZE): Promise<Reference> {
  tf.env().set("IS_TEST", true); // no "install tfjs-node" banner
  await tf.setBackend("cpu");
  const model = resnet({ ...modelOptions(depth), inputShape: [size, size, 3] });
  const weights = fingerprint(await Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>)));
  const x = tf.tensor4d(inputValues(batch, size), [batch, size, size, 3]);
  const y = model.predict(x) as tf.Tensor;
  const logits = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  model.dispose();
  return { logits, weights };
}
