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

/**
 * Most elements one tensor of a model may hold for one image: 2^30, 4 GiB of float32, the
 * whole heap of tfjs-backend-wasm (its `getHeapMax()`) and past what a WebGL texture or one
 * JavaScript `ArrayBuffer` of the browsers holds. A larger net would not run on any tfjs
 * backend, and building it takes minutes.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 30;

/**
 * Throws a RangeError unless a tensor of `elements` fits {@link MAX_TENSOR_ELEMENTS}.
 *
 * @param subject What is too large, e.g. `inputShape [32,32,1000000]`.
 * @param tensor The tensor with its shape, e.g. `the first convolution's kernel (7 x 7 x 1000000 x 64)`.
 */
export function checkTensorSize(subject: string, tensor: string, elements: number): void {
  if (elements > MAX_TENSOR_ELEMENTS) {
    throw new RangeError(
      `${subject} is too large: ${tensor} would hold ${elements} elements; a tensor holds at most ${MAX_TENSOR_ELEMENTS} (2^30) ` +
        `elements (4 GiB of float32, tfjs-backend-wasm's whole heap)`,
    );
  }
}
