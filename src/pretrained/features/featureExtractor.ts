/**
 * `featureExtractor(model, { stages })`: the feature maps of chosen stages, as timm's
 * `features_only=True` and torchvision's `create_feature_extractor` give them.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { checkKnownKeys, checkOptionsObject, describeValue } from "../../util/check.js";

/**
 * A stage whose output can be taken: `conv1` (after the stem's ReLU, before the max pool:
 * timm's `act1`, stride 2), `conv2_x` ... `conv5_x` (the last block's output: timm's and
 * torchvision's `layer1` ... `layer4`, strides 4 to 32), `pool` (the global pooling's vector,
 * torchvision's `flatten` node; needs a model with a top or with `pooling`).
 */
export type FeatureStage = "conv1" | "conv2_x" | "conv3_x" | "conv4_x" | "conv5_x" | "pool";

/** All stages, in the order of the network. */
export const FEATURE_STAGES: readonly FeatureStage[] = ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "pool"];

/** timm's `features_only` default: the five feature maps, strides 2, 4, 8, 16, 32. */
export const DEFAULT_FEATURE_STAGES: readonly FeatureStage[] = ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x"];

/** Options of {@link featureExtractor}. */
export interface FeatureExtractorOptions {
  /** Stages whose outputs the model gives, in this order; default {@link DEFAULT_FEATURE_STAGES}. */
  stages?: readonly FeatureStage[];
}

/**
 * The name of the layer whose output is a stage's feature map in a model built by this library
 * (Keras names: `conv1_relu`, `conv2_block3_out`, `avg_pool`).
 *
 * @throws RangeError naming the stage and the model if it has no such layer.
 */
export function featureLayerName(model: tfl.LayersModel, stage: FeatureStage): string {
  const names = model.layers.map((l) => l.name);
  if (stage === "conv1") {
    if (names.includes("conv1_relu")) return "conv1_relu";
  } else if (stage === "pool") {
    const pool = model.layers.find((l) => l.getClassName() === "GlobalAveragePooling2D" || l.getClassName() === "GlobalMaxPooling2D");
    if (pool) return pool.name;
    throw new RangeError(`stages has "pool" but model ${JSON.stringify(model.name)} has no global pooling layer (build it with includeTop: true or pooling: "avg")`);
  } else {
    const n = stage.slice(4, 5);
    const pattern = new RegExp(`^conv${n}_block(\\d+)_out$`);
    let best = -1;
    for (const name of names) {
      const m = pattern.exec(name);
      if (m && Number(m[1]) > best) best = Number(m[1]);
    }
    if (best >= 0) return `conv${n}_block${best}_out`;
  }
  throw new RangeError(`model ${JSON.stringify(model.name)} has no layer for stage ${JSON.stringify(stage)}; featureExtractor takes models built by resnet-blocks (Keras layer names)`);
}

/**
 * A model that gives the feature maps of `stages` of `model`: the same layers and weights
 * (shared, not copied: training one trains the other; dispose only one of them), truncated
 * after the last stage asked for. Outputs are NHWC `[n, h, w, channels]` (the `pool` stage
 * `[n, channels]`), in the order of `stages`; `predict` returns one tensor for one stage, an
 * array for several. Counts of the same truncated net: `countUpTo(spec, stage)` in
 * `resnet-blocks/count`.
 *
 * The maps are those of timm's `features_only=True` (`out_indices` 0-4: `act1`, `layer1` ...
 * `layer4`) and of torchvision's `create_feature_extractor(model, {"relu", "layer1", ...,
 * "flatten"})` for the same weights (checked against PyTorch in the tests).
 *
 * @param model A ResNet built by this library (any depth, residual or plain, any preset).
 * @param options See {@link FeatureExtractorOptions}.
 * @returns A `tfl.LayersModel` with one output per stage, named after the stages' layers.
 * @throws TypeError or RangeError naming `options.stages` if a stage is unknown, repeated or
 * absent from the model.
 */
export function featureExtractor(model: tfl.LayersModel, options: FeatureExtractorOptions = {}): tfl.LayersModel {
  if (typeof model !== "object" || model === null || !Array.isArray((model as tfl.LayersModel).layers)) {
    throw new TypeError(`model must be a tfl.LayersModel built by resnet-blocks; got ${describeValue(model)}`);
  }
  checkOptionsObject("options", options);
  checkKnownKeys(options, ["stages"], "featureExtractor");
  const stages = options.stages ?? DEFAULT_FEATURE_STAGES;
  if (!Array.isArray(stages) || stages.length === 0) {
    throw new TypeError(`options.stages must be a non-empty list of ${FEATURE_STAGES.map((s) => JSON.stringify(s)).join(", ")}; got ${describeValue(stages)}`);
  }
  stages.forEach((stage, i) => {
    if (!FEATURE_STAGES.includes(stage)) {
      throw new RangeError(`options.stages[${i}] must be one of ${FEATURE_STAGES.map((s) => JSON.stringify(s)).join(", ")}; got ${describeValue(stage)}`);
    }
    if (stages.indexOf(stage) !== i) throw new RangeError(`options.stages lists ${JSON.stringify(stage)} twice`);
  });
  const outputs = stages.map((stage) => model.getLayer(featureLayerName(model, stage)).output as tfl.SymbolicTensor);
  return tfl.model({ inputs: model.inputs, outputs, name: `${model.name}_features` });
}
