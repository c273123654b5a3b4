/**
 * The model that `npm run demo` ships: its architecture and data split, and the held-out
 * accuracy computation shared by the demo, its training script and its test.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

/** A CIFAR-style ResNet-8 with 8 filters for 28x28 grey digits, and the seeded split of the `mnist` package's 10,000 digits. */
export const DEMO_MODEL = {
  architecture: { depth: 8, filters: 8, inputShape: [28, 28, 1] as [number, number, number], classes: 10 },
  split: { train: 8000, test: 2000, seed: 1 },
  weights: new URL("../assets/mnist-resnet8.safetensors", import.meta.url),
  record: new URL("../assets/mnist-resnet8.json", import.meta.url),
};

/** Top-1 hits of `model` (inference mode) on `data`, 500 images at a time. */
export async function heldOutAccuracy(model: tfl.LayersModel, data: { x: tf.Tensor4D; y: tf.Tensor1D }): Promise<{ correct: number; total: number }> {
  let correct = 0;
  const total = data.x.shape[0];
  for (let start = 0; start < total; start += 500) {
    const size = Math.min(500, total - start);
    const hits = tf.tidy(() => {
      const scores = model.predict(tf.slice(data.x, [start], [size])) as tf.Tensor2D;
      return tf.sum(tf.cast(tf.equal(tf.argMax(scores, 1), tf.slice(data.y, [start], [size])), "int32"));
    });
    correct += (await hits.data())[0]!;
    hits.dispose();
  }
  return { correct, total };
}
