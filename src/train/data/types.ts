/**
 * What the loaders return: images and labels as tensors, with the names of the classes.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * Labelled images in memory: `x` [n, height, width, channels] float32 in [0, 1], `y` [n]
 * int32 class indices, and the class names (`classNames[y[i]]` names example i). A
 * `TensorData` of the training loop. The caller owns the tensors: dispose `x` and `y` when done.
 */
export interface LabeledImages {
  /** Images, [n, height, width, channels] float32 in [0, 1]. */
  x: tf.Tensor4D;
  /** Class indices, [n] int32. */
  y: tf.Tensor1D;
  /** Name of each class, indexed by label. */
  classNames: string[];
}

/**
 * An error in a data file or folder; `path` names it.
 *
 * @example
 * ```ts
 * import { DatasetError, loadCifar10 } from "resnet-blocks/train";
 * try {
 *   await loadCifar10("data/cifar-10-batches-bin");
 * } catch (error) {
 *   if (error instanceof DatasetError) console.error(`bad data in ${error.path}: ${error.message}`);
 *   else throw error;
 * }
 * ```
 */
export class DatasetError extends Error {
  /** The file or folder at fault. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = "DatasetError";
    this.path = path;
  }
}
