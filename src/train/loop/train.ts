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
import type { CheckpointStore, RunPosition } from "./checkpoint.js";
import { evaluate } from "./evaluate.js";
import { disposeOptimizer, makeOptimizer } from "./optimizers.js";
import { prepareData } from "./prepareData.js";
import type { ProgressDisplay } from "./progressBar.js";
import { hashSeed, randomSeed, STREAM, uniformGenerator } from "./random.js";
import { modelShapeOf, outputKindOf, resolveOptions, type ResolvedOptions } from "./resolveOptions.js";
import { appendEpoch, emptyFigures, encodeRun, progressOf, restoreRun, weightsAreFinite, zeroSums } from "./runState.js";
import { isDecayed, trainStep, type StepContext } from "./step.js";
import type { ScheduleAt, StopInfo, TrainData, TrainHistory, TrainOptions } from "./types.js";
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
    const optimizer = makeOptimizer(config.optimizer, 0.1, config.momentum);
    const display = config.progress ? await openProgressBar() : null;
    try {
      return await run(model, training, validation, store, optimizer, config, shape, display);
    } finally {
      display?.close();
      disposeOptimizer(optimizer);
    }
  } finally {
    tf.dispose(owned);
  }
}

async function run(
  model: tfl.LayersModel,
  training: BatchSource,
  validation: BatchSource | null,
  store: CheckpointStore | null,
  optimizer: tf.Optimizer,
  config: ResolvedOptions,
  shape: ModelShape,
  display: ProgressDisplay | null,
): Promise<TrainHistory> {
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
  const batchSize = training.fixedBatchSize ? config.batchSize : null;
  const momentum = config.optimizer === "sgd" ? config.momentum : null;
  const yieldToEventLoop = eventLoopYielder();
  let position: RunPosition = {
    epoch: 0,
    step: 0,
    globalStep: 0,
    stepsPerEpoch: Number.isFinite(training.stepsPerEpoch) ? training.stepsPerEpoch : null,
    seed: config.seed ?? randomSeed(),
    optimizer: config.optimizer,
    batchSize,
    images: training.images,
    momentum,
    history: { epoch: [], history: emptyFigures(validation !== null) },
    sums: zeroSums(),
  };
  if (config.resume && store) {
    const resumed = await restoreRun(store, model, optimizer, { optimizer: config.optimizer, momentum, batchSize, images: training.images, seed: config.seed });
    if (resumed) {
      position = resumed;
      if (!Number.isFinite(training.stepsPerEpoch) && resumed.stepsPerEpoch !== null) training.stepsPerEpoch = resumed.stepsPerEpoch;
    }
  }
  const seed = position.seed;
  const history = position.history;
  const finish = (stopped?: StopInfo): TrainHistory => ({ epoch: history.epoch, history: history.history, seed, ...(stopped ? { stopped } : {}) });
  const save = async () => {
    if (store) await store.write(await encodeRun(model, optimizer, position));
  };
  const stop = async (reason: string, write: boolean): Promise<TrainHistory> => {
    const stopped: StopInfo = { reason, epoch: position.epoch, step: position.step };
    if (write) await save();
    display?.close();
    await config.callbacks.onStop?.(stopped);
    return finish(stopped);
  };

  while (position.epoch < config.epochs) {
    const epoch = position.epoch;
    const startedAt = now();
    let imagesThisSession = 0;
    let stepsThisSession = 0;
    const batches = training.batches(epoch, position.step, config.shuffle ? seed : undefined);
    for (;;) {
      if (config.signal?.aborted) {
        await batches.return(undefined);
        return stop(abortReason(config.signal), true);
      }
      const next = await batches.next();
      if (next.done) break;
      const { x, y } = next.value;
      let lr: number;
      let figures;
      try {
        lr = rateAt(config, { step: position.globalStep, epoch, stepsPerEpoch: training.stepsPerEpoch });
        const input = augmentBatch(x, config, seed, epoch, position.step);
        try {
          figures = await trainStep(context, input, y, lr);
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
        const where = `the loss became NaN or infinite at step ${position.step} of epoch ${epoch} (learning rate ${lr})`;
        if (await weightsAreFinite(model)) return stop(`${where}; training stopped before that step's update`, false);
        const last = store && history.epoch.length > 0 ? `; the checkpoint of epoch ${history.epoch.at(-1)} holds the last finite weights` : "";
        return stop(`${where}: the weights are no longer finite (an earlier update overflowed)${last}`, false);
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
      imagesThisSession += images;
      stepsThisSession++;
      const progress = progressOf(position, config.epochs, training.stepsPerEpoch, imagesThisSession, stepsThisSession, now() - startedAt);
      display?.batch(progress);
      await config.callbacks.onBatchEnd?.(progress);
      // Timers, I/O and signal handlers (Ctrl-C) run here, so an abort takes effect before the next step.
      await yieldToEventLoop();
    }
    if (position.stepsPerEpoch === null && Number.isFinite(training.stepsPerEpoch)) position.stepsPerEpoch = training.stepsPerEpoch;

    const progress = progressOf(position, config.epochs, training.stepsPerEpoch, imagesThisSession, stepsThisSession, now() - startedAt);
    if (validation) {
      const figures = await evaluate(model, validation, {
        classes: shape.classes,
        output: config.output,
        labelSmoothing: config.labelSmoothing,
        normalize: config.augment?.normalize,
      });
      Object.assign(progress, { valLoss: figures.loss, valAcc: figures.acc, valTop5: figures.top5 });
    }
    if (!(await weightsAreFinite(model))) {
      return stop(`the weights became NaN or infinite during epoch ${epoch}; no checkpoint was written for it`, false);
    }
    appendEpoch(history, epoch, progress);
    position.epoch++;
    position.step = 0;
    position.sums = zeroSums();
    await save();
    display?.epochEnd(progress);
    await config.callbacks.onEpochEnd?.(progress);
  }
  return finish();
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
