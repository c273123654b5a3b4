/**
 * The bookkeeping of a run: its position and history, the figures reported as it goes, and
 * writing it to and restoring it from a checkpoint.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { describeValue } from "../../util/check.js";
import { architectureDifference, architectureOf } from "./architecture.js";
import { encodeCheckpoint, planWeights, readCheckpoint, toTensor, writeWeights } from "./checkpoint.js";
import { captureOptimizerState, checkOptimizerState, restoreOptimizerState } from "./optimizers.js";
import type { EpochSums, RunPosition } from "./position.js";
import type { CheckpointStore, HistoryFigures, OptimizerName, Progress } from "./types.js";

/** The settings of a run that an exact continuation needs the same of. */
export interface RunSettings {
  /** Optimizer name. */
  optimizer: OptimizerName;
  /** Momentum of sgd (`null` for the others). */
  momentum: number | null;
  /** Batch size of tensor data (`null` for a dataset). */
  batchSize: number | null;
  /** Training images of tensor data (`null` for a dataset). */
  images: number | null;
  /** The seed given, if any. */
  seed?: number;
}

/** A checkpoint read and checked against the model, not yet loaded: {@link ResumedRun.restore} loads it. */
export interface ResumedRun {
  /** The run's position. */
  position: RunPosition;
  /**
   * Checks the optimizer state against `optimizer` (a fresh one of the run's kind), then
   * writes the weights into the model and the state into `optimizer`.
   *
   * @throws RangeError when the optimizer state does not fit; nothing is written then.
   */
  restore(optimizer: tf.Optimizer): void;
}

/**
 * Reads the store's checkpoint and checks it against the model; `null` when the store holds
 * none. Everything but the optimizer state is checked here (the file, the run's settings,
 * the architecture, every weight's dtype and shape), the optimizer state by
 * {@link ResumedRun.restore}, before it writes anything, so a checkpoint that does not fit
 * leaves the model and the optimizer as they were. The position comes first so that the
 * optimizer can be built with the rate of the run's next step.
 *
 * @throws RangeError when the checkpoint was written with other settings or for another
 *   model; WeightsFileError when it is not a checkpoint or is corrupt.
 */
export async function readRun(store: CheckpointStore, model: tfl.LayersModel, given: RunSettings): Promise<ResumedRun | null> {
  const bytes = await store.read();
  if (bytes === null) return null;
  const saved = readCheckpoint(bytes);
  const { position } = saved;
  const mismatch = (what: (value: string) => string, saved: unknown, given: unknown, describe = describeValue) =>
    new RangeError(`resume: the checkpoint was written with ${what(describe(saved))}; got ${describe(given)} (an exact continuation needs the same)`);
  const named = (name: string) => (value: string) => `${name} ${value}`;
  if (position.optimizer !== given.optimizer) throw mismatch(named("optimizer"), position.optimizer, given.optimizer);
  if (position.momentum !== given.momentum) throw mismatch(named("momentum"), position.momentum, given.momentum);
  if (position.batchSize !== given.batchSize) throw mismatch(named("batchSize"), position.batchSize, given.batchSize);
  if (position.images !== given.images) throw mismatch((v) => `${v} training images`, position.images, given.images);
  if (given.seed !== undefined && given.seed !== position.seed) throw mismatch(named("seed"), position.seed, given.seed);
  const plan = planWeights(model.weights, saved.weights);
  const difference = architectureDifference(saved.architecture, architectureOf(model));
  if (difference) throw new RangeError(`checkpoint: it was written for another architecture: ${difference}`);
  const restore = (optimizer: tf.Optimizer) => {
    const trainable = model.trainableWeights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
    checkOptimizerState(optimizer, saved.optimizer.tensors, trainable);
    // Everything fits: write.
    writeWeights(plan);
    const state = { iterations: saved.optimizer.iterations, tensors: saved.optimizer.tensors.map((t) => ({ name: t.name, tensor: toTensor(t) })) };
    try {
      restoreOptimizerState(optimizer, state, model.trainableWeights.map((w) => w.name));
    } finally {
      tf.dispose(state.tensors.map((t) => t.tensor));
    }
  };
  return { position, restore };
}

/** The checkpoint of a run at `position`: every model weight, the optimizer's state, the position, the architecture. */
export async function encodeRun(model: tfl.LayersModel, optimizer: tf.Optimizer, position: RunPosition): Promise<Uint8Array> {
  const state = captureOptimizerState(optimizer);
  try {
    return await encodeCheckpoint({
      position,
      weights: model.weights.map((weight) => ({ name: weight.originalName, tensor: weight.read() })),
      optimizer: state,
      architecture: architectureOf(model),
    });
  } finally {
    tf.dispose(state.tensors.map((t) => t.tensor));
  }
}

/** Whether every weight of the model (moving statistics included) is finite: one reduction, one read. */
export async function weightsAreFinite(model: tfl.LayersModel): Promise<boolean> {
  const bad = tf.tidy(() =>
    tf.addN(model.weights.map((weight) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(weight.read())), "float32")))),
  );
  const count = (await bad.data())[0];
  bad.dispose();
  return count === 0;
}

/** The figures reported after a step or an epoch, from the run's running sums and this session's timing. */
export function progressOf(position: RunPosition, epochs: number, images: number, steps: number, seconds: number): Progress {
  const { sums } = position;
  const stepsPerEpoch = position.stepsPerEpoch ?? Number.NaN;
  const secondsPerStep = steps > 0 ? seconds / steps : Number.NaN;
  return {
    epoch: position.epoch,
    epochs,
    step: position.step - 1,
    stepsPerEpoch,
    loss: sums.loss / sums.images,
    acc: sums.top1 / sums.images,
    top5: sums.top5 / sums.images,
    imagesPerSecond: seconds > 0 ? images / seconds : 0,
    etaSeconds: Number.isFinite(stepsPerEpoch) ? (stepsPerEpoch - position.step) * secondsPerStep : Number.NaN,
    lr: sums.lr,
  };
}

/** Adds a finished epoch's figures to the history. */
export function appendEpoch(history: RunPosition["history"], epoch: number, progress: Progress): void {
  const figures = history.history;
  history.epoch.push(epoch);
  figures.loss.push(progress.loss);
  figures.acc.push(progress.acc);
  figures.top5.push(progress.top5);
  figures.lr.push(progress.lr);
  if (progress.valLoss !== undefined) {
    (figures.val_loss ??= []).push(progress.valLoss);
    (figures.val_acc ??= []).push(progress.valAcc!);
    (figures.val_top5 ??= []).push(progress.valTop5!);
  }
}

/** A history with no epoch yet; with empty validation lists when there is validation data. */
export function emptyFigures(withValidation: boolean): HistoryFigures {
  const figures: HistoryFigures = { loss: [], acc: [], top5: [], lr: [] };
  if (withValidation) Object.assign(figures, { val_loss: [], val_acc: [], val_top5: [] });
  return figures;
}

/** Sums of an epoch that has not started. */
export function zeroSums(): EpochSums {
  return { loss: 0, top1: 0, top5: 0, images: 0, lr: Number.NaN };
}
