/**
 * `resnet(options)` and the named factories of Table 1.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { applyLayers, SeedSequence } from "../layers/instantiate.js";
import { checkInteger, checkOptionsObject, describeValue } from "../util/check.js";
import { resnetSpec } from "../arch/resnetSpec.js";
import { requireBackend } from "../util/requireBackend.js";
import type { Depth, ResNetOptions, ResNetSpec } from "../arch/types.js";

/** {@link ResNetOptions} plus what only the tfjs builder needs. */
export interface ResNetBuildOptions extends ResNetOptions {
  /** Seed of the kernel initialisers, for reproducible weights. Default: unseeded. */
  seed?: number;
  /** Model name. Default `resnet<depth>` or `plain<depth>`. */
  name?: string;
}

/** Options of the named factories (`resnet50()`, `plain34()`, `resnext50_32x4d()`, ...): everything but what the factory fixes (`depth`, `residual`, and a variant's `preactivation`, `groups`, `widthPerGroup`). */
export type NamedResNetOptions = Omit<ResNetBuildOptions, "depth" | "residual" | "preactivation" | "groups" | "widthPerGroup">;

/**
 * Builds a ResNet or plain net of Table 1 as a tfjs-layers `LayersModel`, with Keras layer
 * names (`conv1_conv`, `conv2_block1_1_conv`, `conv2_block1_0_conv`, `conv2_block1_out`,
 * `avg_pool`, `predictions`). The layers are exactly those of `resnetSpec(options)`, so
 * `count(options)` describes the built model.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { resnet } from "resnet-blocks";
 * const model = resnet({ depth: 34, residual: false, inputShape: [64, 64, 3], classes: 10 });
 * const probs = model.predict(tf.zeros([1, 64, 64, 3])) as tf.Tensor; // [1, 10]
 * ```
 * @throws RangeError or TypeError naming the bad option, its value and what is accepted.
 */
export function resnet(options: ResNetBuildOptions): tfl.LayersModel {
  checkOptionsObject("options", options);
  const { seed, name, ...specOptions } = options;
  return buildFromSpec(resnetSpec(specOptions), { seed, name });
}

/**
 * Builds the `LayersModel` of a resolved spec, for a spec edited or inspected before building.
 *
 * @example
 * ```ts
 * import { buildFromSpec, useBackend } from "resnet-blocks";
 * import { resnetSpec } from "resnet-blocks/count";
 * await useBackend();
 * const spec = resnetSpec({ depth: 18, inputShape: [64, 64, 3], classes: 10 });
 * const model = buildFromSpec(spec, { seed: 1, name: "my-resnet18" });
 * ```
 */
export function buildFromSpec(spec: ResNetSpec, { seed, name }: { seed?: number; name?: string } = {}): tfl.LayersModel {
  if (seed !== undefined) checkInteger("seed", seed, 0);
  if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
    throw new TypeError(`name must be a non-empty string; got ${describeValue(name)}`);
  }
  requireBackend(`building ${name ?? spec.name}`);
  const input = tfl.input({ shape: [...spec.options.inputShape], name: "input" });
  const output = applyLayers(spec.layers, new Map([["input", input]]), new SeedSequence(seed));
  return tfl.model({ inputs: input, outputs: output, name: name ?? spec.name });
}

/** Options a named factory fixes, and defaults it changes (a user's value still wins). */
interface Variant {
  fixed: Partial<ResNetOptions> & Pick<ResNetOptions, "depth">;
  defaults?: Partial<ResNetBuildOptions>;
}

function named(depth: Depth, residual: boolean, factory: string) {
  return variant({ fixed: { depth, residual } }, factory);
}

function variant({ fixed, defaults = {} }: Variant, factory: string) {
  const fixedKeys = Object.keys(fixed);
  return (options: NamedResNetOptions = {}): tfl.LayersModel => {
    checkOptionsObject("options", options);
    for (const key of fixedKeys) {
      if (key in options) {
        throw new TypeError(`options.${key} is fixed by ${factory}(); use resnet({ ${fixedKeys.join(", ")}, ... }) to choose it`);
      }
    }
    return resnet({ ...defaults, ...options, ...fixed } as ResNetBuildOptions);
  };
}

