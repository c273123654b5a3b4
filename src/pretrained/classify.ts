/**
 * `classify(model, images, options)`: preprocess, run, softmax, top-k with class names.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import type { FusedModel } from "../infer/fuse/index.js";
import { checkInteger, checkKnownKeys, checkOptionsObject, describeValue } from "../util/check.js";
import { IMAGENET_LABELS } from "./labels/imagenetLabels.js";
import { checkImageInput, type ImageInput } from "./transforms/pixels.js";
import type { ImageTransforms } from "./transforms/transforms.js";

/** One class of a classification: its index, name and probability. */
export interface Prediction {
  /** Class index (the row of the classifier). */
  index: number;
  /** Class name from `labels` (the index as a string if there are no labels for this model). */
  label: string;
  /** Softmax probability, 0-1. */
  probability: number;
}

/** Options of {@link classify}. */
export interface ClassifyOptions {
  /**
   * The checkpoint's preprocessing ({@link createTransforms}, or `pretrained(...).transforms`).
   * Without it, the input must already be the model's input: a float32 `tf.Tensor4D`
   * `[n, height, width, 3]`, preprocessed.
   */
  transforms?: ImageTransforms;
  /** Class names, one per output; default {@link IMAGENET_LABELS} for a 1000-way model, else the indices as strings. */
  labels?: readonly string[];
  /** How many classes to return per image, most probable first; default 5 (at most the number of classes). */
  topK?: number;
  /**
   * What the model outputs; default `"auto"`: a `LayersModel` whose last layer's activation is
   * softmax gives probabilities, another one logits; for a `FusedModel` (which does not say)
   * rows of non-negative values that sum to 1 are taken as probabilities.
   */
  outputs?: "auto" | "logits" | "probabilities";
}

const OPTION_KEYS = ["transforms", "labels", "topK", "outputs"];

function isFusedModel(model: unknown): model is FusedModel {
  const m = model as Partial<FusedModel>;
  return typeof m === "object" && m !== null && Array.isArray(m.steps) && typeof m.predict === "function" && Array.isArray(m.inputShape);
}

function isLayersModel(model: unknown): model is tfl.LayersModel {
  const m = model as Partial<tfl.LayersModel>;
  return typeof m === "object" && m !== null && Array.isArray(m.layers) && Array.isArray(m.inputs) && typeof m.predict === "function";
}

/** The input `[height, width]` a model takes (null where any size goes). */
function inputSize(model: tfl.LayersModel | FusedModel): readonly [number | null, number | null] {
  if (isFusedModel(model)) return [model.inputShape[0], model.inputShape[1]];
  const shape = model.inputs[0]!.shape;
  return [shape[1] ?? null, shape[2] ?? null];
}

function endsInSoftmax(model: tfl.LayersModel): boolean {
  const last = model.layers[model.layers.length - 1];
  const config = last?.getConfig() as { activation?: unknown } | undefined;
  return last?.getClassName() === "Softmax" || config?.activation === "softmax";
}

/** True if every row is >= 0 and sums to 1 (within float32 rounding of the sum). */
function looksLikeProbabilities(values: Float32Array, classes: number): boolean {
  for (let r = 0; r < values.length / classes; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = values[r * classes + c]!;
      if (!(v >= 0)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-4) return false;
  }
  return true;
}

/**
 * Classifies images: the checkpoint's preprocessing, the model, a softmax over its logits
 * (skipped if the model already ends in softmax), the `topK` most probable classes with names.
 *
 * Pass a {@link FusedModel} (`fuse(model)`, made once and reused) to run on fuse's fast path
 * (batch norm folded, resnet-blocks' WASM kernel where the engine has relaxed SIMD); a plain
 * `LayersModel` runs `model.predict`. Fusing costs about as much as a few predictions, so fuse
 * once, not per call; dispose the fused model when done.
 *
 * @param model A classifier: a `tfl.LayersModel` or a {@link FusedModel} with one 2-D output `[n, classes]`.
 * @param input One image or a list (see {@link ImageInput}), or without `options.transforms` a
 * preprocessed float32 `tf.Tensor4D` `[n, height, width, 3]`. Tensors are not disposed.
 * @param options See {@link ClassifyOptions}.
 * @returns One list of {@link Prediction}s per image, most probable first.
 * @throws TypeError or RangeError naming the argument before any work: an unknown model,
 * option or input kind, `topK` not an integer in 1 ... classes, `labels` of the wrong length,
 * an input size that differs from the model's.
 */
