/** Reproducible, non-trivial weights for the benches. */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Moves every weight of `model` away from its initial value, deterministically from `seed`:
 * kernels scaled element-wise by U(0.9, 1.1); batch-norm scales and variances drawn from
 * U(0.5, 1.5); means, offsets and biases from N(0, 0.1). Fresh batch norms (mean 0, variance 1,
 * scale 1, offset 0) are almost identities, so without this a runtime that mishandled batch
 * norm would still pass the logits check.
 */
export function randomiseWeights(model: { weights: { originalName: string; read(): tf.Tensor; write(v: tf.Tensor): void }[] }, seed: number): void {
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
