/**
 * What a pool worker runs for each chunk: the fused forward pass of `fuse(model)` (batch
 * norm folded into the convolutions), prepared once after the weights are in place.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { fuse } from "../fuse/index.js";

/** A prepared forward pass. */
export interface Inference {
  /** Outputs for a batch `x` (NHWC float32); the caller disposes the result. */
  predict(x: tf.Tensor4D): tf.Tensor;
  /** Frees what `prepareInference` allocated. */
  dispose(): void;
}

/**
 * Prepares `model`, with its final weights, for inference. The result holds its own copy of
 * the weights: the model may be disposed afterwards.
 */
export function prepareInference(model: tfl.LayersModel): Inference {
  return fuse(model);
}
