/**
 * The types of {@link train}: data, options, progress and history.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/**
 * Images and labels in memory. `x` is `[n, height, width, channels]` float32; `y` is `[n]`
 * class indices (int32, or float32 holding whole numbers) or `[n, classes]` one-hot (or
 * probability) rows.
 */
export interface TensorData {
  /** Images, `[n, height, width, channels]`. */
  x: tf.Tensor4D;
  /** Labels: `[n]` class indices or `[n, classes]` one-hot rows. */
  y: tf.Tensor1D | tf.Tensor2D;
}

/** One batch of a {@link BatchDataset}: images and labels as in {@link TensorData}. */
export interface Batch {
  /** Images, `[batch, height, width, channels]`. */
  xs: tf.Tensor4D;
  /** Labels: `[batch]` class indices or `[batch, classes]` one-hot rows. */
  ys: tf.Tensor;
}

/** An iterator over a dataset's batches (tf.data's `LazyIterator` is one). */
export interface BatchIterator {
  /** The next batch, or `done` at the end of the epoch. */
  next(): Promise<IteratorResult<Batch>>;
}

/**
 * A tf.data-style dataset of batches, as tfjs-layers' `fitDataset` takes (for instance
 * `tf.data.array(...).batch(32)` mapped to `{ xs, ys }`). Each epoch asks for a new
 * iterator and reads it to the end; {@link train} disposes every batch it receives.
 */
export interface BatchDataset {
  /** A fresh iterator over the dataset's batches. */
  iterator(): Promise<BatchIterator>;
}

/** Hold out part of {@link TensorData} for validation. */
export interface ValidationSplit {
  /** Fraction of the images, taken from the end (before shuffling, as Keras does), in (0, 1). */
  split: number;
}

/** What {@link train} learns from: tensors in memory or a dataset of batches. */
export type TrainData = TensorData | BatchDataset;

/** Where a learning-rate schedule is asked for its rate. */
export interface ScheduleAt {
  /** Optimizer step, counted from 0 over the whole run (not reset each epoch). */
  step: number;
  /** Epoch, counted from 0. */
  epoch: number;
  /** Steps per epoch; `NaN` during the first epoch of a dataset whose length is not yet known. */
  stepsPerEpoch: number;
}

/**
 * A learning-rate schedule: the rate of a given optimizer step. It must be a pure function
 * of its argument (resumed runs call it again for the same steps) and return a finite
 * number >= 0. Build one with {@link constant}, {@link stepDecay}, {@link cosineDecay} and
 * {@link warmup}, or write your own.
 */
export type LearningRateSchedule = (at: ScheduleAt) => number;

/** The optimizers {@link train} builds; see {@link TrainOptions.optimizer}. */
export type OptimizerName = "sgd" | "adam" | "rmsprop" | "adagrad" | "adadelta" | "adamax";

/** Per-channel normalisation `(x - mean) / std`. */
export interface NormalizeOptions {
  /** One mean per channel. */
  mean: number[];
  /** One standard deviation per channel, each > 0. */
  std: number[];
}

/** Augmentation of the training batches, done with tensor ops on the backend. */
export interface AugmentOptions {
  /**
   * Zero-pad each side by this many pixels, then crop a random window of the original size
   * (the paper's CIFAR recipe: 4). Default 0 (no crop).
   */
  padCrop?: number;
  /** Flip each image left-right with probability 1/2. Default `false`. */
  flip?: boolean;
  /**
   * Per-channel normalisation, applied after the crop and flip, to the training and the
   * validation batches alike (so feed the model normalised images at inference too).
   */
  normalize?: NormalizeOptions;
}

/** Figures reported after each batch and each epoch, to callbacks and the progress bar. */
export interface Progress {
  /** Epoch, counted from 0 (as Keras does). */
  epoch: number;
  /** Total epochs of the run. */
  epochs: number;
  /** Batch of the epoch that just ended, counted from 0; at the end of an epoch, its last batch. */
  step: number;
  /** Batches per epoch; `NaN` while the first epoch of a dataset of unknown length runs. */
  stepsPerEpoch: number;
  /** Mean cross-entropy of the epoch so far (per image; the weight-decay term is not included). */
  loss: number;
  /** Top-1 accuracy of the epoch so far, 0 to 1. */
  acc: number;
  /** Top-5 accuracy of the epoch so far, 0 to 1. */
  top5: number;
  /** Images per second of the epoch so far (training steps only, validation excluded). */
  imagesPerSecond: number;
  /** Seconds left in the epoch at the current rate; `NaN` when the epoch's length is unknown. */
  etaSeconds: number;
  /** Learning rate of the last step. */
  lr: number;
  /** Validation loss; at the end of an epoch that has validation data. */
  valLoss?: number;
  /** Validation top-1 accuracy; at the end of an epoch that has validation data. */
  valAcc?: number;
  /** Validation top-5 accuracy; at the end of an epoch that has validation data. */
  valTop5?: number;
}

/** Why and where a run stopped before its last epoch. */
export interface StopInfo {
  /** What stopped it: `"aborted"`, or a sentence saying which figure became NaN or infinite. */
  reason: string;
  /** Epoch in which it stopped, from 0. */
  epoch: number;
  /** Batch of that epoch at which it stopped (the batch not trained), from 0. */
  step: number;
}

/** Functions {@link train} calls as it goes; each may return a promise, which is awaited. */
export interface TrainCallbacks {
  /** After each optimizer step. */
  onBatchEnd?(progress: Progress): void | Promise<void>;
  /** After each epoch, validation included. */
  onEpochEnd?(progress: Progress): void | Promise<void>;
  /** When the run stops early (abort, NaN); `history.stopped` holds the same. */
  onStop?(stopped: StopInfo): void | Promise<void>;
}