export async function classify(
  model: tfl.LayersModel | FusedModel,
  input: ImageInput | readonly ImageInput[] | tf.Tensor4D,
  options: ClassifyOptions = {},
): Promise<Prediction[][]> {
  const fused = isFusedModel(model);
  if (!fused && !isLayersModel(model)) throw new TypeError(`model must be a tfl.LayersModel or a FusedModel (from fuse(model)); got ${describeValue(model)}`);
  if (fused && model.isDisposed) throw new Error("model is a FusedModel that has been disposed");
  checkOptionsObject("options", options);
  checkKnownKeys(options, OPTION_KEYS, "classify");
  const { transforms, labels } = options;
  const outputs = options.outputs ?? "auto";
  if (!["auto", "logits", "probabilities"].includes(outputs)) {
    throw new RangeError(`options.outputs must be one of "auto", "logits", "probabilities"; got ${describeValue(outputs)}`);
  }
  if (transforms !== undefined && (typeof transforms !== "object" || transforms === null || typeof transforms.apply !== "function")) {
    throw new TypeError(`options.transforms must be an ImageTransforms (from createTransforms); got ${describeValue(transforms)}`);
  }
  const outputShape = fused ? null : (model.outputs[0]!.shape as (number | null)[]);
  if (outputShape && outputShape.length !== 2) {
    throw new RangeError(`model must output [n, classes]; its output has shape ${JSON.stringify(outputShape)} (build it with includeTop: true)`);
  }
  const [modelH, modelW] = inputSize(model);
  if (transforms) {
    const [, h, w] = transforms.config.inputSize;
    if ((modelH !== null && modelH !== h) || (modelW !== null && modelW !== w)) {
      throw new RangeError(`options.transforms makes ${h}x${w} inputs but the model takes ${modelH}x${modelW}`);
    }
    const list = Array.isArray(input) ? input : [input];
    list.forEach((x, i) => checkImageInput(Array.isArray(input) ? `input[${i}]` : "input", x));
  } else {
    const ok = input instanceof tf.Tensor && input.rank === 4 && input.dtype === "float32" && input.shape[3] === 3;
    if (!ok) {
      throw new TypeError(
        `input must be a preprocessed float32 tf.Tensor4D [n, height, width, 3] when options.transforms is not given; got ${input instanceof tf.Tensor ? `a ${input.dtype} tensor of shape ${JSON.stringify(input.shape)}` : describeValue(input)} (pass options.transforms to classify images)`,
      );
    }
    const [, h, w] = input.shape;
    if ((modelH !== null && modelH !== h) || (modelW !== null && modelW !== w)) {
      throw new RangeError(`input is ${h}x${w} but the model takes ${modelH}x${modelW}`);
    }
  }
  const classes = outputShape?.[1] ?? null;
  if (labels !== undefined) {
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== "string")) throw new TypeError(`options.labels must be an array of strings; got ${describeValue(labels)}`);
    if (classes !== null && labels.length !== classes) throw new RangeError(`options.labels has ${labels.length} names but the model has ${classes} classes`);
  }
  if (options.topK !== undefined) checkInteger("options.topK", options.topK, 1);
  if (options.topK !== undefined && classes !== null && options.topK > classes) {
    throw new RangeError(`options.topK must be an integer in 1 ... ${classes} (the model's classes); got ${options.topK}`);
  }

  const batch = transforms ? await transforms.apply(input as ImageInput | readonly ImageInput[]) : (input as tf.Tensor4D);
  let output: tf.Tensor;
  try {
    output = model.predict(batch) as tf.Tensor;
  } finally {
    if (batch !== input) batch.dispose();
  }
  try {
    if (output.rank !== 2) throw new RangeError(`model must output [n, classes]; it gave shape ${JSON.stringify(output.shape)}`);
    const [n, k] = output.shape as [number, number];
    if (labels !== undefined && labels.length !== k) throw new RangeError(`options.labels has ${labels.length} names but the model has ${k} classes`);
    const topK = Math.min(options.topK ?? 5, k);
    if (options.topK !== undefined && options.topK > k) throw new RangeError(`options.topK must be an integer in 1 ... ${k} (the model's classes); got ${options.topK}`);
    let probabilities: boolean;
    if (outputs === "auto") {
      probabilities = fused ? looksLikeProbabilities((await output.data()) as Float32Array, k) : endsInSoftmax(model);
    } else {
      probabilities = outputs === "probabilities";
    }
    const names = labels ?? (k === 1000 ? IMAGENET_LABELS : null);
    const { values, indices } = tf.tidy(() => {
      const p = probabilities ? output : tf.softmax(output);
      return tf.topk(p, topK);
    });
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    tf.dispose([values, indices]);
    const result: Prediction[][] = [];
    for (let r = 0; r < n; r++) {
      const row: Prediction[] = [];
      for (let j = 0; j < topK; j++) {
        const index = i[r * topK + j]!;
        row.push({ index, label: names ? names[index]! : String(index), probability: v[r * topK + j]! });
      }
      result.push(row);
    }
    return result;
  } finally {
    output.dispose();
  }
}
