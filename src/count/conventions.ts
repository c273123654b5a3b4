/**
 * FLOP counts in the convention of other counters (fvcore, ptflops, thop, calflops,
 * PyTorch's `FlopCounterMode`, keras-flops), as pure arithmetic over one {@link CountReport}:
 * every convention reweighs the same per-layer, per-category figures of `count()`; nothing is
 * counted a second time. The rules, with the tools' source files and lines, are in
 * `docs/flops.md`.
 *
 * @module
 */
import { describeValue } from "../util/check.js";
import type { CountReport, LayerCount } from "./report.js";

/** The conventions {@link conventionCount} knows, in the order the docs compare them. */
export const CONVENTIONS = ["paper", "fvcore", "ptflops", "thop", "calflops", "torch-flop-counter", "keras-flops"] as const;

/**
 * A counting convention:
 * - `paper`: multiply-adds of convolutions and dense layers only (He et al.'s "FLOPs", our `macs`).
 * - `fvcore`: `FlopCountAnalysis(model.eval(), x).total()`.
 * - `ptflops`: `get_model_complexity_info` with its `pytorch` backend and default settings.
 * - `thop`: `thop.profile` (release 0.1.1).
 * - `calflops`: the FLOPs figure of `calculate_flops`.
 * - `torch-flop-counter`: `torch.utils.flop_counter.FlopCounterMode`'s total.
 * - `keras-flops`: `keras_flops.get_flops` (TensorFlow's profiler `float_ops`) of the same net in tf.keras.
 */
export type Convention = (typeof CONVENTIONS)[number];

/** A convention's total split by our categories (each already weighted by the convention's rule). */
export interface ConventionParts {
  /** Convolutions and dense layers: `macs` or `2 * macs`. */
  matmul: number;
  /** Bias adds of convolutions and dense layers. */
  bias: number;
  /** Batch normalization. */
  batchNorm: number;
  /** ReLU and other activations. */
  activation: number;
  /** Residual adds and other element-wise merges. */
  elementwise: number;
  /** Max and average pooling, local and global. */
  pool: number;
  /** Softmax. */
  softmax: number;
}

/** A count in one tool's convention, for one example. */
export interface ConventionCount {
  /** The convention. */
  convention: Convention;
  /**
   * What one unit of `total` is: `MACs` where a multiply-add counts once (paper, fvcore, which calls
   * them "flops", ptflops, thop), `FLOPs` where it counts twice (calflops, FlopCounterMode, keras-flops).
   */
  unit: "MACs" | "FLOPs";
  /** The figure the tool reports for the net. */
  total: number;
  /** `total` by category. */
  parts: ConventionParts;
}

/** The figures of one layer that the conventions weigh. */
interface LayerFacts {
  macs: number;
  /** A 1-D output: a dense layer (whose bias calflops leaves out), not a convolution. */
  dense: boolean;
  bias: number;
  bnElements: number;
  bnChannels: number;
  activation: number;
  elementwise: number;
  pool: PoolFacts | null;
  softmaxClasses: number;
}

interface PoolFacts {
  max: boolean;
  global: boolean;
  /** Input elements, before any explicit zero padding (PyTorch pads inside the pool). */
  input: number;
  output: number;
  /** Our figure: `(window - 1) * output` for max, `window * output` for average pooling. */
  figure: number;
}

type Rule = (layer: LayerFacts) => ConventionParts;

const zero: ConventionParts = { matmul: 0, bias: 0, batchNorm: 0, activation: 0, elementwise: 0, pool: 0, softmax: 0 };

/** Pooling input elements counted once (ptflops' module hooks, calflops' functional patches). */
const poolInput = (pool: PoolFacts | null): number => pool?.input ?? 0;

const RULES: Readonly<Record<Convention, { unit: ConventionCount["unit"]; rule: Rule }>> = {
  paper: { unit: "MACs", rule: (l) => ({ ...zero, matmul: l.macs }) },
  fvcore: {
    unit: "MACs",
    // conv and linear as MACs without bias; batch_norm (eval) 2 per element; adaptive_avg_pool2d 1 per input element.
    rule: (l) => ({
      ...zero,
      matmul: l.macs,
      batchNorm: 2 * l.bnElements,
      pool: l.pool && !l.pool.max && l.pool.global ? l.pool.input : 0,
    }),
  },
  ptflops: {
    unit: "MACs",
    // Module hooks plus the patched F.relu / F.*pool* that the modules call again (count_functional: True).
    rule: (l) => ({
      ...zero,
      matmul: l.macs,
      bias: l.bias,
      batchNorm: 2 * l.bnElements,
      activation: 2 * l.activation,
      pool: 2 * poolInput(l.pool),
      softmax: l.softmaxClasses,
    }),
  },
  thop: {
    unit: "MACs",
    // conv and linear MACs without bias; norm 2 x 2 per element with affine; adaptive avg pool (k + 1) per output.
    rule: (l) => ({
      ...zero,
      matmul: l.macs,
      batchNorm: 4 * l.bnElements,
      pool: l.pool && !l.pool.max ? (l.pool.global ? l.pool.input + l.pool.output : l.pool.output) : 0,
      softmax: l.softmaxClasses > 0 ? 3 * l.softmaxClasses - 1 : 0,
    }),
  },
  calflops: {
    unit: "FLOPs",
    // 2 x MACs; conv bias counted, linear bias not; batch_norm (eval) 2 per element; activations and pools per input element.
    rule: (l) => ({
      ...zero,
      matmul: 2 * l.macs,
      bias: l.dense ? 0 : l.bias,
      batchNorm: 2 * l.bnElements,
      activation: l.activation,
      pool: poolInput(l.pool),
      softmax: l.softmaxClasses,
    }),
  },
  "torch-flop-counter": { unit: "FLOPs", rule: (l) => ({ ...zero, matmul: 2 * l.macs }) },
  "keras-flops": {
    unit: "FLOPs",
    // Conv2D and MatMul 2 x MACs, BiasAdd and AddV2 1 per element, FusedBatchNormV3 2 per element + 6 per channel,
    // MaxPool / AvgPool window x output, Mean 1 per input, Max input - output, Softmax 5 per element, Relu 0.
    rule: (l) => ({
      ...zero,
      matmul: 2 * l.macs,
      bias: l.bias,
      batchNorm: 2 * l.bnElements + 6 * l.bnChannels,
      elementwise: l.elementwise,
      pool: l.pool === null ? 0 : l.pool.global ? (l.pool.max ? l.pool.figure : l.pool.input) : l.pool.max ? l.pool.figure + l.pool.output : l.pool.figure,
      softmax: 5 * l.softmaxClasses,
    }),
  },
};

