/**
 * `countModel(model)`: the counter's report for any built tfjs-layers model, read from the
 * layers' own configurations (not from our specs), so it also checks our builder.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import {
  activationFlops,
  addExtraFlops,
  avgPoolFlops,
  batchNormFlops,
  biasFlops,
  convMacs,
  maxPoolFlops,
  mergeFlops,
  softmaxFlops,
} from "../count/layerFigures.js";
import {
  extraFlopsOf,
  stageCounts,
  sumFigures,
  zeroExtraFlops,
  type CountReport,
  type ExtraFlops,
  type LayerCount,
  type UncountedLayer,
} from "../count/report.js";
import { describeValue } from "../util/check.js";
import { placeOfLayerName } from "../arch/naming.js";
import { elementCount } from "../arch/shapes.js";

type Layer = tfl.layers.Layer;
type Config = Record<string, unknown>;

/** Layers that move or select data and compute nothing. */
const FREE_LAYERS = new Set([
  "InputLayer",
  "ZeroPadding2D",
  "Cropping2D",
  "Flatten",
  "Reshape",
  "Permute",
  "RepeatVector",
  "Dropout",
  "SpatialDropout1D",
  "AlphaDropout",
  "GaussianDropout",
  "GaussianNoise",
  "Concatenate",
  "UpSampling2D",
  "ZeroPadShortcut",
]);

