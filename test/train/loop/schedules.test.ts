import { describe, expect, it } from "vitest";
import { constant, cosineDecay, stepDecay, warmup } from "../../../src/train/loop/schedules.js";

const at = (step: number, epoch = 0, stepsPerEpoch = 391) => ({ step, epoch, stepsPerEpoch });

describe("learning-rate schedules", () => {
  it("stepDecay: the paper's CIFAR recipe, 0.1 divided by 10 at 32k and 48k iterations", () => {
    const schedule = stepDecay({ initial: 0.1, boundaries: [32_000, 48_000], unit: "step" });
    expect(schedule(at(0))).toBe(0.1);
    expect(schedule(at(31_999))).toBe(0.1);
    expect(schedule(at(32_000))).toBeCloseTo(0.01, 15);
    expect(schedule(at(47_999))).toBeCloseTo(0.01, 15);
    expect(schedule(at(48_000))).toBeCloseTo(0.001, 15);
    expect(schedule(at(63_999))).toBeCloseTo(0.001, 15);
  });

  it("stepDecay by epoch ignores the step and uses the defaults 0.1 and factor 0.1", () => {
    const schedule = stepDecay({ boundaries: [2, 5] });
    expect([0, 1, 2, 4, 5, 9].map((epoch) => schedule(at(123_456, epoch)))).toEqual([0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1, 0.1 * 0.1 * 0.1]);
  });

  it("cosineDecay follows final + (initial - final)(1 + cos(pi t / T)) / 2 and stays at final after T", () => {
    const schedule = cosineDecay({ initial: 0.2, final: 0.002, total: 10 });
    for (const epoch of [0, 1, 3, 5, 9, 10, 15]) {
      const t = Math.min(epoch, 10);
      expect(schedule(at(0, epoch))).toBeCloseTo(0.002 + (0.198 * (1 + Math.cos((Math.PI * t) / 10))) / 2, 15);
    }
    expect(schedule(at(0, 5))).toBeCloseTo(0.101, 15); // halfway: the mean of the two ends
    const perStep = cosineDecay({ initial: 1, total: 100, unit: "step" });
    expect(perStep(at(50, 7))).toBeCloseTo(0.5, 15);
  });

  it("warmup: linear rise to the wrapped schedule, then the schedule itself", () => {
    const schedule = warmup(constant(0.1), { steps: 10, from: 0.01 });
    expect(schedule(at(0))).toBeCloseTo(0.01, 15);
    expect(schedule(at(5))).toBeCloseTo(0.01 + (0.09 * 5) / 10, 15);
    expect(schedule(at(10))).toBe(0.1);
    expect(schedule(at(500))).toBe(0.1);
  });

  it("warmup composes with stepDecay: the paper's ResNet-110 (0.01 for 400 iterations, then 0.1, /10 at 32k)", () => {
    const schedule = warmup(stepDecay({ initial: 0.1, boundaries: [32_000, 48_000], unit: "step" }), {
      steps: 400,
      from: 0.01,
      shape: "constant",
    });
    expect([0, 399, 400, 31_999, 32_000].map((step) => schedule(at(step)))).toEqual([0.01, 0.01, 0.1, 0.1, 0.1 * 0.1]);
  });

  it("rejects bad options with the argument, the value and what is accepted", () => {
    expect(() => stepDecay({ boundaries: [5, 3] })).toThrow("boundaries must increase; got [5,3]");
    expect(() => stepDecay({ boundaries: [1.5] })).toThrow(TypeError);
    expect(() => stepDecay({ boundaries: [10], unit: "iteration" as "step" })).toThrow(
      'unit must be one of "epoch", "step"; got "iteration"',
    );
    expect(() => cosineDecay({ total: 0 })).toThrow("total must be an integer >= 1; got 0");
    expect(() => warmup(constant(1), { steps: -1 })).toThrow(RangeError);
    expect(() => warmup(0.1 as never, { steps: 5 })).toThrow("schedule must be a function");
    expect(() => constant(-0.1)).toThrow("rate must be a finite number >= 0; got -0.1");
    expect(() => constant(Number.NaN)).toThrow(RangeError);
  });
});
