/** Weights moved away from their initial values; no vitest import, so the benches use it too. */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Moves every weight of `model` away from what its initialisers produce (kernels scaled by
 * U(0.9, 1.1) per element, batch-norm statistics and affine parameters randomised), so that a
 * test cannot pass by rebuilding the same initial weights from a seed.
 */
export function perturbWeights(model: { weights: { originalName: string; read(): tf.Tensor; write(v: tf.Tensor): void }[] }, seed: number): void {
  model.weights.forEach((weight, index) => {
    tf.tidy(() => {
      const value = weight.read();
      const name = weight.originalName;
      let next: tf.Tensor;
      if (/moving_variance|gamma/.test(name)) next = tf.randomUniform(value.shape, 0.5, 1.5, "float32", seed + index);
      else if (/moving_mean|beta|bias/.test(name)) next = tf.randomNormal(value.shape, 0, 0.1, "float32", seed + index);
      else next = tf.mul(value, tf.randomUniform(value.shape, 0.9, 1.1, "float32", seed + index));
      weight.write(next);
    });
  });
}