/**
 * Where checkpoints are kept: the latest one, as bytes. `write` must replace the previous
 * checkpoint atomically (a crash during `write` leaves the previous one readable).
 *
 * @example
 * ```ts
 * // Keep checkpoints in IndexedDB, localStorage, a server... any place that stores bytes:
 * const store: CheckpointStore = {
 *   async read() { return (await idbGet("ckpt")) ?? null; },
 *   async write(bytes) { await idbSet("ckpt", bytes); },
 * };
 * await train(model, data, { epochs: 10, checkpoint: store, resume: true });
 * ```
 */
export interface CheckpointStore {
  /** The latest checkpoint, or `null` if none was written yet. */
  read(): Promise<Uint8Array | null>;
  /** Replaces the checkpoint with `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Optional: called once by {@link train} before the first step, to check that checkpoints
   * can be written (so a bad place fails before any work) and to clean up after killed runs.
   */
  open?(): Promise<void>;
}

/** Options of {@link train}. Every field is optional; the defaults are the paper's CIFAR recipe. */
export interface TrainOptions {
  /** Epochs to train, counted from the start of the run (a resumed run stops at the same total). Default 1. */
  epochs?: number;
  /** Batch size for {@link TensorData} (a dataset brings its own batches). Default 128 (the paper's CIFAR batch). */
  batchSize?: number;
  /** Visit {@link TensorData} in a new random order each epoch (drawn from the seed). Default `true`; a dataset does its own shuffling. */
  shuffle?: boolean;
  /**
   * The optimizer: `"sgd"` (default; momentum {@link TrainOptions.momentum}, as in the
   * paper), or the tfjs optimizers `"adam"`, `"rmsprop"`, `"adagrad"`, `"adadelta"`,
   * `"adamax"` with tfjs's default hyper-parameters.
   */
  optimizer?: OptimizerName;
  /** Momentum of `"sgd"` (PyTorch's form: `v = m v + g; w -= lr v`). Default 0.9. */
  momentum?: number;
  /**
   * A fixed rate or a {@link LearningRateSchedule}. Default 0.1 for sgd (the paper), 1e-3
   * for adam and rmsprop, 2e-3 for adamax, 1e-2 for adagrad, 1 for adadelta.
   */
  learningRate?: number | LearningRateSchedule;
  /**
   * L2 weight decay on the kernels of convolutions and dense layers (weights whose name
   * ends in `kernel`), never on biases or batch-norm gamma and beta. It is added to the
   * gradient, `g += weightDecay * w`, as the paper and PyTorch's optimizers do (for Adam
   * this is L2 regularisation, not AdamW's decoupled decay). Default 1e-4 (the paper).
   */
  weightDecay?: number;
  /** Label smoothing `eps`: targets become `(1 - eps) y + eps / classes`. Default 0. */
  labelSmoothing?: number;
  /** Augmentation of training batches; see {@link AugmentOptions}. Default `false`. */
  augment?: false | AugmentOptions;
  /**
   * Data to validate on after each epoch: tensors, a dataset, or `{ split }` to hold out
   * the last `split` fraction of {@link TensorData} (as Keras does, before shuffling).
   */
  validation?: TensorData | BatchDataset | ValidationSplit;
  /** Stops the run cleanly between two steps; a checkpoint of that point is written when one is configured. */
  signal?: AbortSignal;
  /**
   * Where checkpoints go: a {@link CheckpointStore}, or in Node a file path. One is written
   * after each epoch and when the run is aborted.
   */
  checkpoint?: CheckpointStore | string;
  /** Continue from the checkpoint in {@link TrainOptions.checkpoint} if it holds one. Default `false`. */
  resume?: boolean;
  /** A progress bar per epoch in the terminal (cli-progress): `"auto"` shows it when stdout is a TTY. Default `"auto"`. */
  progress?: "auto" | boolean;
  /** Functions called after each batch, each epoch and on an early stop. */
  callbacks?: TrainCallbacks;
  /**
   * Seed of the shuffling and the augmentation; each step's randomness is derived from
   * (seed, epoch, step), so a resumed run draws the same. Default: a random seed, kept in
   * the checkpoint.
   */
  seed?: number;
  /**
   * What the model outputs: `"probabilities"` (a softmax layer ends it; the loss clips
   * them to [1e-7, 1 - 1e-7] as Keras does) or `"logits"`. Default `"auto"`: probabilities
   * if the last layer's activation is softmax, logits if it is linear.
   */
  output?: "auto" | "probabilities" | "logits";
}

/** Per-epoch figures, as Keras's `History.history`. */
export interface HistoryFigures {
  /** Mean training cross-entropy per epoch. */
  loss: number[];
  /** Training top-1 accuracy per epoch. */
  acc: number[];
  /** Training top-5 accuracy per epoch. */
  top5: number[];
  /** Learning rate of each epoch's last step. */
  lr: number[];
  /** Validation cross-entropy per epoch, when there is validation data. */
  val_loss?: number[];
  /** Validation top-1 accuracy per epoch, when there is validation data. */
  val_acc?: number[];
  /** Validation top-5 accuracy per epoch, when there is validation data. */
  val_top5?: number[];
}

/** What {@link train} returns, like Keras's `History`. */
export interface TrainHistory {
  /** The epochs completed, counted from 0. */
  epoch: number[];
  /** Figures per completed epoch. */
  history: HistoryFigures;
  /** Present when the run stopped before its last epoch. */
  stopped?: StopInfo;
  /** The seed the run used (the one given, or the random one drawn). */
  seed: number;
}
