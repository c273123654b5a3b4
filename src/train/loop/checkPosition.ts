/**
 * Checks every field of a checkpoint's run position (epoch, step, counters, seed, run
 * settings, history, running sums) before a run resumes from it, so that a corrupt or
 * hand-edited checkpoint fails with the field named instead of resuming into NaN figures.
 *
 * @module
 */
import { describeValue } from "../../util/check.js";
import { WeightsFileError } from "../../weights/errors.js";
import { OPTIMIZER_NAMES } from "./optimizers.js";
import type { RunPosition } from "./position.js";

const FIGURES = ["loss", "acc", "top5", "lr"] as const;
const VALIDATION_FIGURES = ["val_loss", "val_acc", "val_top5"] as const;
const SUMS = ["loss", "top1", "top5", "images"] as const;

/**
 * Returns the position checked (a running rate written as `null`, JSON's NaN, read back as
 * `NaN`).
 *
 * @throws WeightsFileError naming the first field that is missing or impossible.
 */
export function checkPosition(value: unknown): RunPosition {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new WeightsFileError(`checkpoint: position.${field} must be ${expected}; got ${describeValue(got)}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("", "an object", value);
  const p = value as Record<string, unknown>;
  const integer = (field: string, min = 0) => {
    const v = p[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(field, `an integer >= ${min}`, v);
    return v as number;
  };
  const orNull = (field: string, min: number) => (p[field] === null ? null : integer(field, min));
  const epoch = integer("epoch");
  const stepsPerEpoch = orNull("stepsPerEpoch", 1);
  const step = integer("step");
  if (stepsPerEpoch !== null && step > stepsPerEpoch) fail("step", `an integer in 0..${stepsPerEpoch} (${stepsPerEpoch} steps per epoch)`, step);
  if (stepsPerEpoch === null && epoch > 0) fail("stepsPerEpoch", `known after the first epoch (this is epoch ${epoch})`, null);
  const globalStep = integer("globalStep");
  const expectedGlobal = stepsPerEpoch === null ? step : epoch * stepsPerEpoch + step;
  if (globalStep !== expectedGlobal) {
    fail("globalStep", `${expectedGlobal} (epoch ${epoch} of ${stepsPerEpoch ?? "unknown"} steps, step ${step})`, globalStep);
  }
  integer("seed");
  if (!OPTIMIZER_NAMES.includes(p.optimizer as never)) fail("optimizer", `one of ${OPTIMIZER_NAMES.join(", ")}`, p.optimizer);
  const batchSize = orNull("batchSize", 1);
  const images = orNull("images", 1);
  if (batchSize !== null && images !== null && stepsPerEpoch !== null && stepsPerEpoch !== Math.ceil(images / batchSize)) {
    fail("stepsPerEpoch", `${Math.ceil(images / batchSize)} (${images} images in batches of ${batchSize})`, stepsPerEpoch);
  }
  const momentum = p.momentum;
  if (momentum !== null && (typeof momentum !== "number" || !(momentum >= 0 && momentum < 1))) fail("momentum", "a number in [0, 1) or null", momentum);
  checkHistory(p.history, epoch, fail);
  const sums = p.sums as Record<string, unknown> | null | undefined;
  if (typeof sums !== "object" || sums === null) fail("sums", "{ loss, top1, top5, images, lr }", sums);
  for (const key of SUMS) {
    const v = sums![key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) fail(`sums.${key}`, "a finite number >= 0", v);
  }
  const lr = sums!.lr;
  if (lr === null) {
    if (step > 0) fail("sums.lr", `a finite number >= 0 (the rate of step ${step - 1})`, lr);
  } else if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
    fail("sums.lr", "a finite number >= 0, or null before the epoch's first step", lr);
  }
  const position = value as RunPosition;
  if (lr === null) position.sums.lr = Number.NaN;
  return position;
}

function checkHistory(value: unknown, epoch: number, fail: (field: string, expected: string, got: unknown) => never): void {
  const shape = "{ epoch: number[], history: { loss, acc, top5, lr } }";
  if (typeof value !== "object" || value === null) fail("history", shape, value);
  const { epoch: epochs, history: figures } = value as { epoch?: unknown; history?: Record<string, unknown> };
  const expected = Array.from({ length: epoch }, (_, i) => i);
  if (!Array.isArray(epochs) || epochs.length !== epoch || !epochs.every((e, i) => e === i)) {
    fail("history.epoch", `[${expected.join(",")}] (the epochs before epoch ${epoch})`, epochs);
  }
  if (typeof figures !== "object" || figures === null) fail("history.history", "{ loss, acc, top5, lr }", figures);
  const withValidation = VALIDATION_FIGURES.some((key) => figures![key] !== undefined);
  for (const key of [...FIGURES, ...(withValidation ? VALIDATION_FIGURES : [])]) {
    const list = figures![key];
    if (!Array.isArray(list) || list.length !== epoch || !list.every((v) => typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      fail(`history.history.${key}`, `${epoch} finite numbers >= 0 (one per epoch before epoch ${epoch})`, list);
    }
  }
}
