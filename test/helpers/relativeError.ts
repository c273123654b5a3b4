import { expect } from "vitest";

/**
 * max |actual - reference| / max |reference|: the error of `actual` relative to the reference's
 * largest magnitude, scale-free, so one tolerance fits outputs of different sizes.
 */
export function relativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  expect(actual.length).toBe(reference.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / scale;
}
