/**
 * Batches of an epoch, from tensors in memory (shuffled by a permutation derived from
 * (seed, epoch)) or from a tf.data-style dataset (checked batch by batch).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { hashSeed, permutation, STREAM, uniformGenerator } from "./random.js";
import type { BatchDataset, TensorData } from "./types.js";
import { checkImagesAndLabels, type ModelShape } from "./validate.js";

/** A batch the caller owns and disposes. */
export interface OwnedBatch {
  /** Images. */
  x: tf.Tensor4D;
  /** Labels, sparse or one-hot. */
  y: tf.Tensor;
}

/** The batches of a dataset, epoch by epoch. */
export interface BatchSource {
  /**
   * Batches per epoch of tensor data; `null` for a dataset, whose length the run learns by
   * reading it (and then keeps in its position).
   */
  readonly stepsPerEpoch: number | null;
  /** `true` for tensors cut into batches of the `batchSize` option; `false` for a dataset's own batches. */
  fixedBatchSize: boolean;
  /** Images per epoch of tensor data; `null` for a dataset. */
  images: number | null;
  /**
   * The batches of `epoch` from batch `from` (0-based) to the end; tensor data is shuffled
   * when a `seed` is given.
   */
  batches(epoch: number, from: number, seed?: number): AsyncGenerator<OwnedBatch>;
}

/**
 * Batches of tensors in memory. With a seed, each epoch visits the images in the order of
 * a permutation drawn from (seed, epoch); without, in order (for validation).
 */
export function tensorBatches(data: TensorData, batchSize: number): BatchSource {
  const n = data.x.shape[0];
  const stepsPerEpoch = Math.ceil(n / batchSize);
  return {
    stepsPerEpoch,
    fixedBatchSize: true,
    images: n,
    async *batches(epoch: number, from: number, seed?: number) {
      const order = seed === undefined ? null : permutation(n, uniformGenerator(hashSeed(seed, epoch, STREAM.shuffle)));
      for (let step = from; step < stepsPerEpoch; step++) {
        const begin = step * batchSize;
        const end = Math.min(begin + batchSize, n);
        if (order === null) {
          yield { x: tf.slice(data.x, begin, end - begin), y: tf.slice(data.y, begin, end - begin) };
        } else {
          yield tf.tidy(() => {
            const indices = tf.tensor1d(order.subarray(begin, end), "int32");
            return { x: tf.gather(data.x, indices), y: tf.gather(data.y, indices) };
          });
        }
      }
    },
  };
}

/**
 * Batches of a tf.data-style dataset: a new iterator each epoch, read to the end. Batches
 * before `from` are read and dropped (a resumed run continues mid-epoch; the dataset must
 * give the same batches each epoch for that to be exact). Each batch is checked as
 * {@link checkImagesAndLabels} does, and named in the error.
 */
export function datasetBatches(dataset: BatchDataset, where: string, model: ModelShape): BatchSource {
  return {
    stepsPerEpoch: null,
    fixedBatchSize: false,
    images: null,
    async *batches(epoch: number, from: number) {
      const iterator = await dataset.iterator();
      let step = 0;
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        const batch = next.value as unknown;
        if (typeof batch !== "object" || batch === null || !("xs" in batch) || !("ys" in batch)) {
          tf.dispose(batch as tf.TensorContainer);
          throw new TypeError(`${where} must give batches { xs, ys }; batch ${step} of epoch ${epoch} is ${typeof batch === "object" && batch !== null ? `an object with keys ${Object.keys(batch).join(", ")}` : String(batch)}`);
        }
        const { xs, ys } = batch as { xs: tf.Tensor4D; ys: tf.Tensor };
        if (step < from) {
          tf.dispose([xs, ys]);
        } else {
          try {
            await checkImagesAndLabels(where, xs, ys, model, { x: "xs", y: "ys" }, ` (batch ${step} of epoch ${epoch})`);
          } catch (error) {
            tf.dispose([xs, ys]);
            throw error;
          }
          yield { x: xs, y: ys };
        }
        step++;
      }
      if (step === 0) throw new RangeError(`${where} gave no batches in epoch ${epoch}; a dataset must give at least one`);
    },
  };
}
