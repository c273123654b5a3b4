/**
 * Images to NHWC float32 values inside the worker: RGB in [0, 1], the alpha channel dropped.
 *
 * @module
 */

/** Reads the RGBA pixels of an `ImageBitmap` (drawn on an `OffscreenCanvas`) or an `ImageData`. */
function rgba(image: ImageBitmap | ImageData): Uint8ClampedArray {
  if (image instanceof ImageData) return image.data;
  if (typeof OffscreenCanvas === "undefined") {
    throw new TypeError("reading an ImageBitmap needs OffscreenCanvas, which this worker lacks: pass an ImageData or NHWC values");
  }
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (context === null) throw new Error("could not get a 2d context of an OffscreenCanvas to read the ImageBitmap");
  context.drawImage(image, 0, 0);
  image.close(); // its pixels are read; free the bitmap
  return context.getImageData(0, 0, canvas.width, canvas.height).data;
}

/** The images, all of `width x height`, as one batch of NHWC RGB values in [0, 1]. */
export function imagesToValues(images: readonly (ImageBitmap | ImageData)[], height: number, width: number): Float32Array {
  const pixels = height * width;
  const values = new Float32Array(images.length * pixels * 3);
  images.forEach((image, n) => {
    const data = rgba(image);
    const offset = n * pixels * 3;
    for (let p = 0; p < pixels; p++) {
      values[offset + 3 * p] = data[4 * p]! / 255;
      values[offset + 3 * p + 1] = data[4 * p + 1]! / 255;
      values[offset + 3 * p + 2] = data[4 * p + 2]! / 255;
    }
  });
  return values;
}
