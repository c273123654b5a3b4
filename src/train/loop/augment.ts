/**
 * Augmentation of a batch with tensor ops on the backend: zero padding and a random crop of
 * the original size, and a random left-right flip, done together as two gathers (rows,
 * then columns; a flipped image gathers its columns in reverse). Only the per-image offsets
 * and flip bits are drawn in JavaScript.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkKnownKeys, checkOptionsObject, describeValue } from "../../util/check.js";
import type { AugmentOptions, NormalizeOptions } from "./types.js";

/** The random choices of one batch: a crop window and a flip bit per image. */
export interface CropFlipDraw {
  /** Top row of each image's crop window in the padded image, 0 to 2 * pad. */
  top: Int32Array;
  /** Left column of each image's crop window in the padded image, 0 to 2 * pad. */
  left: Int32Array;
  /** 1 where the image is flipped left-right. */
  flip: Uint8Array;
}

/** Draws crop offsets (uniform in 0 .. 2 * pad) and flip bits (probability 1/2) for `batch` images. */
export function drawCropFlip(batch: number, pad: number, flip: boolean, random: () => number): CropFlipDraw {
  const draw: CropFlipDraw = { top: new Int32Array(batch), left: new Int32Array(batch), flip: new Uint8Array(batch) };
  for (let b = 0; b < batch; b++) {
    draw.top[b] = Math.floor(random() * (2 * pad + 1));
    draw.left[b] = Math.floor(random() * (2 * pad + 1));
    draw.flip[b] = flip && random() < 0.5 ? 1 : 0;
  }
  return draw;
}

/**
 * Pads `x` by `pad` zeros on each side, then takes each image's crop window of the
 * original size, flipped where `draw.flip` says. Returns a new tensor of the shape of `x`.
 *
 * Both selections are plain axis-0 gathers of whole rows (no `batchDims`, whose WASM kernel
 * reads out of bounds for some shapes in tfjs 4.22): image rows first, then, with height
 * and width swapped, image columns.
 */
export function cropFlip(x: tf.Tensor4D, pad: number, draw: CropFlipDraw): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const anyFlip = draw.flip.some((bit) => bit === 1);
  if (pad === 0 && !anyFlip) return tf.clone(x) as tf.Tensor4D;
  return tf.tidy(() => {
    const paddedHeight = height + 2 * pad;
    const paddedWidth = width + 2 * pad;
    let out: tf.Tensor4D = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
    if (pad > 0) {
      const rows = new Int32Array(batch * height);
      for (let b = 0; b < batch; b++) for (let i = 0; i < height; i++) rows[b * height + i] = b * paddedHeight + draw.top[b]! + i;
      const picked = tf.gather(tf.reshape(out, [batch * paddedHeight, paddedWidth * channels]), tf.tensor1d(rows, "int32"));
      out = tf.reshape(picked, [batch, height, paddedWidth, channels]);
    }
    const columns = new Int32Array(batch * width);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < width; j++) columns[b * width + j] = b * paddedWidth + draw.left[b]! + (draw.flip[b] ? width - 1 - j : j);
    }
    const byColumn = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [batch * paddedWidth, height * channels]);
    const picked = tf.reshape(tf.gather(byColumn, tf.tensor1d(columns, "int32")), [batch, width, height, channels]);
    return tf.transpose(picked, [0, 2, 1, 3]) as tf.Tensor4D;
  });
}

/** `(x - mean) / std` per channel (the last axis). Returns a new tensor. */
export function normalize(x: tf.Tensor4D, { mean, std }: NormalizeOptions): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std)));
}

/** Checks the `augment` option against the images' channels; returns it with defaults filled in. */
export function resolveAugment(
  augment: unknown,
  channels: number,
): { padCrop: number; flip: boolean; normalize?: NormalizeOptions } | undefined {
  if (augment === undefined || augment === false) return undefined;
  checkOptionsObject("augment", augment);
  const options = augment as AugmentOptions;
  checkKnownKeys(options, ["padCrop", "flip", "normalize"], "augment", "augment");
  const padCrop = options.padCrop ?? 0;
  if (typeof padCrop !== "number" || !Number.isInteger(padCrop) || padCrop < 0) {
    throw new RangeError(`augment.padCrop must be an integer >= 0 (pixels of padding; the paper uses 4); got ${describeValue(padCrop)}`);
  }
  const flip = options.flip ?? false;
  if (typeof flip !== "boolean") throw new TypeError(`augment.flip must be true or false; got ${describeValue(flip)}`);
  if (options.normalize === undefined) return { padCrop, flip };
  checkOptionsObject("augment.normalize", options.normalize);
  const { mean, std } = options.normalize;
  for (const [name, values] of [["mean", mean], ["std", std]] as const) {
    if (!Array.isArray(values) || values.length !== channels || !values.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new RangeError(
        `augment.normalize.${name} must be ${channels} finite numbers (one per channel of data.x); got ${describeValue(values)}`,
      );
    }
  }
  if (!std.every((v) => v > 0)) throw new RangeError(`augment.normalize.std must be > 0 per channel; got ${describeValue(std)}`);
  return { padCrop, flip, normalize: { mean: [...mean], std: [...std] } };
}
