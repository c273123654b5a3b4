/**
 * Batch norm folded into the preceding convolution, in double precision.
 *
 * @module
 */

/** The inference-time parameters of a batch norm over the last axis; `gamma` and `beta` are absent when the layer has `scale: false` or `center: false`. */
export interface BatchNormParams {
  /** Moving mean, one per channel. */
  readonly mean: ArrayLike<number>;
  /** Moving variance, one per channel. */
  readonly variance: ArrayLike<number>;
  /** Scale γ, one per channel (1 when absent). */
  readonly gamma?: ArrayLike<number>;
  /** Offset β, one per channel (0 when absent). */
  readonly beta?: ArrayLike<number>;
  /** The ε added to the variance. */
  readonly epsilon: number;
}

/** A kernel whose last axis is the output channel (`[kh, kw, in, out]` for a conv, `[in, out]` for a dense layer), and its bias. */
export interface FoldedWeights {
  /** The kernel, same layout as given. */
  readonly kernel: Float32Array;
  /** The bias, one per output channel. */
  readonly bias: Float32Array;
}

/**
 * Folds a batch norm into the kernel and bias before it: with s = γ / sqrt(var + ε) per output
 * channel, `kernel' = kernel * s` and `bias' = (bias - mean) * s + β`, so that
 * `conv(x, kernel') + bias'` equals `batchNorm(conv(x, kernel) + bias)`. Computed in double
 * precision and rounded once to float32.
 *
 * @param kernel The kernel, output channel last.
 * @param bias The bias, or `null` for a layer without one (taken as 0).
 * @param bn The batch norm's parameters; their length is the number of output channels.
 */
export function foldBatchNorm(kernel: ArrayLike<number>, bias: ArrayLike<number> | null, bn: BatchNormParams): FoldedWeights {
  const channels = bn.mean.length;
  if (bn.variance.length !== channels || (bn.gamma && bn.gamma.length !== channels) || (bn.beta && bn.beta.length !== channels)) {
    throw new RangeError("internal: batch norm parameters differ in length");
  }
  if (kernel.length % channels !== 0 || (bias && bias.length !== channels)) {
    throw new RangeError(`internal: a kernel of ${kernel.length} values and ${channels} output channels do not match`);
  }
  const scale = new Float64Array(channels);
  const foldedBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (bn.gamma ? bn.gamma[c]! : 1) / Math.sqrt(bn.variance[c]! + bn.epsilon);
    foldedBias[c] = ((bias ? bias[c]! : 0) - bn.mean[c]!) * scale[c]! + (bn.beta ? bn.beta[c]! : 0);
  }
  const foldedKernel = new Float32Array(kernel.length);
  for (let i = 0, c = 0; i < kernel.length; i++, c = c + 1 === channels ? 0 : c + 1) {
    foldedKernel[i] = kernel[i]! * scale[c]!;
  }
  return { kernel: foldedKernel, bias: foldedBias };
}
