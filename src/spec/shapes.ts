import type { ImageShape } from "./types.js";

/** Output size of a convolution or pooling window with no padding (`'valid'`). */
export function validOutputSize(size: number, kernel: number, stride: number): number {
  return Math.floor((size - kernel) / stride) + 1;
}

/** Output size of a `'same'` convolution, or of a subsampling by `stride`. */
export function sameOutputSize(size: number, stride: number): number {
  return Math.ceil(size / stride);
}

/** Shape after symmetric zero padding of `pad` on every side. */
export function paddedShape([h, w, c]: ImageShape, pad: number): ImageShape {
  return [h + 2 * pad, w + 2 * pad, c];
}

/** Number of elements of a shape (without the batch dimension). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}
