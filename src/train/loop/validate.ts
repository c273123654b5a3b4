/**
 * Checks of the data {@link train} is given, before any step: shapes in JavaScript, values
 * (NaN and infinities, labels out of range or not whole, one-hot rows that do not sum to 1)
 * with one reduction on the backend and a single read of its results.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { describeShape, describeValue } from "../../util/check.js";

/** What the model expects: input `[height, width, channels]` (null where free) and the number of classes. */
export interface ModelShape {
  /** Input shape without the batch axis; `null` where the model accepts any size. */
  input: [number | null, number | null, number];
  /** Units of the output. */
  classes: number;
}

/** Tolerance on the sum of a one-hot (or probability) row. */
const ROW_SUM_TOLERANCE = 1e-3;

/**
 * Checks images and labels against each other and the model.
 *
 * @param where - How the message names the data: `data` or `validation`.
 * @param fields - Names of the images and labels in messages: `x`, `y` for tensors, `xs`, `ys` for a dataset's batches.
 * @param context - Appended to messages, like ` (batch 3 of epoch 0)`.
 * @throws TypeError or RangeError naming the argument, the value and what is accepted.
 */
export async function checkImagesAndLabels(
  where: string,
  x: unknown,
  y: unknown,
  model: ModelShape,
  fields: { x: string; y: string } = { x: "x", y: "y" },
  context = "",
): Promise<void> {
  const xName = `${where}.${fields.x}`;
  const yName = `${where}.${fields.y}`;
  checkShapes(xName, yName, x, y, model, context);
  const images = x as tf.Tensor4D;
  const labels = y as tf.Tensor;
  const stats = tf.tidy(() => {
    const imageFlags = tf.any(tf.logicalNot(tf.isFinite(tf.cast(images, "float32"))), [1, 2, 3]);
    const labelValues = tf.cast(labels, "float32");
    let labelFlags: tf.Tensor;
    if (labels.rank === 1) {
      const whole = tf.equal(labelValues, tf.floor(labelValues));
      const inRange = tf.logicalAnd(tf.greaterEqual(labelValues, 0), tf.less(labelValues, model.classes));
      labelFlags = tf.logicalNot(tf.logicalAnd(whole, inRange));
    } else {
      const badEntry = tf.any(tf.logicalNot(tf.logicalAnd(tf.isFinite(labelValues), tf.greaterEqual(labelValues, 0))), 1);
      const badSum = tf.greater(tf.abs(tf.sub(tf.sum(labelValues, 1), 1)), ROW_SUM_TOLERANCE);
      labelFlags = tf.logicalOr(badEntry, badSum);
    }
    const summary = (flags: tf.Tensor) => {
      const asNumbers = tf.cast(flags, "float32");
      return [tf.max(asNumbers), tf.cast(tf.argMax(asNumbers), "float32")];
    };
    return tf.stack([...summary(imageFlags), ...summary(labelFlags)]);
  });
  const [imageBad, imageIndex, labelBad, labelIndex] = Array.from(await stats.data());
  stats.dispose();
  if (imageBad) {
    throw new RangeError(`${xName} must hold finite numbers; image ${imageIndex} holds NaN or Infinity${context}`);
  }
  if (labelBad) {
    const row = await readRow(labels, labelIndex!);
    if (labels.rank === 1) {
      throw new RangeError(
        `${yName} must hold class indices, whole numbers 0 to ${model.classes - 1} (the model has ${model.classes} classes); label ${labelIndex} is ${describeValue(row[0])}${context}`,
      );
    }
    throw new RangeError(
      `${yName} one-hot rows must be finite, >= 0 and sum to 1; row ${labelIndex} is ${describeValue(row)}${context}`,
    );
  }
}

function checkShapes(xName: string, yName: string, x: unknown, y: unknown, model: ModelShape, context: string): void {
  if (!(x instanceof tf.Tensor) || x.rank !== 4) {
    const got = x instanceof tf.Tensor ? `a tensor of shape ${describeShape(x.shape)}` : describeValue(x);
    throw new TypeError(`${xName} must be a 4-D tensor [n, height, width, channels]; got ${got}${context}`);
  }
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new TypeError(`${xName} must be a float32 (or int32) tensor; got dtype ${x.dtype}${context}`);
  }
  const [n, height, width, channels] = x.shape as [number, number, number, number];
  const [mh, mw, mc] = model.input;
  if (n < 1) throw new RangeError(`${xName} must hold at least one image; got shape ${describeShape(x.shape)}${context}`);
  if ((mh !== null && height !== mh) || (mw !== null && width !== mw) || channels !== mc) {
    const expected = `[n, ${mh ?? "height"}, ${mw ?? "width"}, ${mc}]`;
    throw new RangeError(`${xName} must have shape ${expected} to fit the model's input; got ${describeShape(x.shape)}${context}`);
  }
  if (!(y instanceof tf.Tensor) || (y.rank !== 1 && y.rank !== 2)) {
    const got = y instanceof tf.Tensor ? `a tensor of shape ${describeShape(y.shape)}` : describeValue(y);
    throw new TypeError(`${yName} must be a tensor of class indices [n] or of one-hot rows [n, classes]; got ${got}${context}`);
  }
  if (y.dtype !== "float32" && y.dtype !== "int32") {
    throw new TypeError(`${yName} must be an int32 or float32 tensor; got dtype ${y.dtype}${context}`);
  }
  if (y.shape[0] !== n) {
    throw new RangeError(`${yName} must have one label per image of ${xName} (${n}); got ${y.shape[0]} (shape ${describeShape(y.shape)})${context}`);
  }
  if (y.rank === 2 && y.shape[1] !== model.classes) {
    throw new RangeError(
      `${yName} one-hot rows must have ${model.classes} columns (the model's classes); got shape ${describeShape(y.shape)}${context}`,
    );
  }
}

async function readRow(labels: tf.Tensor, index: number): Promise<number[]> {
  const row = tf.tidy(() => tf.gather(labels, [index]));
  const values = Array.from(await row.data());
  row.dispose();
  return values;
}
