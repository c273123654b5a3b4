/**
 * `train(model, data, options)`: the paper's training recipe in a loop of our own (not
 * `model.fit`), so that schedules work with every optimizer, randomness is reproducible
 * and resumable, and every epoch can be checkpointed.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { describeValue } from "../../util/check.js";
import { cropFlip, drawCropFlip, normalize } from "./augment.js";
import type { BatchSource } from "./batches.js";
import { evaluate } from "./evaluate.js";
import { disposeOptimizer, makeOptimizer } from "./optimizers.js";
import type { RunPosition } from "./position.js";
import { prepareData } from "./prepareData.js";
import type { ProgressDisplay } from "./progressBar.js";
import { hashSeed, randomSeed, STREAM, uniformGenerator } from "./random.js";
import { modelShapeOf, outputKindOf, resolveOptions, type ResolvedOptions } from "./resolveOptions.js";
import { appendEpoch, emptyFigures, encodeRun, progressOf, readRun, weightsAreFinite, zeroSums, type RunSettings } from "./runState.js";
import { isDecayed, trainStep, type StepContext } from "./step.js";
import type { CheckpointStore, Progress, ScheduleAt, StopInfo, TrainData, TrainHistory, TrainOptions } from "./types.js";
import type { ModelShape } from "./validate.js";
import { eventLoopYielder } from "./yieldToEventLoop.js";

/**
 * Trains a classifier with the paper's recipe by default: SGD with momentum 0.9, weight
 * decay 1e-4 on the kernels (added to the gradient, as in PyTorch), learning rate 0.1
 * (pass a schedule such as {@link stepDecay} to divide it by 10 at given epochs or steps),
 * batch 128, cross-entropy. Batch norm runs in training mode with each layer's own momentum
 * and epsilon (the model's preset).
 *
 * - Data: tensors `{ x, y }` (sparse or one-hot labels), or a tf.data-style dataset of
 *   `{ xs, ys }` batches. Shapes and values (NaN, labels out of range) are checked before
 *   the first step; a bad batch of a dataset fails when it arrives, named.
 * - Randomness (shuffle, augmentation) comes from (seed, epoch, step): the same seed gives
 *   the same run, and a resumed run continues exactly (bit for bit on a deterministic
 *   backend such as cpu).
 * - A checkpoint (weights, optimizer state, position, seed, history) is written after each
 *   epoch and on abort; `resume: true` continues from it.
 * - A loss that becomes NaN or infinite stops the run before that step's update, with
 *   `history.stopped.reason` saying so; weights that become non-finite stop it at the end
 *   of the epoch; no checkpoint is written in either case.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { train, stepDecay } from "resnet-blocks/train";
 *
 * const history = await train(model, { x: images, y: labels }, {
 *   epochs: 160,
 *   learningRate: stepDecay({ initial: 0.1, boundaries: [80, 120] }),
 *   augment: { padCrop: 4, flip: true, normalize: { mean: [0.491, 0.482, 0.447], std: [0.247, 0.243, 0.262] } },
 *   validation: { split: 0.1 },
 *   checkpoint: "runs/resnet20.ckpt",
 *   resume: true,
 *   seed: 1,
 * });
 * console.log(history.history.val_acc);
 * ```
 * @throws TypeError or RangeError for bad options or data, before any step; errors of a
 *   callback or of the checkpoint store are passed on (the run stops).
 */
export async function train(model: tfl.LayersModel, data: TrainData, options: TrainOptions = {}): Promise<TrainHistory> {
  const shape = modelShapeOf(model);
  const config = resolveOptions(options, shape, outputKindOf(model, (options as TrainOptions | undefined)?.output));
  const owned: tf.Tensor[] = [];
  try {
    const { training, validation } = await prepareData(data, options.validation, shape, config.batchSize, owned);
    const store = await openStore(config.checkpoint);
    const display = config.progress ? await openProgressBar() : null;
    try {
      return await run({ model, training, validation, store, config, shape, display });
    } finally {
      display?.close();
    }
  } finally {
    tf.dispose(owned);
  }
}

