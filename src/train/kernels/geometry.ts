/**
 * Index arithmetic of the two convolution gradients, one spatial dimension at a time. Pure
 * functions, so the tests can check them against brute-force sums.
 *
 * @module
 */

/** One spatial dimension of a forward convolution (dilation 1). */
export interface ConvDimension {
  /** Input size (height or width). */
  inSize: number;
  /** Output size. */
  outSize: number;
  /** Kernel size. */
  kernel: number;
  /** Stride. */
  stride: number;
  /** Zero padding before the first input element (top or left). */
  padBefore: number;
}

/**
 * How the filter gradient of one dimension maps onto a forward convolution whose input is x
 * (batch moved to the channels) and whose filter is dy, dilated by the stride: the input is
 * padded by `padBefore`, then padded (or, when negative, cropped) by `padAfter`, so that the
 * output has exactly `kernel` positions.
 */
export interface FilterGradientPlan {
  /** Zeros before x (the forward padding). */
  padBefore: number;
  /** Zeros after x; negative: that many trailing elements of x are never read and are cropped. */
  padAfter: number;
}

/** The {@link FilterGradientPlan} of one dimension. */
export function filterGradientPlan(dim: ConvDimension): FilterGradientPlan {
  // The last kernel position reads padded index (outSize - 1) * stride + kernel - 1.
  const needed = (dim.outSize - 1) * dim.stride + dim.kernel;
  return { padBefore: dim.padBefore, padAfter: needed - dim.padBefore - dim.inSize };
}

/**
 * The input gradient of one dimension as a stride-1 correlation of dy, split into `stride`
 * phases: input index `h = phase + stride * q` receives, from the window position `t`
 * (0 <= t < window), dy at `q + first + t` times the kernel tap `tap(phase, t)`, or nothing
 * where that tap is outside the kernel. All phases share one window, so one convolution
 * with `stride * stride` groups of output channels computes them all at once.
 */
export interface InputGradientPlan {
  /** Offset of the first dy element of the window relative to q (may be negative). */
  first: number;
  /** Window length: the kernel size of the correlation. */
  window: number;
  /** Positions q per phase: ceil(inSize / stride). */
  positions: number;
  /** Zeros before dy; negative: that many leading elements of dy are cropped. */
  padBefore: number;
  /** Zeros after dy; negative: that many trailing elements of dy are cropped. */
  padAfter: number;
  /** First phase that receives any tap. */
  firstPhase: number;
  /** Number of consecutive phases from `firstPhase` that receive taps; the others are zero. */
  phases: number;
  /** Kernel tap used by `phase` at window position `t`, or -1 for none. */
  tap(phase: number, t: number): number;
}

/** The {@link InputGradientPlan} of one dimension. */
export function inputGradientPlan(dim: ConvDimension): InputGradientPlan {
  const { inSize, outSize, kernel, stride, padBefore } = dim;
  // Input h = phase + stride * q is read by output o through tap i = h + padBefore - stride * o,
  // so with o = q + first + t the tap is phase + padBefore - stride * (first + t).
  const first = Math.ceil((padBefore - kernel + 1) / stride);
  const last = Math.floor((stride - 1 + padBefore) / stride);
  const window = last - first + 1;
  const positions = Math.ceil(inSize / stride);
  const tap = (phase: number, t: number): number => {
    const i = phase + padBefore - stride * (first + t);
    return i >= 0 && i < kernel ? i : -1;
  };
  // Phase p has taps iff (p + padBefore) mod stride < kernel; with kernel < stride these
  // phases form a cyclic run, kept whole here (all phases) when it wraps around.
  const active: number[] = [];
  for (let p = 0; p < stride; p++) if ((p + padBefore) % stride < kernel) active.push(p);
  const contiguous = active.length > 0 && active[active.length - 1]! - active[0]! === active.length - 1;
  const firstPhase = contiguous ? active[0]! : 0;
  const phases = contiguous ? active.length : stride;
  return {
    first,
    window,
    positions,
    padBefore: -first,
    padAfter: positions + last - outSize,
    firstPhase,
    phases,
    tap,
  };
}
