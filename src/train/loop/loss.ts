/**
 * The loss and the accuracy counts of a batch: categorical cross-entropy on logits or on
 * probabilities, label smoothing, top-1 and top-k hits.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** How the model's output is read: softmax probabilities or logits. */
export type OutputKind = "probabilities" | "logits";

/** Keras's clipping of probabilities before the log, so that a confident wrong answer gives a finite loss. */
const PROBABILITY_EPSILON = 1e-7;

/**
 * Target rows and class indices of a batch's labels: sparse `[b]` indices become one-hot
 * rows; one-hot `[b, classes]` rows are used as they are and their argmax is the class.
 * Label smoothing `eps` makes the targets `(1 - eps) y + eps / classes`.
 */
export function targetsOf(
  labels: tf.Tensor,
  classes: number,
  labelSmoothing: number,
): { target: tf.Tensor2D; index: tf.Tensor1D } {
  return tf.tidy(() => {
    const sparse = labels.rank === 1;
    const index = (sparse ? tf.cast(labels, "int32") : tf.argMax(labels, 1)) as tf.Tensor1D;
    let target = (sparse ? tf.oneHot(index, classes) : tf.cast(labels, "float32")) as tf.Tensor2D;
    if (sparse) target = tf.cast(target, "float32");
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / classes);
    return { target, index };
  });
}

/** Cross-entropy of each row of `output` against `target`: a `[b]` tensor. */
export function crossEntropy(output: tf.Tensor2D, target: tf.Tensor2D, kind: OutputKind): tf.Tensor1D {
  return tf.tidy(() => {
    const logProbabilities =
      kind === "logits" ? tf.logSoftmax(output) : tf.log(tf.clipByValue(output, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON));
    return tf.neg(tf.sum(tf.mul(target, logProbabilities), 1)) as tf.Tensor1D;
  });
}

/**
 * Hits of a batch: `[top-1, top-k]` counts as a float32 `[2]` tensor. Top-1 compares the
 * argmax with the class (Keras's `categorical_accuracy`); top-k counts a row as a hit when
 * fewer than `k` classes score strictly higher than the true one (TensorFlow's `in_top_k`).
 */
export function hits(output: tf.Tensor2D, index: tf.Tensor1D, k: number): tf.Tensor1D {
  return tf.tidy(() => {
    const top1 = tf.sum(tf.cast(tf.equal(tf.argMax(output, 1), index), "float32"));
    // The true class's score, as a masked sum (a batchDims gather reads out of bounds on WASM in tfjs 4.22).
    const trueScore = tf.sum(tf.mul(output, tf.oneHot(index, output.shape[1])), 1);
    const higher = tf.sum(tf.cast(tf.greater(output, tf.expandDims(trueScore, 1)), "float32"), 1);
    const topk = tf.sum(tf.cast(tf.less(higher, k), "float32"));
    return tf.stack([top1, topk]) as tf.Tensor1D;
  });
}