/** Throws a RangeError unless `convention` is one of {@link CONVENTIONS}. */
export function checkConvention(convention: unknown, argument = "convention"): asserts convention is Convention {
  if (!(CONVENTIONS as readonly unknown[]).includes(convention)) {
    throw new RangeError(`${argument} must be one of ${CONVENTIONS.map((c) => JSON.stringify(c)).join(", ")}; got ${describeValue(convention)}`);
  }
}

/**
 * The total that another counter reports for the net of `report`, derived from the report's
 * per-layer figures by that tool's rules (see `docs/flops.md` for each rule and its source).
 * Pure arithmetic: no second count, no TensorFlow.js.
 *
 * The PyTorch tools are taken as they count the net written as torchvision writes it (zero
 * padding inside the pooling layer, `nn.ReLU` modules, `out += identity`, batch norm with
 * affine weights, the model in eval mode); keras-flops as it counts the same net in tf.keras
 * (frozen graph at inference).
 *
 * @param report A report of {@link count} (or of `countModel` for a net built like ours).
 * @param convention One of {@link CONVENTIONS}.
 * @throws RangeError naming `convention` if it is not one of them.
 * @example
 * ```ts
 * import { conventionCount, count } from "resnet-blocks/count";
 * conventionCount(count({ depth: 50, preset: "torchvision" }), "fvcore").total; // 4111512576
 * ```
 */
export function conventionCount(report: CountReport, convention: Convention): ConventionCount {
  checkConvention(convention);
  const { unit, rule } = RULES[convention];
  const parts = { ...zero };
  report.layers.forEach((layer, index) => {
    const weighed = rule(layerFacts(report.layers, index, layer));
    for (const key of Object.keys(parts) as (keyof ConventionParts)[]) parts[key] += weighed[key];
  });
  const total = Object.values(parts).reduce((sum, value) => sum + value, 0);
  if (!Number.isSafeInteger(total)) {
    throw new RangeError(`conventionCount: the ${convention} total (about ${total.toPrecision(4)}) exceeds Number.MAX_SAFE_INTEGER; count a smaller input`);
  }
  return { convention, unit, total, parts };
}

const elements = (shape: readonly number[]): number => shape.reduce((product, size) => product * size, 1);

const isPad = (layer: LayerCount): boolean => /^(pad|ZeroPadding[123]D)$/.test(layer.kind);

function layerFacts(layers: readonly LayerCount[], index: number, layer: LayerCount): LayerFacts {
  const e = layer.extraFlops;
  const out = layer.outputShape;
  const isBatchNorm = e.batchNorm > 0;
  return {
    macs: layer.macs,
    dense: out.length === 1,
    bias: e.bias,
    bnElements: e.batchNorm / 2,
    bnChannels: isBatchNorm ? out[out.length - 1]! : 0,
    activation: e.activation,
    elementwise: e.elementwise,
    pool: poolFacts(layers, index, layer),
    softmaxClasses: e.softmax / 3,
  };
}

function poolFacts(layers: readonly LayerCount[], index: number, layer: LayerCount): PoolFacts | null {
  const kind = layer.kind.toLowerCase();
  const max = /max(pool|pooling)/.test(kind);
  if (!max && !/(avg|average)(pool|pooling)/.test(kind)) return null;
  const output = elements(layer.outputShape);
  const global = layer.outputShape.length === 1;
  const figure = layer.extraFlops.pool;
  if (global) return { max, global, input: max ? figure + output : figure, output, figure };
  // A local pool's input is the layer before it, read past an explicit zero padding.
  let before = index - 1;
  while (before >= 0 && isPad(layers[before]!)) before--;
  if (before < 0) throw new RangeError(`conventionCount: pooling layer ${layer.name} has no input layer before it in report.layers`);
  return { max, global, input: elements(layers[before]!.outputShape), output, figure };
}
