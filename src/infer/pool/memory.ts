/**
 * How many images one pool worker can take at once: an upper estimate of the WASM memory a
 * forward pass needs per image, against what one tfjs-backend-wasm instance can hold.
 *
 * @module
 */
import type { ResNetSpec } from "../../arch/types.js";

/**
 * Bytes of WASM memory a pool worker spends on images: half of tfjs-backend-wasm's 4 GiB
 * heap (its `getHeapMax()` is 4 GiB - 64 KiB), the other half left for the weights, XNNPACK's
 * buffers and the fragmentation of a heap that only grows. Past the heap's end `malloc`
 * fails and the backend writes through a null pointer: a `RuntimeError` and a corrupted heap.
 */
export const WORKER_IMAGE_MEMORY_BYTES = 2 * 1024 ** 3;

/**
 * An upper estimate of the WASM bytes one image takes in a forward pass of `spec`: float32
 * input plus the three largest layer outputs (a layer's input, its output and a shortcut
 * may be alive at once), each counted whole.
 */
export function bytesPerImage(spec: ResNetSpec): number {
  const sizes = spec.layers.map((layer) => layer.outputShape.reduce((a, b) => a * b, 1)).sort((a, b) => b - a);
  const input = spec.options.inputShape.reduce((a, b) => a * b, 1);
  return 4 * (input + sizes.slice(0, 3).reduce((a, b) => a + b, 0));
}

/**
 * The most images one worker runs at once for `spec`; a larger request is cut into more
 * chunks than workers, queued as any other.
 *
 * @throws RangeError when not even one image fits, naming the need and the limit.
 */
export function maxImagesPerChunk(spec: ResNetSpec): number {
  const perImage = bytesPerImage(spec);
  const images = Math.floor(WORKER_IMAGE_MEMORY_BYTES / perImage);
  if (images < 1) {
    const [height, width, channels] = spec.options.inputShape;
    throw new RangeError(
      `options.model.inputShape ${height}x${width}x${channels} needs about ${mib(perImage)} MiB of WASM memory per image in a pool ` +
        `worker; a worker has ${mib(WORKER_IMAGE_MEMORY_BYTES)} MiB for images (half of tfjs-backend-wasm's 4 GiB heap): use a smaller inputShape`,
    );
  }
  return images;
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}
