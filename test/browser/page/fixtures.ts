/**
 * What the Node reference and the browser page share: the models, the seeded input, and
 * a fingerprint of the weights. Imported by the Node tests and bundled into the page.
 */
import type { ResNetBuildOptions } from "../../../src/models/resnet.js";

/** Seed of the kernel initialisers (He et al. submitted the paper on 2015-12-10). */
export const SEED = 20151210;
/** Batch and image size of the same-answers test (the figures). */
export const BATCH = 2;
export const SIZE = 224;

/** ResNet-18 / -50, torchvision layout, logits out (a linear top), fixed seed. */
export function modelOptions(depth: 18 | 50): ResNetBuildOptions {
  return { depth, preset: "torchvision", classifierActivation: "linear", seed: SEED };
}

/** A deterministic image batch in [0, 1): mulberry32, the same numbers in every JS engine. */
export function inputValues(batch = BATCH, size = SIZE): Float32Array {
  let state = 0x9e3779b9;
  const values = new Float32Array(batch * size * size * 3);
  for (let i = 0; i < values.length; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return values;
}

/** FNV-1a over the 32-bit words of every array, in order: equal only for bit-identical weights. */
export function fingerprint(arrays: readonly Float32Array[]): string {
  let hash = 0x811c9dc5;
  let count = 0;
  for (const array of arrays) {
    const words = new Uint32Array(array.buffer, array.byteOffset, array.length);
    for (let i = 0; i < words.length; i++) hash = Math.imul(hash ^ words[i]!, 0x01000193);
    count += array.length;
  }
  return `${count}:${(hash >>> 0).toString(16).padStart(8, "0")}`;
}
