import { describe, expect, it } from "vitest";
import { filterGradientPlan, inputGradientPlan, type ConvDimension } from "../../../src/train/kernels/geometry.js";

/** Every (input index, output index, tap) triple of a forward convolution along one dimension. */
function forwardTriples(d: ConvDimension): Set<string> {
  const triples = new Set<string>();
  for (let o = 0; o < d.outSize; o++)
    for (let i = 0; i < d.kernel; i++) {
      const h = o * d.stride + i - d.padBefore;
      if (h >= 0 && h < d.inSize) triples.add(`${h},${o},${i}`);
    }
  return triples;
}

const DIMENSIONS: ConvDimension[] = [];
for (const stride of [1, 2, 3])
  for (const kernel of [1, 2, 3, 7])
    for (const inSize of [1, 5, 8, 11])
      for (const padBefore of [0, 1, 3, kernel + 1])
        for (const padAfter of [0, 2]) {
          const outSize = Math.floor((inSize + padBefore + padAfter - kernel) / stride) + 1;
          if (outSize >= 1) DIMENSIONS.push({ inSize, outSize, kernel, stride, padBefore });
        }

describe("inputGradientPlan", () => {
  it.each(DIMENSIONS.map((d) => [JSON.stringify(d), d] as const))("%s: its taps are exactly the forward convolution's", (_, d) => {
    const plan = inputGradientPlan(d);
    const triples = new Set<string>();
    for (let phase = 0; phase < d.stride; phase++)
      for (let q = 0; q < plan.positions; q++) {
        const h = phase + d.stride * q;
        if (h >= d.inSize) continue;
        for (let t = 0; t < plan.window; t++) {
          const i = plan.tap(phase, t);
          const o = q + plan.first + t;
          if (i < 0 || o < 0 || o >= d.outSize) continue;
          triples.add(`${h},${o},${i}`);
          // Phases outside [firstPhase, firstPhase + phases) are left as zeros: they must have no taps.
          expect(phase >= plan.firstPhase && phase < plan.firstPhase + plan.phases).toBe(true);
        }
      }
    expect(triples).toEqual(forwardTriples(d));
    // The padded dy yields exactly `positions` correlation outputs.
    expect(d.outSize + plan.padBefore + plan.padAfter - plan.window + 1).toBe(plan.positions);
  });
});

describe("filterGradientPlan", () => {
  it.each(DIMENSIONS.map((d) => [JSON.stringify(d), d] as const))("%s: the dilated correlation has exactly `kernel` outputs reading the same inputs", (_, d) => {
    const plan = filterGradientPlan(d);
    const paddedLength = plan.padBefore + d.inSize + plan.padAfter;
    // Correlating the padded x with dy dilated by the stride: (outSize - 1) * stride + 1 taps.
    expect(paddedLength - (d.outSize - 1) * d.stride).toBe(d.kernel);
    const triples = new Set<string>();
    for (let i = 0; i < d.kernel; i++)
      for (let o = 0; o < d.outSize; o++) {
        const h = i + o * d.stride - plan.padBefore;
        if (h >= 0 && h < d.inSize + Math.min(0, plan.padAfter)) triples.add(`${h},${o},${i}`);
      }
    expect(triples).toEqual(forwardTriples(d));
  });
});
