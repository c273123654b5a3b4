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

/** Options of the named factories (`resnet50()`, `plain34()`, ...): everything but `depth` and `residual`. */
export type NamedResNetOptions = Omit<ResNetBuildOptions, "depth" | "residual">;

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
  const input = tfl.input({ shape: [...spec.inputShape], name: "input" });
  const output = applyLayers(spec.layers, new Map([["input", input]]), new SeedSequence(seed));
  return tfl.model({ inputs: input, outputs: output, name: name ?? spec.name });
}

function named(depth: Depth, residual: boolean, factory: string) {
  return (options: NamedResNetOptions = {}): tfl.LayersModel => {
    checkOptionsObject("options", options);
    for (const key of ["depth", "residual"] as const) {
      if (key in options) {
        throw new TypeError(`options.${key} is fixed by ${factory}(); use resnet({ depth, residual, ... }) to choose it`);
      }
    }
    return resnet({ ...options, depth, residual });
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
