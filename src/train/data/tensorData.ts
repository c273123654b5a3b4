/**
 * `tensorData(x, y)`: checks images and labels held as tensors before training on them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkInteger, describeValue } from "../../util/check.js";

/** Options of {@link tensorData}. */
export interface TensorDataOptions {
  /** Number of classes: sparse labels must lie in [0, classes), one-hot labels have this many columns. */
  classes?: number;
}

/** Images and labels checked by {@link tensorData}: the `TensorData` the training loop takes. */
export interface CheckedTensorData<Y extends tf.Tensor1D | tf.Tensor2D = tf.Tensor1D | tf.Tensor2D> {
  /** Images, [n, height, width, channels] float32. */
  x: tf.Tensor4D;
  /** Labels: [n] class indices, or [n, classes] float32 one-hot (or soft) targets. */
  y: Y;
}

/**
 * Checks that `x` and `y` make a training set and returns them as one object (the same
 * tensors, not copies): `x` a 4-D float32 tensor [n, height, width, channels], `y` either
 * [n] class indices (int32, or float32 holding whole numbers) or [n, classes] float32
 * targets, with the same n >= 1. Float32 indices, and any indices when `classes` is given,
 * are read back and checked to be whole numbers in [0, classes).
 *
 * @example
 * ```ts
 * const data = tensorData(tf.zeros([8, 32, 32, 3]), tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], "int32"), { classes: 10 });
 * await train(model, data, { epochs: 1 });
 * ```
 * @throws TypeError for a value that is not a tensor of the right rank or dtype; RangeError
 *   for mismatched lengths, an empty set, or labels outside [0, classes).
 */
export function tensorData<Y extends tf.Tensor1D | tf.Tensor2D>(
  x: tf.Tensor4D,
  y: Y,
  options: TensorDataOptions = {},
): CheckedTensorData<Y> {
  if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.dtype !== "float32") {
    throw new TypeError(`x must be a 4-D float32 tensor [n, height, width, channels]; got ${describeTensor(x)}`);
  }
  const sparse = y instanceof tf.Tensor && y.rank === 1 && (y.dtype === "int32" || y.dtype === "float32");
  if (!(y instanceof tf.Tensor) || !(sparse || (y.rank === 2 && y.dtype === "float32"))) {
    throw new TypeError(`y must be a tensor [n] of class indices (int32 or float32) or a float32 tensor [n, classes]; got ${describeTensor(y)}`);
  }
  for (const [name, tensor] of [["x", x], ["y", y]] as const) {
    if (tensor.isDisposed) throw new TypeError(`${name} must be a live tensor; got ${describeTensor(tensor)}`);
  }
  const n = x.shape[0];
  if (n < 1) throw new RangeError(`x must hold at least one example; got shape ${describeValue(x.shape)}`);
  if (y.shape[0] !== n) {
    throw new RangeError(`y must have as many examples as x (${n}); got shape ${describeValue(y.shape)}`);
  }
  const classes = options.classes === undefined ? undefined : checkInteger("classes", options.classes, 1);
  if (classes !== undefined && y.rank === 2 && y.shape[1] !== classes) {
    throw new RangeError(`y must have ${classes} columns (classes); got shape ${describeValue(y.shape)}`);
  }
  if (y.rank === 1 && (classes !== undefined || y.dtype === "float32")) {
    const labels = y.dataSync();
    const upper = classes ?? Infinity;
    const bad = labels.findIndex((label) => !Number.isInteger(label) || label < 0 || label >= upper);
    if (bad >= 0) {
      const accepted = classes === undefined ? ">= 0" : `in [0, ${classes})`;
      throw new RangeError(`y[${bad}] must be a whole-number class index ${accepted}; got ${labels[bad]}`);
    }
  }
  return { x, y };
}

function describeTensor(value: unknown): string {
  if (value instanceof tf.Tensor) {
    const disposed = value.isDisposed ? " (disposed)" : "";
    return `a ${value.dtype} tensor of shape ${describeValue(value.shape)}${disposed}`;
  }
  return describeValue(value);
}
