/**
 * Checks the net options of `resnetSpec` (`resnet()`, `count()`) and fills in every default.
 *
 * @module
 */
import { checkBoolean, checkInteger, checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../util/check.js";
import { blockChannelsOut } from "./blockLayers.js";
import { resolveConventions } from "./conventions.js";
import type { PresetConventions } from "./presets.js";
import { checkTensorSize } from "./shapes.js";
import { MIN_INPUT_SIZE, STEM_CHANNELS, TABLE1 } from "./table1.js";
import type { ImageShape, ResNetOptions, ResolvedResNetOptions } from "./types.js";
import { CLASSIFIER_ACTIVATIONS, DEPTHS, POOLINGS } from "./values.js";

/** The keys of {@link ResNetOptions}, in the order the docs list them. */
export const RESNET_OPTION_KEYS = [
  "depth",
  "residual",
  "preset",
  "inputShape",
  "classes",
  "includeTop",
  "pooling",
  "shortcut",
  "strideIn",
  "zeroInitResidual",
  "classifierActivation",
  "preactivation",
  "groups",
  "widthPerGroup",
] as const satisfies readonly (keyof ResNetOptions)[];

/** Options that need a bottleneck (depth 50, 101 or 152). */
const BOTTLENECK_ONLY = ["preactivation", "groups", "widthPerGroup"] as const;

/**
 * Checks `options` and fills in every default; returns them with the conventions every layer
 * is described with. Throws a `RangeError` or `TypeError` naming the argument, the value and
 * what is accepted.
 */
export function resolveResNetOptions(options: ResNetOptions): { options: ResolvedResNetOptions; conventions: PresetConventions } {
  checkOptionsObject("options", options);
  checkKnownKeys(options, RESNET_OPTION_KEYS);
  const depth = checkOneOf("depth", options.depth, DEPTHS);
  const bottleneck = TABLE1[depth].block === "bottleneck";
  for (const key of BOTTLENECK_ONLY) {
    if (!bottleneck && options[key] !== undefined) {
      throw new RangeError(`${key} needs bottleneck blocks: depth 50, 101 or 152; got depth ${depth}`);
    }
  }
  const preactivation = checkBoolean("preactivation", options.preactivation ?? false);
  if (preactivation) {
    // Keras's block2 carries the stride on its 3x3 and has no batch norm after its last conv.
    if (options.strideIn !== undefined && options.strideIn !== "3x3") {
      throw new RangeError(`strideIn must be "3x3" with preactivation (ResNetV2 puts the stride on the 3x3); got ${describeValue(options.strideIn)}`);
    }
    if (options.zeroInitResidual) {
      throw new RangeError(`zeroInitResidual must be false with preactivation: a pre-activation branch ends in a convolution, not a batch norm`);
    }
  }
  const conventions = resolveConventions(options.preset, {
    shortcut: options.shortcut,
    strideIn: preactivation ? "3x3" : options.strideIn,
    zeroInitResidual: options.zeroInitResidual,
  });
  const includeTop = checkBoolean("includeTop", options.includeTop ?? true);
  const pooling = checkOneOf("pooling", options.pooling === undefined ? (includeTop ? "avg" : null) : options.pooling, POOLINGS);
  if (includeTop && pooling === null) {
    throw new RangeError(`pooling must be "avg" or "max" when includeTop is true; got null`);
  }
  const inputShape = checkInputShape(options.inputShape ?? [224, 224, 3]);
  const classes = checkInteger("classes", options.classes ?? 1000, 1);
  const groups = checkInteger("groups", options.groups ?? 1, 1);
  const widthPerGroup = checkInteger("widthPerGroup", options.widthPerGroup ?? 64, 1);
  checkSizes(inputShape, includeTop ? classes : 0, blockChannelsOut(TABLE1[depth].block, 512));
  const { preset, shortcut, strideIn, zeroInitResidual } = conventions;
  const resolved: ResolvedResNetOptions = {
    family: "imagenet",
    depth,
    residual: checkBoolean("residual", options.residual ?? true),
    preset,
    inputShape,
    classes,
    includeTop,
    pooling,
    shortcut,
    strideIn,
    zeroInitResidual,
    classifierActivation: checkOneOf(
      "classifierActivation",
      options.classifierActivation ?? conventions.classifierActivation,
      CLASSIFIER_ACTIVATIONS,
    ),
    preactivation,
    groups,
    widthPerGroup,
  };
  return { options: resolved, conventions };
}

/**
 * Throws a RangeError if a tensor of the net, for one image, would not fit a tfjs tensor
 * (`MAX_TENSOR_ELEMENTS`): the padded input, the first convolution's kernel and padded
 * output (the largest activations of every ResNet), and the classifier's kernel.
 *
 * @param classes Classes of the classifier, 0 without one.
 * @param features Channels entering the classifier (512 or 2048).
 */
function checkSizes([height, width, channels]: ImageShape, classes: number, features: number): void {
  const subject = `inputShape ${describeValue([height, width, channels])}`;
  checkTensorSize(subject, `the padded input (${height} + 6) x (${width} + 6) x ${channels}`, (height + 6) * (width + 6) * channels);
  checkTensorSize(subject, `the first convolution's kernel (7 x 7 x ${channels} x ${STEM_CHANNELS})`, 7 * 7 * channels * STEM_CHANNELS);
  const [h, w] = [Math.ceil(height / 2), Math.ceil(width / 2)];
  checkTensorSize(subject, `the first convolution's output, padded, (${h} + 2) x (${w} + 2) x ${STEM_CHANNELS}`, (h + 2) * (w + 2) * STEM_CHANNELS);
  checkTensorSize(`classes ${classes}`, `the classifier's kernel (${features} x ${classes})`, features * classes);
}

/** Checks an `[height, width, channels]` input shape: height and width at least `minSize` (32 for the ImageNet nets). */
export function checkInputShape(shape: unknown, minSize = MIN_INPUT_SIZE): ImageShape {
  const accepted = `[height, width, channels] of integers, height and width >= ${minSize}, channels >= 1`;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((size) => typeof size === "number")) {
    throw new TypeError(`inputShape must be ${accepted}; got ${describeValue(shape)}`);
  }
  const [height, width, channels] = shape as number[];
  const valid = shape.every((size) => Number.isInteger(size)) && height! >= minSize && width! >= minSize && channels! >= 1;
  if (!valid) throw new RangeError(`inputShape must be ${accepted}; got ${describeValue(shape)}`);
  return [height!, width!, channels!];
}
