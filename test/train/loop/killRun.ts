import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { TrainOptions } from "../../../src/train/loop/types.js";
import { tinyData, tinyResNet } from "./fixtures.js";

/** The run sigkill.test.ts kills and resumes: 16 images in batches of 8 (2 steps per epoch), augmented, SGD with momentum. */
export const killRecipe: TrainOptions = { batchSize: 8, seed: 21, progress: false, augment: { padCrop: 1, flip: true }, learningRate: 0.05 };

/** Its data. */
export function killRunData(): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tinyData(16, 6);
}

/** Its model, before training. */
export function killRunModel(): tfl.LayersModel {
  return tinyResNet({ seed: 2 });
}
