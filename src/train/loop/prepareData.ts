/**
 * The data of a run: checks the training and validation data before the first step and
 * turns tensors, datasets and validation splits into {@link BatchSource}s.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { describeValue } from "../../util/check.js";
import { datasetBatches, tensorBatches, type BatchSource } from "./batches.js";
import type { BatchDataset, TensorData, TrainData, TrainOptions, ValidationSplit } from "./types.js";
import { checkImagesAndLabels, type ModelShape } from "./validate.js";

/**
 * Checks the training and validation data and turns them into batch sources. Tensors cut
 * for a validation split are pushed to `owned`, for the caller to dispose.
 *
 * @throws TypeError or RangeError for bad data (see {@link checkImagesAndLabels}).
 */
export async function prepareData(
  data: TrainData,
  validationOption: TrainOptions["validation"],
  shape: ModelShape,
  batchSize: number,
  owned: tf.Tensor[],
): Promise<{ training: BatchSource; validation: BatchSource | null }> {
  if (isDataset(data)) {
    let validation: BatchSource | null = null;
    if (validationOption !== undefined) {
      if (isSplit(validationOption)) {
        throw new TypeError("validation: { split } needs tensor data { x, y }; with a dataset, pass a validation dataset or tensors");
      }
      validation = await validationSource(validationOption, shape, batchSize);
    }
    return { training: datasetBatches(data, "data", shape), validation };
  }
  if (typeof data !== "object" || data === null || !("x" in data) || !("y" in data)) {
    throw new TypeError(`data must be tensors { x, y } or a dataset with iterator(); got ${describeValue(data)}`);
  }
  await checkImagesAndLabels("data", data.x, data.y, shape);
  let trainingData: TensorData = data;
  let validation: BatchSource | null = null;
  if (validationOption !== undefined) {
    if (isSplit(validationOption)) {
      const { split } = validationOption;
      const n = data.x.shape[0];
      const at = Math.floor(n * (1 - split));
      if (typeof split !== "number" || !(split > 0 && split < 1) || at < 1 || at >= n) {
        throw new RangeError(
          `validation.split must be a fraction in (0, 1) that leaves at least one image on each side of the ${n}; got ${describeValue(split)}`,
        );
      }
      const slices = {
        trainX: tf.slice(data.x, 0, at),
        trainY: tf.slice(data.y, 0, at),
        valX: tf.slice(data.x, at),
        valY: tf.slice(data.y, at),
      };
      owned.push(...Object.values(slices));
      trainingData = { x: slices.trainX, y: slices.trainY as tf.Tensor1D | tf.Tensor2D };
      validation = tensorBatches({ x: slices.valX, y: slices.valY as tf.Tensor1D | tf.Tensor2D }, batchSize);
    } else {
      validation = await validationSource(validationOption, shape, batchSize);
    }
  }
  return { training: tensorBatches(trainingData, batchSize), validation };
}

async function validationSource(option: TensorData | BatchDataset, shape: ModelShape, batchSize: number): Promise<BatchSource> {
  if (isDataset(option)) return datasetBatches(option, "validation", shape);
  if (typeof option !== "object" || option === null || !("x" in option) || !("y" in option)) {
    throw new TypeError(`validation must be tensors { x, y }, a dataset, or { split }; got ${describeValue(option)}`);
  }
  await checkImagesAndLabels("validation", option.x, option.y, shape);
  return tensorBatches(option, batchSize);
}

function isDataset(value: unknown): value is BatchDataset {
  return typeof value === "object" && value !== null && typeof (value as BatchDataset).iterator === "function";
}

function isSplit(value: unknown): value is ValidationSplit {
  return typeof value === "object" && value !== null && "split" in value;
}
