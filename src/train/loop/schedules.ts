/**
 * Learning-rate schedules that compose: each builder returns a plain
 * {@link LearningRateSchedule} function, and {@link warmup} wraps any schedule.
 *
 * @module
 */
import { checkOneOf, checkOptionsObject, describeValue } from "../../util/check.js";
import type { LearningRateSchedule, ScheduleAt } from "./types.js";

/** Whether a schedule counts in epochs or in optimizer steps. */
export type ScheduleUnit = "epoch" | "step";

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** Rate before the first boundary. Default 0.1 (the paper). */
  initial?: number;
  /** Increasing epochs (or steps) at which the rate is multiplied by `factor`. */
  boundaries: number[];
  /** Multiplier at each boundary. Default 0.1 (the paper's "divide by 10"). */
  factor?: number;
  /** Whether `boundaries` count epochs or optimizer steps. Default `"epoch"`. */
  unit?: ScheduleUnit;
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Rate at the start. Default 0.1. */
  initial?: number;
  /** Epochs (or steps) over which the rate falls from `initial` to `final`; it stays at `final` after. */
  total: number;
  /** Rate at the end. Default 0. */
  final?: number;
  /** `"epoch"` changes the rate once per epoch (as PyTorch's CosineAnnealingLR stepped per epoch), `"step"` every step. Default `"epoch"`. */
  unit?: ScheduleUnit;
}

/** Options of {@link warmup}. */
export interface WarmupOptions {
  /** Steps of warm-up; from this step on, the wrapped schedule's rate is used. */
  steps: number;
  /** Rate at step 0. Default 0. */
  from?: number;
  /**
   * `"linear"` (default) rises from `from` to the wrapped schedule's rate over `steps` steps
   * (Goyal et al. 2017); `"constant"` holds `from` for `steps` steps, as the paper does for
   * ResNet-110 (0.01 for about 400 iterations, then 0.1).
   */
  shape?: "linear" | "constant";
}

/**
 * A constant rate.
 *
 * @example
 * ```ts
 * await train(model, data, { optimizer: "adam", learningRate: constant(3e-4) });
 * ```
 * @throws RangeError unless `rate` is a finite number >= 0.
 */
export function constant(rate: number): LearningRateSchedule {
  checkRate("rate", rate);
  return () => rate;
}

/**
 * Piecewise-constant decay: `initial`, multiplied by `factor` at each boundary passed.
 * The paper's CIFAR recipe is 0.1, divided by 10 at 32k and 48k iterations:
 *
 * @example
 * ```ts
 * const paperCifar = stepDecay({ initial: 0.1, boundaries: [32_000, 48_000], unit: "step" });
 * const perEpoch = stepDecay({ initial: 0.1, boundaries: [100, 150] }); // epochs
 * paperCifar({ step: 40_000, epoch: 102, stepsPerEpoch: 391 }); // 0.01
 * ```
 * @throws RangeError or TypeError for bad options.
 */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  checkOptionsObject("options", options);
  const initial = checkRate("initial", options.initial ?? 0.1);
  const factor = checkRate("factor", options.factor ?? 0.1);
  const unit = checkOneOf("unit", options.unit ?? "epoch", ["epoch", "step"] as const);
  const { boundaries } = options;
  if (!Array.isArray(boundaries) || !boundaries.every((b) => Number.isInteger(b) && b > 0)) {
    throw new TypeError(`boundaries must be an array of whole numbers > 0; got ${describeValue(boundaries)}`);
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (boundaries[i]! <= boundaries[i - 1]!) {
      throw new RangeError(`boundaries must increase; got ${describeValue(boundaries)}`);
    }
  }
  const sorted = [...boundaries];
  return (at) => {
    const position = unit === "epoch" ? at.epoch : at.step;
    let passed = 0;
    while (passed < sorted.length && position >= sorted[passed]!) passed++;
    return initial * factor ** passed;
  };
}

/**
 * Cosine decay (Loshchilov and Hutter 2017, without restarts): from `initial` to `final`
 * over `total` epochs or steps, `final + (initial - final) (1 + cos(pi t / total)) / 2`.
 *
 * @example
 * ```ts
 * const schedule = warmup(cosineDecay({ initial: 0.1, total: 200 }), { steps: 500, from: 0 });
 * await train(model, data, { epochs: 200, learningRate: schedule });
 * ```
 * @throws RangeError or TypeError for bad options.
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  checkOptionsObject("options", options);
  const initial = checkRate("initial", options.initial ?? 0.1);
  const final = checkRate("final", options.final ?? 0);
  const unit = checkOneOf("unit", options.unit ?? "epoch", ["epoch", "step"] as const);
  const { total } = options;
  if (typeof total !== "number" || !Number.isInteger(total) || total < 1) {
    const ErrorType = typeof total === "number" ? RangeError : TypeError;
    throw new ErrorType(`total must be an integer >= 1; got ${describeValue(total)}`);
  }
  return (at) => {
    const t = Math.min(unit === "epoch" ? at.epoch : at.step, total);
    return final + ((initial - final) * (1 + Math.cos((Math.PI * t) / total))) / 2;
  };
}

/**
 * Warm-up in front of any schedule: for the first `steps` optimizer steps the rate rises
 * linearly from `from` to the schedule's rate (or, with `shape: "constant"`, stays at
 * `from`); after that the schedule's own rate is used.
 *
 * @example
 * ```ts
 * // The paper's ResNet-110 on CIFAR: 0.01 until about 400 iterations, then 0.1, divided by 10 at 32k and 48k.
 * const resnet110 = warmup(stepDecay({ initial: 0.1, boundaries: [32_000, 48_000], unit: "step" }), {
 *   steps: 400,
 *   from: 0.01,
 *   shape: "constant",
 * });
 * ```
 * @throws RangeError or TypeError for bad options.
 */
export function warmup(schedule: LearningRateSchedule, options: WarmupOptions): LearningRateSchedule {
  if (typeof schedule !== "function") {
    throw new TypeError(`schedule must be a function ({ step, epoch, stepsPerEpoch }) => rate; got ${describeValue(schedule)}`);
  }
  checkOptionsObject("options", options);
  const { steps } = options;
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1) {
    const ErrorType = typeof steps === "number" ? RangeError : TypeError;
    throw new ErrorType(`steps must be an integer >= 1; got ${describeValue(steps)}`);
  }
  const from = checkRate("from", options.from ?? 0);
  const shape = checkOneOf("shape", options.shape ?? "linear", ["linear", "constant"] as const);
  return (at: ScheduleAt) => {
    if (at.step >= steps) return schedule(at);
    if (shape === "constant") return from;
    return from + ((schedule(at) - from) * at.step) / steps;
  };
}

/** Turns the `learningRate` option into a schedule. */
export function toSchedule(learningRate: number | LearningRateSchedule): LearningRateSchedule {
  if (typeof learningRate === "function") return learningRate;
  if (typeof learningRate !== "number") {
    throw new TypeError(
      `learningRate must be a number or a schedule function ({ step, epoch, stepsPerEpoch }) => rate; got ${describeValue(learningRate)}`,
    );
  }
  return constant(learningRate);
}

function checkRate(argument: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    const ErrorType = typeof value === "number" ? RangeError : TypeError;
    throw new ErrorType(`${argument} must be a finite number >= 0; got ${describeValue(value)}`);
  }
  return value;
}