/**
 * ResNet-18 (basic blocks 2-2-2-2, 1.8 GMACs). See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { resnet18, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet18({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet18 = named(18, true, "resnet18");
/**
 * ResNet-34 (basic blocks 3-4-6-3, 3.6 GMACs). See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { resnet34, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet34({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet34 = named(34, true, "resnet34");
/**
 * ResNet-50 (bottlenecks 3-4-6-3, 3.8 GMACs). See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { resnet50, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet50({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet50 = named(50, true, "resnet50");
/**
 * ResNet-101 (bottlenecks 3-4-23-3, 7.6 GMACs). See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { resnet101, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet101({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet101 = named(101, true, "resnet101");
/**
 * ResNet-152 (bottlenecks 3-8-36-3, 11.3 GMACs). See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { resnet152, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet152({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet152 = named(152, true, "resnet152");
/**
 * Plain-18: ResNet-18 without shortcuts. See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { plain18, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = plain18({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const plain18 = named(18, false, "plain18");
/**
 * Plain-34: ResNet-34 without shortcuts. See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { plain34, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = plain34({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const plain34 = named(34, false, "plain34");
/**
 * Plain-50: ResNet-50 without shortcuts. See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { plain50, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = plain50({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const plain50 = named(50, false, "plain50");
/**
 * Plain-101: ResNet-101 without shortcuts. See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { plain101, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = plain101({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const plain101 = named(101, false, "plain101");
/**
 * Plain-152: ResNet-152 without shortcuts. See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { plain152, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = plain152({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const plain152 = named(152, false, "plain152");

/**
 * ResNet-50 V2 as Keras Applications' `ResNet50V2` builds it (He et al. 2016, pre-activation
 * bottlenecks; 25,613,800 parameters with the `keras` preset, its default here). See
 * {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { resnet50v2, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet50v2({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet50v2 = variant({ fixed: { depth: 50, residual: true, preactivation: true }, defaults: { preset: "keras" } }, "resnet50v2");
/**
 * ResNet-101 V2 as Keras Applications' `ResNet101V2` builds it (44,675,560 parameters). See
 * {@link resnet50v2}.
 *
 * @example
 * ```ts
 * import { resnet101v2, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet101v2({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet101v2 = variant({ fixed: { depth: 101, residual: true, preactivation: true }, defaults: { preset: "keras" } }, "resnet101v2");
/**
 * ResNet-152 V2 as Keras Applications' `ResNet152V2` builds it (60,380,648 parameters). See
 * {@link resnet50v2}.
 *
 * @example
 * ```ts
 * import { resnet152v2, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnet152v2({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnet152v2 = variant({ fixed: { depth: 152, residual: true, preactivation: true }, defaults: { preset: "keras" } }, "resnet152v2");
/**
 * Wide ResNet-50-2 as torchvision's `wide_resnet50_2` builds it: ResNet-50 with bottlenecks
 * twice as wide inside (`widthPerGroup` 128); 68,883,240 parameters, 11.40 GMACs. The
 * `torchvision` preset is the default, so torchvision's weights load as they are. See
 * {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { wideResnet50_2, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = wideResnet50_2({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const wideResnet50_2 = variant({ fixed: { depth: 50, residual: true, widthPerGroup: 128 }, defaults: { preset: "torchvision" } }, "wideResnet50_2");
/**
 * Wide ResNet-101-2 as torchvision's `wide_resnet101_2` builds it: 126,886,696 parameters,
 * 22.75 GMACs. See {@link wideResnet50_2}.
 *
 * @example
 * ```ts
 * import { wideResnet101_2, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = wideResnet101_2({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const wideResnet101_2 = variant({ fixed: { depth: 101, residual: true, widthPerGroup: 128 }, defaults: { preset: "torchvision" } }, "wideResnet101_2");
/**
 * ResNeXt-50 32x4d as torchvision's `resnext50_32x4d` builds it: each bottleneck's 3x3 is a
 * grouped convolution of 32 groups of 4 channels at the first stage; 25,028,904 parameters,
 * 4.23 GMACs. The `torchvision` preset is the default. See {@link resnet} for the options.
 *
 * @example
 * ```ts
 * import { resnext50_32x4d, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnext50_32x4d({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnext50_32x4d = variant({ fixed: { depth: 50, residual: true, groups: 32, widthPerGroup: 4 }, defaults: { preset: "torchvision" } }, "resnext50_32x4d");
/**
 * ResNeXt-101 32x8d as torchvision's `resnext101_32x8d` builds it: 88,791,336 parameters,
 * 16.41 GMACs. See {@link resnext50_32x4d}.
 *
 * @example
 * ```ts
 * import { resnext101_32x8d, useBackend } from "resnet-blocks";
 * await useBackend();
 * const model = resnext101_32x8d({ inputShape: [64, 64, 3], classes: 10 });
 * ```
 */
export const resnext101_32x8d = variant({ fixed: { depth: 101, residual: true, groups: 32, widthPerGroup: 8 }, defaults: { preset: "torchvision" } }, "resnext101_32x8d");
