/**
 * The binary format of CIFAR-10 (https://www.cs.toronto.edu/~kriz/cifar.html), decoded in
 * plain TypeScript: works on bytes from a file (see `loadCifar10` in the Node entry) or
 * from `fetch` in a browser.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { describeValue } from "../../util/check.js";
import { DatasetError, type LabeledImages } from "./types.js";

/** The ten classes of CIFAR-10, by label (as `batches.meta.txt` lists them). */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Bytes of one image: 32 x 32 pixels, three channel planes. */
export const CIFAR10_IMAGE_BYTES = 32 * 32 * 3;
/** Bytes of one record: a label byte, then the image. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;

/** Options of {@link decodeCifar10}. */
export interface DecodeCifar10Options {
  /** Where the bytes came from, for error messages: one name, or one per batch. Default `"CIFAR-10 batch"`. */
  source?: string | readonly string[];
  /** Keep only the first `limit` records of all batches together. Default: all. */
  limit?: number;
  /** Class names; default {@link CIFAR10_CLASSES}. */
  classNames?: readonly string[];
}

/**
 * Decodes CIFAR-10 binary batches (each a run of 3073-byte records: a label byte, then the
 * red, green and blue planes of a 32x32 image, each row-major) into `x` [n, 32, 32, 3]
 * float32 in [0, 1] (channels last, as tfjs convolutions take them) and `y` [n] int32.
 *
 * @param batches One or more batches (`data_batch_1.bin`, ...), concatenated in order.
 * @example
 * ```ts
 * const bytes = new Uint8Array(await (await fetch("/cifar/test_batch.bin")).arrayBuffer());
 * const { x, y, classNames } = decodeCifar10(bytes);
 * ```
 * @throws DatasetError naming the source for a truncated record or a label outside 0..9.
 */
export function decodeCifar10(batches: Uint8Array | readonly Uint8Array[], options: DecodeCifar10Options = {}): LabeledImages {
  const list = batches instanceof Uint8Array ? [batches] : batches;
  if (!Array.isArray(list) || !list.every((b) => b instanceof Uint8Array)) {
    throw new TypeError(`batches must be a Uint8Array or an array of them; got ${describeValue(batches)}`);
  }
  if (list.length === 0) throw new RangeError("batches must hold at least one CIFAR-10 batch; got []");
  const source = options.source ?? "CIFAR-10 batch";
  const classNames = [...(options.classNames ?? CIFAR10_CLASSES)];
  const sources = typeof source === "string" ? list.map((_, i) => (list.length === 1 ? source : `${source} ${i + 1}`)) : source;
  if (sources.length !== list.length) {
    throw new RangeError(`source must name each of the ${list.length} batches; got ${describeValue(source)}`);
  }
  list.forEach((bytes, i) => checkRecordLength(bytes.length, sources[i]!));
  const available = list.reduce((sum, bytes) => sum + bytes.length / CIFAR10_RECORD_BYTES, 0);
  if (available === 0) throw new DatasetError(sources.join(", "), `${sources.join(", ")}: no records (0 bytes)`);
  const n = options.limit === undefined ? available : Math.min(available, checkLimit(options.limit));

  const pixels = new Float32Array(n * CIFAR10_IMAGE_BYTES);
  const labels = new Int32Array(n);
  let record = 0;
  for (const [batch, bytes] of list.entries()) {
    for (let offset = 0; offset < bytes.length && record < n; offset += CIFAR10_RECORD_BYTES, record++) {
      const label = bytes[offset]!;
      if (label >= classNames.length) {
        const index = offset / CIFAR10_RECORD_BYTES;
        throw new DatasetError(
          sources[batch]!,
          `${sources[batch]}: record ${index} has label ${label}; CIFAR-10 labels are 0..${classNames.length - 1}`,
        );
      }
      labels[record] = label;
      planesToChannelsLast(bytes, offset + 1, pixels, record * CIFAR10_IMAGE_BYTES);
    }
  }
  const x = tf.tensor4d(pixels, [n, 32, 32, 3], "float32");
  const y = tf.tensor1d(labels, "int32");
  return { x, y, classNames };
}

/**
 * Parses `batches.meta.txt`: one class name per line, blank lines ignored.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { parseCifar10Meta } from "resnet-blocks/train";
 * parseCifar10Meta(readFileSync("data/cifar-10-batches-bin/batches.meta.txt", "utf8")); // ["airplane", "automobile", ...]
 * ```
 */
export function parseCifar10Meta(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Throws a DatasetError unless `length` is a whole number of records. */
export function checkRecordLength(length: number, source: string): void {
  if (length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(length / CIFAR10_RECORD_BYTES);
    throw new DatasetError(
      source,
      `${source}: ${length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records ` +
        `(${whole} records and ${length - whole * CIFAR10_RECORD_BYTES} bytes over); the file is truncated or not a CIFAR-10 binary batch`,
    );
  }
}

/** Writes one image, R, G and B planes of 1024 bytes each, as 32x32x3 channels-last floats in [0, 1]. */
function planesToChannelsLast(bytes: Uint8Array, start: number, out: Float32Array, outStart: number): void {
  const plane = 32 * 32;
  for (let p = 0; p < plane; p++) {
    const o = outStart + 3 * p;
    out[o] = bytes[start + p]! / 255;
    out[o + 1] = bytes[start + plane + p]! / 255;
    out[o + 2] = bytes[start + 2 * plane + p]! / 255;
  }
}

function checkLimit(limit: unknown): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    const ErrorType = typeof limit === "number" ? RangeError : TypeError;
    throw new ErrorType(`limit must be an integer >= 1; got ${describeValue(limit)}`);
  }
  return limit;
}