/** What a run works with, all checked and opened by {@link train}. */
interface RunInputs {
  /** The model trained. */
  model: tfl.LayersModel;
  /** The training batches. */
  training: BatchSource;
  /** The validation batches, if any. */
  validation: BatchSource | null;
  /** Where checkpoints go, if anywhere. */
  store: CheckpointStore | null;
  /** The options, checked. */
  config: ResolvedOptions;
  /** The model's input and output. */
  shape: ModelShape;
  /** The progress bar, if shown. */
  display: ProgressDisplay | null;
}

/** A run under way: its inputs, its optimizer and its position (updated as it goes). */
interface Run extends RunInputs {
  /** Where the run stands; its history and sums are updated in place. */
  position: RunPosition;
  /** The optimizer, owned by {@link run}. */
  optimizer: tf.Optimizer;
  /** What every step needs. */
  context: StepContext;
  /** Lets timers, I/O and signal handlers run between steps. */
  yieldToEventLoop: () => Promise<void>;
}

/** This session's share of an epoch, for the images-per-second and ETA figures. */
interface EpochTiming {
  /** When this session started the epoch, in seconds. */
  startedAt: number;
  /** Images trained on in this session. */
  images: number;
  /** Steps taken in this session. */
  steps: number;
}

/** Starts (or resumes) the run and trains epoch by epoch until the last, or until it stops. */
async function run(inputs: RunInputs): Promise<TrainHistory> {
  const { position, optimizer } = await startRun(inputs);
  try {
    const { model, config, shape } = inputs;
    const trainable = model.trainableWeights;
    const context: StepContext = {
      model,
      trainable,
      decayed: trainable.map((weight) => isDecayed(weight.originalName)),
      optimizer,
      weightDecay: config.weightDecay,
      labelSmoothing: config.labelSmoothing,
      classes: shape.classes,
      output: config.output,
    };
    const state: Run = { ...inputs, position, optimizer, context, yieldToEventLoop: eventLoopYielder() };
    while (position.epoch < config.epochs) {
      const stopped = await runEpoch(state);
      if (stopped) return stopped;
    }
    return finish(state);
  } finally {
    disposeOptimizer(optimizer);
  }
}

/**
 * The run's starting position (a fresh one, or the checkpoint's when resuming) and its
 * optimizer, built with the rate it starts with and, when resuming, holding the
 * checkpoint's state (the checkpoint's weights are loaded into the model too).
 */
async function startRun({ model, training, validation, store, config }: RunInputs): Promise<{ position: RunPosition; optimizer: tf.Optimizer }> {
  const settings: RunSettings = {
    optimizer: config.optimizer,
    momentum: config.optimizer === "sgd" ? config.momentum : null,
    batchSize: training.fixedBatchSize ? config.batchSize : null,
    images: training.images,
    seed: config.seed,
  };
  const fresh: RunPosition = {
    ...settings,
    seed: config.seed ?? randomSeed(),
    epoch: 0,
    step: 0,
    globalStep: 0,
    stepsPerEpoch: training.stepsPerEpoch,
    history: { epoch: [], history: emptyFigures(validation !== null) },
    sums: zeroSums(),
  };
  const resumed = config.resume && store ? await readRun(store, model, settings) : null;
  const position = resumed?.position ?? fresh;
  const optimizer = makeOptimizer(config.optimizer, startingRate(config, position), config.momentum);
  try {
    resumed?.restore(optimizer);
  } catch (error) {
    disposeOptimizer(optimizer);
    throw error;
  }
  return { position, optimizer };
}

/**
 * The rate of the run's next step; for a resumed run with no step left, the rate of its
 * last one (the schedule is not asked about steps that will not run).
 */
