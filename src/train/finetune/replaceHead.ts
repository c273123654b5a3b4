/**
 * `replaceHead(model, options)`: the same net with a new classifier, for fine-tuning.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { checkInteger, checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../../util/check.js";
import { CLASSIFIER_ACTIVATIONS } from "../../arch/values.js";

/** Options of {@link replaceHead}. */
export interface ReplaceHeadOptions {
  /** Classes of the new classifier. */
  classes: number;
  /** Its activation. Default: the old classifier's (`'softmax'` or `'linear'`). */
  activation?: "softmax" | "linear";
  /** Seed of its kernel initialiser (Glorot uniform, Keras's default). Default: unseeded. */
  seed?: number;
}

const OPTION_KEYS = ["classes", "activation", "seed"];

/**
 * Returns a model with the layers of `model` up to its pooled features (`avg_pool`, the input of
 * the classifier `predictions`) and a new dense classifier of `classes` outputs, also named
 * `predictions`. The backbone's layers are shared with `model`, not copied: training the new
 * model changes them in both (freeze them first with {@link freezeBackbone} to keep them).
 *
 * @example
 * ```ts
 * import { cifarResnet, replaceHead } from "resnet-blocks/train";
 * const pretrained = cifarResnet({ depth: 20, classes: 10 });
 * const fiveWay = replaceHead(pretrained, { classes: 5 }); // same backbone, a 5-class head
 * ```
 * @throws TypeError or RangeError for bad options; RangeError if `model` has no layer named
 *   `predictions` (the library's nets have one when built with their top).
 */
export function replaceHead(model: tfl.LayersModel, options: ReplaceHeadOptions): tfl.LayersModel {
  if (!(model instanceof tfl.LayersModel)) throw new TypeError(`model must be a tfjs-layers LayersModel; got ${describeValue(model)}`);
  checkOptionsObject("options", options);
  checkKnownKeys(options, OPTION_KEYS, "replaceHead");
  const classes = checkInteger("classes", options.classes, 1);
  const seed = options.seed === undefined ? undefined : checkInteger("seed", options.seed, 0);
  const head = model.layers.find((layer) => layer.name === "predictions");
  if (!head) {
    throw new RangeError(`model must end in a classifier named "predictions" (built with includeTop); ${describeValue(model.name)} has none`);
  }
  const oldActivation = (head.getConfig() as { activation?: unknown }).activation;
  const activation = checkOneOf("activation", options.activation ?? oldActivation, CLASSIFIER_ACTIVATIONS);
  const features = head.input as tfl.SymbolicTensor;
  const classifier = tfl.layers.dense({
    units: classes,
    activation,
    name: "predictions",
    kernelInitializer: tfl.initializers.glorotUniform({ seed }),
  });
  const output = classifier.apply(features) as tfl.SymbolicTensor;
  return tfl.model({ inputs: model.inputs, outputs: output, name: model.name });
}
