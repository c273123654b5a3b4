/**
 * `cifarResnetSpec(options)`: the CIFAR-10 nets of section 4.2 of He et al. (2015) as rows of
 * the same stage table as Table 1's nets, so one builder, one counter, `fuse`, the weights
 * layouts and the ONNX export serve them too.
 *
 * @module
 */
import { checkBoolean, checkInteger, checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../util/check.js";
import { resolveConventions } from "./conventions.js";
import { describeNet } from "./describeNet.js";
import { checkInputShape } from "./resolveOptions.js";
import type { CifarResNetOptions, ResNetSpec, ResolvedCifarResNetOptions } from "./types.js";
import { CLASSIFIER_ACTIVATIONS } from "./values.js";

/** Smallest height and width: the two stride-2 stages need 4 pixels to halve twice. */
export const CIFAR_MIN_INPUT_SIZE = 4;

/** The keys of {@link CifarResNetOptions}. */
export const CIFAR_OPTION_KEYS = [
  "depth",
  "residual",
  "classes",
  "inputShape",
  "filters",
  "shortcut",
  "preset",
  "classifierActivation",
] as const satisfies readonly (keyof CifarResNetOptions)[];

/**
 * Resolves a CIFAR net of section 4.2 into every layer: a 3x3 convolution with 16 filters,
 * three stages (`conv2_x` ... `conv4_x`) of `n = (depth - 2) / 6` basic blocks with 16, 32
 * and 64 filters (the first block of the second and third stage has stride 2), option-A
 * shortcuts, global average pooling and a `classes`-way dense top.
 *
 * @example
 * ```ts
 * import { cifarResnetSpec, count } from "resnet-blocks/count";
 * count(cifarResnetSpec({ depth: 20 })).params.trainable; // 269722: Table 6's 0.27M
 * ```
 * @throws RangeError or TypeError naming the bad option, its value and what is accepted.
 */
export function cifarResnetSpec(options: CifarResNetOptions): ResNetSpec<ResolvedCifarResNetOptions> {
  return describeCifarNet(resolveCifarOptions(options, "cifarResnetSpec"));
}

/** The layers of a CIFAR net whose options are checked and complete. */
export function describeCifarNet(resolved: ResolvedCifarResNetOptions): ResNetSpec<ResolvedCifarResNetOptions> {
  const { depth, residual, filters } = resolved;
  const conventions = resolveConventions(resolved.preset, { shortcut: resolved.shortcut });
  const blocks = (depth - 2) / 6;
  const { layers, stages, output } = describeNet({
    inputShape: resolved.inputShape,
    stem: "cifar",
    stemChannels: filters,
    block: "basic",
    residual,
    preactivation: false,
    groups: 1,
    widthPerGroup: 64,
    stages: [
      { name: "conv2_x", blocks, width: filters, stride: 1 },
      { name: "conv3_x", blocks, width: 2 * filters, stride: 2 },
      { name: "conv4_x", blocks, width: 4 * filters, stride: 2 },
    ],
    pooling: "avg",
    classes: resolved.classes,
    classifierActivation: resolved.classifierActivation,
    conventions,
  });
  return { options: resolved, name: `${residual ? "resnet" : "plain"}${depth}`, layers, stages, output };
}

/**
 * Checks the options of a CIFAR net and fills in every default.
 *
 * @param fn The function users called, named in the unknown-option message.
 * @param extraKeys Keys that the caller takes itself (the builder's `seed` and `name`).
 */
export function resolveCifarOptions(
  options: CifarResNetOptions,
  fn: string,
  extraKeys: readonly string[] = [],
): ResolvedCifarResNetOptions {
  checkOptionsObject("options", options);
  checkKnownKeys(options, [...CIFAR_OPTION_KEYS, ...extraKeys], fn);
  const depth = checkCifarDepth(options.depth);
  const residual = checkBoolean("residual", options.residual ?? true);
  const classes = checkInteger("classes", options.classes ?? 10, 1);
  const inputShape = checkInputShape(options.inputShape ?? [32, 32, 3], CIFAR_MIN_INPUT_SIZE);
  const filters = checkInteger("filters", options.filters ?? 16, 1);
  // The paper's CIFAR nets use option A; the preset's own default (B) is for the ImageNet nets.
  const conventions = resolveConventions(options.preset, { shortcut: options.shortcut ?? "A" });
  const classifierActivation = checkOneOf(
    "classifierActivation",
    options.classifierActivation ?? conventions.classifierActivation,
    CLASSIFIER_ACTIVATIONS,
  );
  return {
    family: "cifar",
    depth,
    residual,
    classes,
    inputShape,
    filters,
    shortcut: conventions.shortcut,
    preset: conventions.preset,
    classifierActivation,
  };
}

/** Returns `depth` if it is 6n + 2 for an integer n >= 1, else throws naming the accepted depths. */
function checkCifarDepth(depth: unknown): number {
  const accepted = "6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, 1202, ...)";
  if (typeof depth !== "number") throw new TypeError(`depth must be ${accepted}; got ${describeValue(depth)}`);
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new RangeError(`depth must be ${accepted}; got ${describeValue(depth)}`);
  }
  return depth;
}
