/**
 * The arithmetic of each layer kind, shared by `count()` (our specs) and `countModel()` (any
 * tfjs-layers model).
 *
 * @module
 */
import { elementCount } from "../arch/shapes.js";
import { extraFlopsOf, type ExtraFlops } from "./report.js";

/** Multiply-adds of a convolution: every output element sums `kernelArea * channelsInPerGroup` products. */
export function convMacs(outputShape: readonly number[], kernelArea: number, channelsInPerGroup: number): number {
  return elementCount(outputShape) * kernelArea * channelsInPerGroup;
}

/** Extra operations of a convolution or dense layer: one add per output element for the bias. */
export function biasFlops(outputShape: readonly number[], useBias: boolean): ExtraFlops {
  return extraFlopsOf({ bias: useBias ? elementCount(outputShape) : 0 });
}

/** Batch norm at inference: one multiply and one add per element. */
export function batchNormFlops(outputShape: readonly number[]): ExtraFlops {
  return extraFlopsOf({ batchNorm: 2 * elementCount(outputShape) });
}

/** One operation per element (ReLU and other element-wise activations). */
export function activationFlops(outputShape: readonly number[]): ExtraFlops {
  return extraFlopsOf({ activation: elementCount(outputShape) });
}

/** Element-wise merge (sum, product, ...) of `inputs` tensors: `inputs - 1` operations per element. */
export function mergeFlops(outputShape: readonly number[], inputs: number): ExtraFlops {
  return extraFlopsOf({ elementwise: (inputs - 1) * elementCount(outputShape) });
}

/** Max pooling: `windowArea - 1` comparisons per output element. */
export function maxPoolFlops(outputShape: readonly number[], windowArea: number): ExtraFlops {
  return extraFlopsOf({ pool: (windowArea - 1) * elementCount(outputShape) });
}

/** Average pooling: `windowArea - 1` adds and one divide per output element. */
export function avgPoolFlops(outputShape: readonly number[], windowArea: number): ExtraFlops {
  return extraFlopsOf({ pool: windowArea * elementCount(outputShape) });
}

/** Softmax: an exponential, a sum and a divide per element. */
export function softmaxFlops(elements: number): ExtraFlops {
  return extraFlopsOf({ softmax: 3 * elements });
}

/** Adds two `ExtraFlops`. */
export function addExtraFlops(a: ExtraFlops, b: ExtraFlops): ExtraFlops {
  return extraFlopsOf({
    bias: a.bias + b.bias,
    batchNorm: a.batchNorm + b.batchNorm,
    activation: a.activation + b.activation,
    elementwise: a.elementwise + b.elementwise,
    pool: a.pool + b.pool,
    softmax: a.softmax + b.softmax,
  });
}
