/**
 * How a batch is cut into contiguous chunks for the workers.
 *
 * @module
 */

/** A contiguous run of images of one batch: images `start` to `start + count - 1`. */
export interface BatchChunk {
  /** Index of the first image in the batch. */
  start: number;
  /** Number of images, at least 1. */
  count: number;
}

/**
 * Cuts a batch of `size` images into at most `parts` contiguous chunks whose sizes differ by
 * at most one, larger chunks first: 10 images in 4 parts are 3, 3, 2, 2. A batch smaller
 * than `parts` gives one chunk of one image per image. No chunk holds more than `maxChunk`
 * images: a batch too large for `parts` chunks of that size is cut into more (10 images in
 * 2 parts of at most 3 are 3, 3, 2, 2).
 */
export function splitBatch(size: number, parts: number, maxChunk = Infinity): BatchChunk[] {
  const count = Math.max(Math.min(size, parts), Math.ceil(size / maxChunk));
  const base = Math.floor(size / count);
  const larger = size % count;
  const chunks: BatchChunk[] = [];
  let start = 0;
  for (let index = 0; index < count; index++) {
    const length = base + (index < larger ? 1 : 0);
    chunks.push({ start, count: length });
    start += length;
  }
  return chunks;
}
