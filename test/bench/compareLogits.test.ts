/** The bench's logits check (bench/lib/compareLogits.ts), against softmax computed here in float64. */
import { describe, expect, it } from "vitest";
import { compareLogits } from "../../bench/lib/compareLogits.js";

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

const LOGITS = [
  [2.0, -1.0, 0.5, 3.0, -4.0],
  [-0.5, 0.25, 1.5, -2.0, 0.0],
];
const rows = (values: number[][]) => Float32Array.from(values.flat());

describe("compareLogits", () => {
  it("accepts softmax outputs of logits shifted by a per-row constant (softmax ignores it)", () => {
    const shifted = LOGITS.map((row, i) => row.map((l) => l + 10 * (i + 1)));
    const result = compareLogits(rows(LOGITS.map(softmax)), rows(shifted.map(softmax)), { classes: 5, softmax: true });
    expect(result.ok).toBe(true);
    expect(result.maxDiff).toBeLessThan(1e-6);
    expect(result.sameTopClass).toBe(true);
  });

  it("rejects one logit moved by 2% of its row's spread, softmax or not", () => {
    const moved = LOGITS.map((row) => [...row]);
    moved[1]![3]! += 0.07; // row 1's spread is 3.5; 0.07 is 2% of it
    const probabilities = compareLogits(rows(LOGITS.map(softmax)), rows(moved.map(softmax)), { classes: 5, softmax: true });
    expect(probabilities.ok).toBe(false);
    expect(probabilities.maxDiff).toBeGreaterThan(0.05);
    const logits = compareLogits(rows(LOGITS), rows(moved), { classes: 5, softmax: false });
    expect(logits.ok).toBe(false);
    expect(logits.maxDiff).toBeCloseTo(0.07, 5);
    expect(logits.tolerance).toBeCloseTo(1e-3 * 3.5 + 1e-4, 8); // the smaller row spread sets it
  });

  it("rejects non-finite outputs and outputs of another size", () => {
    const nan = rows(LOGITS);
    nan[2] = NaN;
    expect(compareLogits(rows(LOGITS), nan, { classes: 5, softmax: false }).ok).toBe(false);
    expect(() => compareLogits(rows(LOGITS), rows([LOGITS[0]!]), { classes: 5, softmax: false })).toThrow(RangeError);
  });
});
