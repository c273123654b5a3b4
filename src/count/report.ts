/**
 * The shape of a count: parameters, multiply-adds, FLOPs and activations, per layer, per
 * stage and in total.
 *
 * Conventions (state them when you compare with other tools):
 * - `macs` counts the multiply-adds of convolutions and dense layers only, as the paper's
 *   "FLOPs" row does; `flops` is always `2 * macs`.
 * - Everything else (bias adds, batch norm at inference as one multiply and one add per
 *   element, activations such as ReLU as one per element, residual adds and other
 *   element-wise merges, pooling comparisons and sums, softmax as three operations
 *   per class) is in `extraFlops`, by category, never mixed into `macs` or `flops`.
 * - `activations` is the number of output elements of convolutions and dense layers per
 *   example (fvcore's convention).
 *
 * @module
 */
import type { ConventionCount } from "./conventions.js";

/** Parameter counts. `total = trainable + nonTrainable`; batch-norm moving statistics are non-trainable. */
export interface ParamCounts {
  /** All weights. */
  total: number;
  /** Weights a training step updates. */
  trainable: number;
  /** Weights it does not (batch-norm moving mean and variance, frozen layers). */
  nonTrainable: number;
}

/** Categories of the operations counted outside `macs`. */
export type ExtraFlopsCategory = "bias" | "batchNorm" | "activation" | "elementwise" | "pool" | "softmax";

/** Operations outside the multiply-adds, by category, with their total. */
export type ExtraFlops = Record<ExtraFlopsCategory, number> & {
  /** Sum of the categories. */
  total: number;
};

/** Figures of one layer, for one example. */
export interface LayerCount {
  /** Layer name. */
  name: string;
  /** Our layer kind (`conv`, `batchNorm`, ...) or, for `countModel`, the tfjs class name. */
  kind: string;
  /** Stage of Table 1 (`conv1` ... `conv5_x`, `head`), or `null` where a layer's name does not say. */
  stage: string | null;
  /** Output shape without the batch dimension. */
  outputShape: readonly number[];
  /** Parameters of the layer. */
  params: ParamCounts;
  /** Multiply-adds of convolutions and dense layers. */
  macs: number;
  /** `2 * macs`. */
  flops: number;
  /** Other operations, by category. */
  extraFlops: ExtraFlops;
  /** Output elements of convolutions and dense layers, else 0. */
  activations: number;
}

/** Figures summed over a group of layers, for one example. */
export interface Figures {
  /** Parameters. */
  params: ParamCounts;
  /** Multiply-adds of convolutions and dense layers. */
  macs: number;
  /** `2 * macs`. */
  flops: number;
  /** Other operations, by category. */
  extraFlops: ExtraFlops;
  /** Output elements of convolutions and dense layers. */
  activations: number;
}

/** Figures of one stage. */
export interface StageCount extends Figures {
  /** Stage name (`conv1`, `conv2_x`, ..., `head`). */
  name: string;
  /** Output shape of the stage's last layer. */
  outputShape: readonly number[];
}

/** A full count: totals, per stage and per layer, for one example. */
export interface CountReport extends Figures {
  /** Model name. */
  name: string;
  /** Input shape without the batch dimension. */
  inputShape: readonly number[];
  /** Figures per stage, in order. */
  stages: StageCount[];
  /** Figures per layer, in order. */
  layers: LayerCount[];
  /** Layers whose operations could not be counted (by `countModel`); empty for our nets. */
  uncounted: UncountedLayer[];
  /** The total in another tool's convention, when `count()` is asked for one (`options.convention`). */
  convention?: ConventionCount;
}

/** A layer whose operations `countModel` cannot count. */
export interface UncountedLayer {
  /** Layer name. */
  name: string;
  /** tfjs class name, e.g. `LSTM`. */
  kind: string;
}

/** An `ExtraFlops` of zeros. */
export function zeroExtraFlops(): ExtraFlops {
  return { bias: 0, batchNorm: 0, activation: 0, elementwise: 0, pool: 0, softmax: 0, total: 0 };
}

/** An `ExtraFlops` with the given categories filled and the total computed. */
export function extraFlopsOf(parts: Partial<Record<ExtraFlopsCategory, number>>): ExtraFlops {
  const extra = { ...zeroExtraFlops(), ...parts };
  extra.total = extra.bias + extra.batchNorm + extra.activation + extra.elementwise + extra.pool + extra.softmax;
  return extra;
}

/** Sums the figures of `items`. */
export function sumFigures(items: readonly Figures[]): Figures {
  const sum: Figures = {
    params: { total: 0, trainable: 0, nonTrainable: 0 },
    macs: 0,
    flops: 0,
    extraFlops: zeroExtraFlops(),
    activations: 0,
  };
  for (const item of items) {
    sum.params.total += item.params.total;
    sum.params.trainable += item.params.trainable;
    sum.params.nonTrainable += item.params.nonTrainable;
    sum.macs += item.macs;
    sum.flops += item.flops;
    sum.activations += item.activations;
    for (const key of Object.keys(sum.extraFlops) as (keyof ExtraFlops)[]) {
      sum.extraFlops[key] += item.extraFlops[key];
    }
  }
  return sum;
}

/** Groups layers by stage, in order of first appearance; layers without a stage are left out. */
export function stageCounts(layers: readonly LayerCount[]): StageCount[] {
  const groups = new Map<string, LayerCount[]>();
  for (const layer of layers) {
    if (layer.stage === null) continue;
    const group = groups.get(layer.stage) ?? [];
    group.push(layer);
    groups.set(layer.stage, group);
  }
  return [...groups].map(([name, group]) => ({
    name,
    outputShape: group[group.length - 1]!.outputShape,
    ...sumFigures(group),
  }));
}
