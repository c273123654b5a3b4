/**
 * Where a run stands, besides its tensors: what a checkpoint's metadata holds. Kept apart
 * from `checkpoint.ts` so that the modules that read or check a position need not import
 * the checkpoint format.
 *
 * @module
 */
import type { HistoryFigures, OptimizerName } from "./types.js";

/** Running sums of the epoch in progress, so a run resumed mid-epoch reports the same figures. */
export interface EpochSums {
  /** Sum over the epoch's images of the cross-entropy. */
  loss: number;
  /** Top-1 hits. */
  top1: number;
  /** Top-5 hits. */
  top5: number;
  /** Images seen. */
  images: number;
  /** Rate of the last step. */
  lr: number;
}

/** Where a run stands, besides its tensors. */
export interface RunPosition {
  /** Epoch in progress (0-based); when `step` is 0, the next epoch to start. */
  epoch: number;
  /** Batches of `epoch` already trained. */
  step: number;
  /** Optimizer steps over the whole run. */
  globalStep: number;
  /** Steps per epoch as known when written (`null` while unknown). */
  stepsPerEpoch: number | null;
  /** Seed of the run's randomness. */
  seed: number;
  /** The optimizer's name. */
  optimizer: OptimizerName;
  /** Batch size of tensor data (`null` for a dataset). */
  batchSize: number | null;
  /** Training images of tensor data (`null` for a dataset). */
  images: number | null;
  /** Momentum of `"sgd"` (`null` for the other optimizers). */
  momentum: number | null;
  /** Figures of completed epochs. */
  history: { epoch: number[]; history: HistoryFigures };
  /** Sums of the epoch in progress. */
  sums: EpochSums;
}
