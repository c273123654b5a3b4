import { checkBoolean, checkInteger, checkOneOf, checkOptionsObject, describeValue } from "../util/check.js";
import { PRESETS, PRESET_CONVENTIONS } from "./presets.js";
import { checkTensorSize } from "./shapes.js";
import { DEPTHS, MIN_INPUT_SIZE } from "./table1.js";
import type { ImageShape, ResNetOptions, ResolvedResNetOptions } from "./types.js";

const KNOWN_OPTIONS = new Set([
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
]);

/**
 * Checks `options` and fills in every default. Throws a `RangeError` or `TypeError` naming
 * the argument, the value and what is accepted.
 */
export function resolveResNetOptions(options: ResNetOptions): ResolvedResNetOptions {
  checkOptionsObject("options", options);
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new TypeError(`options.${key} is not an option; accepted: ${[...KNOWN_OPTIONS].join(", ")}`);
    }
  }
  const depth = checkOneOf("depth", options.depth, DEPTHS);
  const preset = checkOneOf("preset", options.preset ?? "paper", PRESETS);
  const conventions = PRESET_CONVENTIONS[preset];
  const includeTop = checkBoolean("includeTop", options.includeTop ?? true);
  const pooling = checkOneOf("pooling", options.pooling === undefined ? (includeTop ? "avg" : null) : options.pooling, [
    "avg",
    "max",
    null,
  ] as const);
  if (includeTop && pooling === null) {
    throw new RangeError(`pooling must be "avg" or "max" when includeTop is true; got null`);
  }
  const inputShape = checkInputShape(options.inputShape ?? [224, 224, 3]);
  const classes = checkInteger("classes", options.classes ?? 1000, 1);
  checkSizes(inputShape, includeTop ? classes : 0, depth >= 50 ? 2048 : 512);
  return {
    depth,
    residual: checkBoolean("residual", options.residual ?? true),
    preset,
    inputShape,
    classes,
    includeTop,
    pooling,
    shortcut: checkOneOf("shortcut", options.shortcut ?? conventions.shortcut, ["A", "B", "C"] as const),
    strideIn: checkOneOf("strideIn", options.strideIn ?? conventions.strideIn, ["1x1", "3x3"] as const),
    zeroInitResidual: checkBoolean("zeroInitResidual", options.zeroInitResidual ?? conventions.zeroInitResidual),
    classifierActivation: checkOneOf(
      "classifierActivation",
      options.classifierActivation ?? conventions.classifierActivation,
      ["softmax", "linear"] as const,
    ),
  };
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
  checkTensorSize(subject, `the first convolution's kernel (7 x 7 x ${channels} x 64)`, 7 * 7 * channels * 64);
  const [h, w] = [Math.ceil(height / 2), Math.ceil(width / 2)];
  checkTensorSize(subject, `the first convolution's output, padded, (${h} + 2) x (${w} + 2) x 64`, (h + 2) * (w + 2) * 64);
  checkTensorSize(`classes ${classes}`, `the classifier's kernel (${features} x ${classes})`, features * classes);
}

/** Checks an `[height, width, channels]` input shape: height and width at least 32. */
export function checkInputShape(shape: unknown): ImageShape {
  const accepted = `[height, width, channels] with height and width integers >= ${MIN_INPUT_SIZE} and channels >= 1`;
  if (!Array.isArray(shape) || shape.length !== 3) {
    throw new TypeError(`inputShape must be ${accepted}; got ${describeValue(shape)}`);
  }
  const [height, width, channels] = shape as unknown[];
  const valid =
    [height, width, channels].every((size) => typeof size === "number" && Number.isInteger(size)) &&
    (height as number) >= MIN_INPUT_SIZE &&
    (width as number) >= MIN_INPUT_SIZE &&
    (channels as number) >= 1;
  if (!valid) {
    throw new RangeError(`inputShape must be ${accepted}; got ${describeValue(shape)}`);
  }
  return [height as number, width as number, channels as number];
}