function startingRate(config: ResolvedOptions, position: RunPosition): number {
  if (position.epoch < config.epochs) return rateAt(config, scheduleAt(position));
  return position.history.history.lr.at(-1)!;
}

/** Where the schedule is asked for the rate of the position's next step. */
function scheduleAt(position: RunPosition): ScheduleAt {
  return { step: position.globalStep, epoch: position.epoch, stepsPerEpoch: position.stepsPerEpoch ?? Number.NaN };
}

/**
 * One epoch: its training steps, the validation, the check of the weights, the history and
 * the checkpoint, then the callbacks. Returns the run's history when the run stopped in it,
 * `null` when the epoch was completed.
 */
async function runEpoch(run: Run): Promise<TrainHistory | null> {
  const { position, config } = run;
  const epoch = position.epoch;
  const timing: EpochTiming = { startedAt: now(), images: 0, steps: 0 };
  const stopped = await trainEpoch(run, timing);
  if (stopped) return stopped;
  const progress = progressOf(position, config.epochs, timing.images, timing.steps, now() - timing.startedAt);
  if (run.validation) Object.assign(progress, await validate(run, run.validation));
  if (!(await weightsAreFinite(run.model))) {
    return stop(run, `the weights became NaN or infinite during epoch ${epoch}; no checkpoint was written for it`, false);
  }
  appendEpoch(position.history, epoch, progress);
  position.epoch++;
  position.step = 0;
  position.sums = zeroSums();
  await save(run);
  run.display?.epochEnd(progress);
  await config.callbacks.onEpochEnd?.(progress);
  return null;
}

/**
 * The training steps of the epoch in progress, from the position's step to the end of the
 * epoch. Returns the run's history when it stopped (abort, a loss that is not finite),
 * `null` when the epoch's batches ran out.
 */
async function trainEpoch(run: Run, timing: EpochTiming): Promise<TrainHistory | null> {
  const { position, config } = run;
  const epoch = position.epoch;
  const seed = position.seed;
  const batches = run.training.batches(epoch, position.step, config.shuffle ? seed : undefined);
  for (;;) {
    if (config.signal?.aborted) {
      await batches.return(undefined);
      return stop(run, abortReason(config.signal), true);
    }
    const next = await batches.next();
    if (next.done) break;
    const { x, y } = next.value;
    let lr: number;
    let figures;
    try {
      lr = rateAt(config, scheduleAt(position));
      const input = augmentBatch(x, config, seed, epoch, position.step);
      try {
        figures = await trainStep(run.context, input, y, lr);
      } finally {
        input.dispose();
      }
    } catch (error) {
      await batches.return(undefined);
      throw error;
    } finally {
      tf.dispose([x, y]);
    }
    if (figures === null) {
      await batches.return(undefined);
      return stopOnNonFiniteLoss(run, lr);
    }
    const images = x.shape[0];
    const sums = position.sums;
    sums.loss += figures.lossSum;
    sums.top1 += figures.top1;
    sums.top5 += figures.top5;
    sums.images += images;
    sums.lr = lr;
    position.step++;
    position.globalStep++;
    timing.images += images;
    timing.steps++;
    const progress = progressOf(position, config.epochs, timing.images, timing.steps, now() - timing.startedAt);
    run.display?.batch(progress);
    await config.callbacks.onBatchEnd?.(progress);
    // Timers, I/O and signal handlers (Ctrl-C) run here, so an abort takes effect before the next step.
    await run.yieldToEventLoop();
  }
  // The batches ran out: the epoch's length (a dataset's is first known here; kept from then on).
  position.stepsPerEpoch ??= position.step;
  return null;
}

/** Validation figures of the model after an epoch, as {@link Progress} names them. */
async function validate(run: Run, validation: BatchSource): Promise<Pick<Progress, "valLoss" | "valAcc" | "valTop5">> {
  const figures = await evaluate(run.model, validation, {
    classes: run.shape.classes,
    output: run.config.output,
    labelSmoothing: run.config.labelSmoothing,
    normalize: run.config.augment?.normalize,
  });
  return { valLoss: figures.loss, valAcc: figures.acc, valTop5: figures.top5 };
}

