/**
 * Validation: loss, top-1 and top-5 accuracy of a model in inference mode (batch norm
 * with its moving statistics), summed on the backend and read once; the event loop runs
 * between batches.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { normalize } from "./augment.js";
import type { BatchSource } from "./batches.js";
import { crossEntropy, hits, targetsOf, type OutputKind } from "./loss.js";
import type { NormalizeOptions } from "./types.js";
import { eventLoopYielder } from "./yieldToEventLoop.js";

/** What {@link evaluate} needs to know about the model and the loss. */
export interface EvaluateOptions {
  /** Classes of the model's output. */
  classes: number;
  /** How the output is read. */
  output: OutputKind;
  /** Label smoothing of the loss (the same as in training, as Keras reports). */
  labelSmoothing: number;
  /** Normalisation applied to the images first. */
  normalize?: NormalizeOptions;
}

/** Mean loss, top-1 and top-5 accuracy over every batch of `source` (epoch 0). */
export async function evaluate(
  model: tfl.LayersModel,
  source: BatchSource,
  options: EvaluateOptions,
): Promise<{ loss: number; acc: number; top5: number }> {
  let totals = tf.zeros([4]);
  const yieldToEventLoop = eventLoopYielder();
  try {
    for await (const { x, y } of source.batches(0, 0)) {
      const next = tf.tidy(() => {
        const images = tf.cast(x, "float32") as tf.Tensor4D;
        const input = options.normalize ? normalize(images, options.normalize) : images;
        const output = model.apply(input, { training: false }) as tf.Tensor2D;
        const { target, index } = targetsOf(y, options.classes, options.labelSmoothing);
        const lossSum = tf.sum(crossEntropy(output, target, options.output));
        const figures = [tf.stack([lossSum]), hits(output, index, Math.min(5, options.classes)), tf.tensor1d([x.shape[0]])];
        return tf.add(totals, tf.concat(figures));
      });
      tf.dispose([x, y, totals]);
      totals = next;
      // Timers and signal handlers run between batches of a long validation too.
      await yieldToEventLoop();
    }
  } catch (error) {
    totals.dispose();
    throw error;
  }
  const [loss, top1, top5, images] = Array.from(await totals.data()) as [number, number, number, number];
  totals.dispose();
  return { loss: loss / images, acc: top1 / images, top5: top5 / images };
}
