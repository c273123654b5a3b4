/**
 * `count(specOrOptions)`: parameters, MACs, FLOPs and activations of a resolved spec.
 *
 * @module
 */
import { resnetSpec } from "../arch/resnetSpec.js";
import { describeValue } from "../util/check.js";
import { elementCount } from "../arch/shapes.js";
import type { LayerSpec, ResNetOptions, ResNetSpec } from "../arch/types.js";
import {
  addExtraFlops,
  avgPoolFlops,
  activationFlops,
  batchNormFlops,
  biasFlops,
  convMacs,
  maxPoolFlops,
  mergeFlops,
  softmaxFlops,
} from "./layerFigures.js";
import { checkExact, checkSpecLayers } from "./checkSpec.js";
import { checkConvention, conventionCount, type Convention } from "./conventions.js";
import { stageCounts, sumFigures, zeroExtraFlops, type CountReport, type LayerCount, type ParamCounts } from "./report.js";

/**
 * Counts a network of Table 1 without building it (and without loading TensorFlow.js):
 * parameters (total, trainable, non-trainable), multiply-adds, FLOPs (= 2 x MACs),
 * the other operations (`extraFlops`) and activation elements, per layer, per stage and in
 * total, for one example.
 *
 * Every figure is an exact integer: a count past `Number.MAX_SAFE_INTEGER` (2^53 - 1) is
 * refused with a RangeError rather than rounded (the size limits of {@link resnetSpec} keep
 * the nets it resolves well below it). A spec given directly is checked first: an unknown
 * layer kind, or a size that is not an integer >= 1, is a RangeError naming the layer.
 *
 * @param specOrOptions A spec from {@link resnetSpec}, or the options to resolve one.
 * @param options `convention`: also give the total in that tool's convention, as `report.convention`
 *   (see {@link conventionCount}); a value that is not one of `CONVENTIONS` is a RangeError.
 * @example
 * ```ts
 * import { count } from "resnet-blocks/count";
 * const report = count({ depth: 50 });
 * report.macs;          // 3,857,973,248 multiply-adds (the paper's "3.8 x 10^9 FLOPs")
 * report.params.trainable;
 * count({ depth: 50, preset: "torchvision" }, { convention: "fvcore" }).convention?.total; // 4111512576
 * ```
 */
export function count(specOrOptions: ResNetSpec | ResNetOptions, options: CountOptions = {}): CountReport {
  if (typeof options !== "object" || options === null) throw new TypeError(`options must be an object; got ${describeValue(options)}`);
  if (options.convention !== undefined) checkConvention(options.convention, "options.convention");
  const spec = isSpec(specOrOptions) ? specOrOptions : resnetSpec(specOrOptions);
  if (isSpec(specOrOptions)) checkSpecLayers(spec);
  const shapes = new Map(spec.layers.map((layer) => [layer.name, layer.outputShape]));
  const layers = spec.layers.map((layer) => countLayer(layer, (name) => shapes.get(name)!));
  const totals = sumFigures(layers);
  checkExact(layers, totals);
  const report: CountReport = {
    name: spec.name,
    inputShape: spec.options.inputShape,
    ...totals,
    stages: stageCounts(layers),
    layers,
    uncounted: [],
  };
  if (options.convention !== undefined) report.convention = conventionCount(report, options.convention);
  return report;
}

/** Options of {@link count}. */
export interface CountOptions {
  /** Also give the total in this tool's convention (`report.convention`). */
  convention?: Convention;
}

function isSpec(value: ResNetSpec | ResNetOptions): value is ResNetSpec {
  return typeof value === "object" && value !== null && Array.isArray((value as ResNetSpec).layers);
}

/** Figures of one layer of a spec; `shapeOf` gives the output shape of a named layer. */
function countLayer(layer: LayerSpec, shapeOf: (name: string) => readonly number[]): LayerCount {
  const out = layer.outputShape;
  let params: ParamCounts = { total: 0, trainable: 0, nonTrainable: 0 };
  let macs = 0;
  let extraFlops = zeroExtraFlops();
  let activations = 0;
  switch (layer.kind) {
    case "conv": {
      // A hand-made spec written before groups existed has none: an ordinary convolution.
      const channelsInPerGroup = layer.channelsIn / (layer.groups ?? 1);
      const weights = layer.kernel * layer.kernel * channelsInPerGroup * layer.channelsOut;
      params = trainable(weights + (layer.useBias ? layer.channelsOut : 0));
      macs = convMacs(out, layer.kernel * layer.kernel, channelsInPerGroup);
      extraFlops = biasFlops(out, layer.useBias);
      activations = elementCount(out);
      break;
    }
    case "dense":
      params = trainable(layer.unitsIn * layer.units + layer.units);
      macs = layer.unitsIn * layer.units;
      extraFlops = biasFlops(out, true);
      if (layer.activation === "softmax") extraFlops = addExtraFlops(extraFlops, softmaxFlops(layer.units));
      activations = elementCount(out);
      break;
    case "batchNorm":
      params = { total: 4 * layer.channels, trainable: 2 * layer.channels, nonTrainable: 2 * layer.channels };
      extraFlops = batchNormFlops(out);
      break;
    case "relu":
      extraFlops = activationFlops(out);
      break;
    case "add":
      extraFlops = mergeFlops(out, layer.inputs.length);
      break;
    case "maxPool":
      extraFlops = maxPoolFlops(out, layer.pool * layer.pool);
      break;
    case "globalAvgPool":
    case "globalMaxPool": {
      const [h, w] = shapeOf(layer.inputs[0]!);
      const area = h! * w!;
      extraFlops = layer.kind === "globalAvgPool" ? avgPoolFlops(out, area) : maxPoolFlops(out, area);
      break;
    }
    case "input":
    case "pad":
    case "zeroPadShortcut":
      break;
  }
  return {
    name: layer.name,
    kind: layer.kind,
    stage: layer.stage,
    outputShape: out,
    params,
    macs,
    flops: 2 * macs,
    extraFlops,
    activations,
  };
}

function trainable(count: number): ParamCounts {
  return { total: count, trainable: count, nonTrainable: 0 };
}