/** Stops the run at a step whose loss was NaN or infinite, saying whether the weights still are finite. */
async function stopOnNonFiniteLoss(run: Run, lr: number): Promise<TrainHistory> {
  const { position, store } = run;
  const history = position.history;
  const where = `the loss became NaN or infinite at step ${position.step} of epoch ${position.epoch} (learning rate ${lr})`;
  if (await weightsAreFinite(run.model)) return stop(run, `${where}; training stopped before that step's update`, false);
  const last = store && history.epoch.length > 0 ? `; the checkpoint of epoch ${history.epoch.at(-1)} holds the last finite weights` : "";
  return stop(run, `${where}: the weights are no longer finite (an earlier update overflowed)${last}`, false);
}

/** Stops the run early: writes a checkpoint if asked, closes the bar, calls `onStop`. */
async function stop(run: Run, reason: string, write: boolean): Promise<TrainHistory> {
  const stopped: StopInfo = { reason, epoch: run.position.epoch, step: run.position.step };
  if (write) await save(run);
  run.display?.close();
  await run.config.callbacks.onStop?.(stopped);
  return finish(run, stopped);
}

/** Writes the run's checkpoint, when it has a store. */
async function save(run: Run): Promise<void> {
  if (run.store) await run.store.write(await encodeRun(run.model, run.optimizer, run.position));
}

/** The history {@link train} returns. */
function finish(run: Run, stopped?: StopInfo): TrainHistory {
  const { history, seed } = run.position;
  return { epoch: history.epoch, history: history.history, seed, ...(stopped ? { stopped } : {}) };
}

/** The schedule's rate at `at`, checked: a schedule must return a finite number >= 0. */
function rateAt(config: ResolvedOptions, at: ScheduleAt): number {
  const lr = config.schedule(at);
  if (typeof lr !== "number" || !Number.isFinite(lr) || lr < 0) {
    throw new RangeError(
      `learningRate schedule returned ${describeValue(lr)} at step ${at.step} (epoch ${at.epoch}); a schedule must return a finite number >= 0`,
    );
  }
  return lr;
}

/** Pads, crops, flips and normalises a batch as configured; returns a new float32 tensor. */
function augmentBatch(x: tf.Tensor4D, config: ResolvedOptions, seed: number, epoch: number, step: number): tf.Tensor4D {
  const augment = config.augment;
  return tf.tidy(() => {
    let out = tf.cast(x, "float32") as tf.Tensor4D;
    if (augment && (augment.padCrop > 0 || augment.flip)) {
      const random = uniformGenerator(hashSeed(seed, epoch, step, STREAM.augment));
      out = cropFlip(out, augment.padCrop, drawCropFlip(x.shape[0], augment.padCrop, augment.flip, random));
    }
    if (augment?.normalize) out = normalize(out, augment.normalize);
    return out;
  });
}

async function openStore(checkpoint: CheckpointStore | string | undefined): Promise<CheckpointStore | null> {
  if (checkpoint === undefined) return null;
  if (typeof checkpoint !== "string") {
    if (typeof checkpoint.open === "function") await checkpoint.open();
    return checkpoint;
  }
  const { fileCheckpointStore } = await import("./fileStore.js");
  const store = fileCheckpointStore(checkpoint);
  await store.open();
  return store;
}

async function openProgressBar(): Promise<ProgressDisplay | null> {
  if (typeof process === "undefined" || !process.stdout) return null;
  const { createProgressBar } = await import("./progressBar.js");
  return createProgressBar();
}

function abortReason(signal: AbortSignal): string {
  const reason = signal.reason as unknown;
  const detail = reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "";
  return detail && !/aborted/i.test(detail) ? `aborted: ${detail}` : "aborted";
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() / 1000 : Date.now() / 1000;
}