const ACTIVATION_LAYERS = new Set(["ReLU", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU"]);
const MERGE_LAYERS = new Set(["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]);

/**
 * Counts any built `LayersModel` (not only ours): parameters from the layers' weights,
 * multiply-adds of `Conv1D`, `Conv2D`, `GroupedConv2D`, `DepthwiseConv2D`, `SeparableConv2D`,
 * `Conv2DTranspose` and `Dense`, and the other operations in `extraFlops`, with the
 * conventions of {@link CountReport}. Layers whose operations it cannot count are listed in
 * `uncounted` (their parameters are still counted). Nested models are counted as one layer.
 * Stages are reported for layers named as in Table 1 (`conv1_*`, `pool1_*`, `conv3_*`, ...).
 *
 * @example
 * ```ts
 * const report = countModel(resnet50());
 * report.macs; // 3857973248
 * ```
 */
export function countModel(model: tfl.LayersModel): CountReport {
  if (!(model instanceof tfl.LayersModel)) {
    throw new TypeError(`model must be a tfjs-layers LayersModel; got ${describeValue(model)}`);
  }
  const uncounted: UncountedLayer[] = [];
  const layers = model.layers.map((layer) => countLayer(layer, uncounted));
  const inputShape = withoutBatch(model.inputs[0]?.shape ?? [null]);
  return { name: model.name, inputShape, ...sumFigures(layers), stages: stageCounts(layers), layers, uncounted };
}

function countLayer(layer: Layer, uncounted: UncountedLayer[]): LayerCount {
  const kind = layer.getClassName();
  const out = withoutBatch(firstShape(layer.outputShape));
  const total = layer.countParams();
  const trainable = layer.trainableWeights.reduce((sum, weight) => sum + elementCount(weight.shape as number[]), 0);
  let macs = 0;
  let extraFlops = zeroExtraFlops();
  let activations = 0;

  if (layer instanceof tfl.LayersModel) {
    const nested = countModel(layer);
    macs = nested.macs;
    extraFlops = nested.extraFlops;
    activations = nested.activations;
    uncounted.push(...nested.uncounted.map((entry) => ({ ...entry, name: `${layer.name}/${entry.name}` })));
  } else {
    const config = layer.getConfig() as Config;
    const figures = layerFigures(kind, config, withoutBatch(firstShape(inputShapes(layer))), out, inputCount(layer));
    if (figures === null) {
      uncounted.push({ name: layer.name, kind });
    } else {
      macs = figures.macs;
      extraFlops = figures.extraFlops;
      activations = figures.macs > 0 ? elementCount(out) : 0;
    }
  }
  return {
    name: layer.name,
    kind,
    stage: placeOfLayerName(layer.name)?.stage ?? null,
    outputShape: out,
    params: { total, trainable, nonTrainable: total - trainable },
    macs,
    flops: 2 * macs,
    extraFlops,
    activations,
  };
}

/** Multiply-adds and other operations of one layer, or `null` for a kind we cannot count. */
function layerFigures(
  kind: string,
  config: Config,
  input: number[],
  out: number[],
  inputs: number,
): { macs: number; extraFlops: ExtraFlops } | null {
  const channelsLast = config.dataFormat !== "channelsFirst";
  const channelsIn = (channelsLast ? input[input.length - 1] : input[0]) ?? 0;
  const kernelArea = ((config.kernelSize as number[] | undefined) ?? [1]).reduce((a, b) => a * b, 1);
  const bias = biasFlops(out, config.useBias === true);
  const withActivation = (extra: ExtraFlops) => addExtraFlops(extra, inlineActivationFlops(config.activation, out));

  if (FREE_LAYERS.has(kind)) return { macs: 0, extraFlops: zeroExtraFlops() };
  switch (kind) {
    case "Conv1D":
    case "Conv2D":
      return { macs: convMacs(out, kernelArea, channelsIn), extraFlops: withActivation(bias) };
    case "Conv2DTranspose":
      return { macs: convMacs(input, kernelArea, (channelsLast ? out[out.length - 1] : out[0]) ?? 0), extraFlops: withActivation(bias) };
    case "DepthwiseConv2D":
      return { macs: convMacs(out, kernelArea, 1), extraFlops: withActivation(bias) };
    case "GroupedConv2D":
      return { macs: convMacs(out, kernelArea, channelsIn / ((config.groups as number | undefined) ?? 1)), extraFlops: withActivation(bias) };
    case "SeparableConv2D": {
      const multiplier = (config.depthMultiplier as number | undefined) ?? 1;
      const spatial = out.length === 3 ? (channelsLast ? out[0]! * out[1]! : out[1]! * out[2]!) : 0;
      const depthwise = spatial * channelsIn * multiplier * kernelArea;
      return { macs: depthwise + convMacs(out, 1, channelsIn * multiplier), extraFlops: withActivation(bias) };
    }
    case "Dense": {
      const rows = elementCount(out.slice(0, -1));
      const units = out[out.length - 1] ?? 0;
      return { macs: rows * (input[input.length - 1] ?? 0) * units, extraFlops: withActivation(bias) };
    }
    case "BatchNormalization":
      return { macs: 0, extraFlops: batchNormFlops(out) };
    case "Activation":
      return { macs: 0, extraFlops: inlineActivationFlops(config.activation, out) };
    case "Softmax":
      return { macs: 0, extraFlops: softmaxFlops(elementCount(out)) };
    case "MaxPooling1D":
    case "MaxPooling2D":
    case "AveragePooling1D":
    case "AveragePooling2D": {
      const area = ((config.poolSize as number[] | number | undefined) ?? 2) as number[] | number;
      const windowArea = Array.isArray(area) ? area.reduce((a, b) => a * b, 1) : area;
      const pool = kind.startsWith("Max") ? maxPoolFlops(out, windowArea) : avgPoolFlops(out, windowArea);
      return { macs: 0, extraFlops: pool };
    }
    case "GlobalAveragePooling1D":
    case "GlobalAveragePooling2D":
    case "GlobalMaxPooling1D":
    case "GlobalMaxPooling2D": {
      const windowArea = elementCount(input) / Math.max(1, elementCount(out));
      const pool = kind.startsWith("GlobalMax") ? maxPoolFlops(out, windowArea) : avgPoolFlops(out, windowArea);
      return { macs: 0, extraFlops: pool };
    }
    case "Rescaling":
      return { macs: 0, extraFlops: extraFlopsOf({ elementwise: 2 * elementCount(out) }) };
  }
  if (ACTIVATION_LAYERS.has(kind)) return { macs: 0, extraFlops: activationFlops(out) };
  if (MERGE_LAYERS.has(kind)) return { macs: 0, extraFlops: mergeFlops(out, inputs) };
  return null;
}

function inlineActivationFlops(activation: unknown, out: number[]): ExtraFlops {
  if (activation === undefined || activation === null || activation === "linear") return zeroExtraFlops();
  return activation === "softmax" ? softmaxFlops(elementCount(out)) : activationFlops(out);
}

function firstShape(shape: tfl.Shape | tfl.Shape[]): tfl.Shape {
  return (Array.isArray(shape[0]) ? shape[0] : shape) as tfl.Shape;
}

function withoutBatch(shape: tfl.Shape): number[] {
  return shape.slice(1).map((size) => size ?? Number.NaN);
}

/** Input shapes of the layer's first call (a layer may be applied more than once). */
function inputShapes(layer: Layer): tfl.Shape | tfl.Shape[] {
  const node = layer.inboundNodes[0];
  if (!node) throw new Error(`countModel: layer ${layer.name} has not been called on an input`);
  return node.inputShapes;
}

function inputCount(layer: Layer): number {
  const shapes = inputShapes(layer);
  return Array.isArray(shapes[0]) ? shapes.length : 1;
}
