/**
 * `freezeBackbone(model, options)`: fixes the weights of a net's first stages for fine-tuning,
 * batch norm included, the way torchvision's `FrozenBatchNorm2d` and Keras's `trainable = false`
 * do.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../../util/check.js";

/** Stages a backbone can be frozen up to: the stem alone, one of Table 1's stages, or every layer but the classifier. */
export const FREEZE_POINTS = ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "backbone"] as const;

/** Where {@link freezeBackbone} stops freezing. */
export type FreezePoint = (typeof FREEZE_POINTS)[number];

/** Options of {@link freezeBackbone}. */
export interface FreezeOptions {
  /**
   * The last stage that is frozen, with every layer before it: `'conv1'` (the stem),
   * `'conv2_x'` ... `'conv5_x'`, or `'backbone'` (every layer but the classifier `predictions`).
   * Default `'backbone'`.
   */
  upTo?: FreezePoint;
}

/** What {@link freezeBackbone} froze. */
export interface FreezeResult {
  /** Names of the layers made non-trainable, in the model's order. */
  frozen: string[];
  /** Names of the batch-norm layers among them, which now run in inference mode. */
  batchNorms: string[];
}

const FROZEN_MODE = Symbol("resnet-blocks.frozenInferenceMode");

type BatchNormLayer = tfl.layers.Layer & { [FROZEN_MODE]?: true };

/**
 * Makes every layer of `model` up to the end of stage `upTo` non-trainable. Their weights stay
 * as they are through {@link train} (and `model.fit`), and their batch norms run in inference
 * mode while frozen: they normalise with their moving statistics and never update them, as
 * Keras does for a batch norm with `trainable = false` and torchvision's `FrozenBatchNorm2d`.
 * Setting a layer's `trainable` back to `true` makes it train again, batch norm included.
 *
 * Stages are found by the Keras-style layer names the library's nets have (`conv1_*`,
 * `conv2_block1_1_conv` ..., `predictions`), so a model built by {@link cifarResnet},
 * `resnet()` or the named factories, loaded or not, works; any other model is refused.
 *
 * @example
 * ```ts
 * import { resnet18 } from "resnet-blocks";
 * import { freezeBackbone, replaceHead, train } from "resnet-blocks/train";
 * const backbone = resnet18({ preset: "torchvision", inputShape: [64, 64, 3] }); // weights loaded elsewhere
 * const model = replaceHead(backbone, { classes: 5 });
 * freezeBackbone(model);                    // only the new head trains
 * await train(model, { x, y }, { epochs: 3 });
 * ```
 * @throws TypeError or RangeError for bad options; RangeError if the model has no layer of the
 *   stage `upTo` (e.g. `conv5_x` of a CIFAR net, which has three stages).
 */
export function freezeBackbone(model: tfl.LayersModel, options: FreezeOptions = {}): FreezeResult {
  if (!(model instanceof tfl.LayersModel)) throw new TypeError(`model must be a tfjs-layers LayersModel; got ${describeValue(model)}`);
  checkOptionsObject("options", options);
  checkKnownKeys(options, ["upTo"], "freezeBackbone");
  const upTo = checkOneOf("upTo", options.upTo ?? "backbone", FREEZE_POINTS);
  const end = lastLayerIndex(model, upTo);
  const frozen: string[] = [];
  const batchNorms: string[] = [];
  for (const layer of model.layers.slice(0, end + 1)) {
    if (layer.weights.length === 0) continue;
    layer.trainable = false;
    frozen.push(layer.name);
    if (layer.getClassName() === "BatchNormalization") {
      runInInferenceModeWhileFrozen(layer as BatchNormLayer);
      batchNorms.push(layer.name);
    }
  }
  return { frozen, batchNorms };
}

/** Index in `model.layers` (topologically sorted) of the last layer of stage `upTo`. */
function lastLayerIndex(model: tfl.LayersModel, upTo: FreezePoint): number {
  const names = model.layers.map((layer) => layer.name);
  if (upTo === "backbone") {
    const head = names.indexOf("predictions");
    if (head < 0) return names.length - 1; // no classifier: a backbone without its top
    return head - 1;
  }
  const prefix = upTo === "conv1" ? "conv1_" : `${upTo.slice(0, -2)}_`;
  let last = -1;
  names.forEach((name, index) => {
    if (name.startsWith(prefix)) last = index;
  });
  if (last < 0) {
    const stages = [...new Set(names.map((name) => /^(conv\d+)_/.exec(name)?.[1]).filter((s): s is string => s !== undefined))];
    throw new RangeError(
      `upTo must name a stage of the model; got ${describeValue(upTo)}, and ${describeValue(model.name)} has ` +
        (stages.length > 0 ? `stages ${stages.map((s) => (s === "conv1" ? s : `${s}_x`)).join(", ")}` : "no layers named like the library's nets (conv1_conv, conv2_block1_1_conv, ...)"),
    );
  }
  return last;
}

/**
 * tfjs-layers' batch norm reads only the `training` flag of a call; Keras runs a non-trainable
 * batch norm in inference mode whatever the flag. This gives the layer that behaviour.
 */
function runInInferenceModeWhileFrozen(layer: BatchNormLayer): void {
  if (layer[FROZEN_MODE]) return;
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  layer[FROZEN_MODE] = true;
}
