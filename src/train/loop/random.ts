/**
 * Counter-based randomness: every draw of a run comes from a generator seeded by a hash of
 * (seed, epoch, step, purpose), so the "random state" to checkpoint is just those counters
 * and a resumed run draws exactly what an uninterrupted one would.
 *
 * @module
 */

/** What a generator is for, so that two uses at the same step never share a stream. */
export const STREAM = { shuffle: 1, augment: 2 } as const;

/** Mixes 32-bit integers into one 32-bit seed (murmur3's finaliser after each word). */
export function hashSeed(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    h = Math.imul(h ^ (word >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A generator of uniform numbers in [0, 1) (mulberry32: small, fast, 2^32 period). */
export function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniformly random permutation of 0 .. n-1 (Fisher-Yates), as an Int32Array. */
export function permutation(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}

/** A seed for a run that was given none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
