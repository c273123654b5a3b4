/**
 * Checks {@link TrainOptions} and fills in the defaults (the paper's recipe), before any
 * tensor is touched.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkBoolean, checkInteger, checkKnownKeys, checkOneOf, checkOptionsObject, describeShape, describeValue } from "../../util/check.js";
import { resolveAugment } from "./augment.js";
import type { OutputKind } from "./loss.js";
import { DEFAULT_LEARNING_RATE, OPTIMIZER_NAMES } from "./optimizers.js";
import { toSchedule } from "./schedules.js";
import type { CheckpointStore, LearningRateSchedule, NormalizeOptions, OptimizerName, TrainCallbacks, TrainOptions } from "./types.js";
import type { ModelShape } from "./validate.js";

/** {@link TrainOptions} checked, with every default filled in. */
export interface ResolvedOptions {
  /** Epochs of the whole run. */
  epochs: number;
  /** Batch size of tensor data. */
  batchSize: number;
  /** Shuffle tensor data each epoch. */
  shuffle: boolean;
  /** Optimizer name. */
  optimizer: OptimizerName;
  /** Momentum of sgd. */
  momentum: number;
  /** The learning rate as a schedule. */
  schedule: LearningRateSchedule;
  /** L2 weight decay of the kernels. */
  weightDecay: number;
  /** Label smoothing. */
  labelSmoothing: number;
  /** Augmentation with defaults filled in, or none. */
  augment?: { padCrop: number; flip: boolean; normalize?: NormalizeOptions };
  /** Checkpoint store or path. */
  checkpoint?: CheckpointStore | string;
  /** Resume from the checkpoint. */
  resume: boolean;
  /** Show the progress bar ("auto" decided). */
  progress: boolean;
  /** Callbacks. */
  callbacks: TrainCallbacks;
  /** The seed given, if any. */
  seed?: number;
  /** How the model's output is read. */
  output: OutputKind;
  /** Abort signal. */
  signal?: AbortSignal;
}

const OPTION_KEYS = [
  "epochs",
  "batchSize",
  "shuffle",
  "optimizer",
  "momentum",
  "learningRate",
  "weightDecay",
  "labelSmoothing",
  "augment",
  "validation",
  "signal",
  "checkpoint",
  "resume",
  "progress",
  "callbacks",
  "seed",
  "output",
];

/** The model's input and output as {@link train} needs them. */
export function modelShapeOf(model: tfl.LayersModel): ModelShape {
  if (typeof model !== "object" || model === null || typeof (model as tfl.LayersModel).apply !== "function" || !Array.isArray(model.inputs)) {
    throw new TypeError(`model must be a tfjs-layers LayersModel; got ${describeValue(model)}`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TypeError(`model must have one input and one output; it has ${model.inputs.length} and ${model.outputs.length}`);
  }
  const input = model.inputs[0]!.shape;
  const output = model.outputs[0]!.shape;
  if (input.length !== 4 || input[3] == null) {
    throw new TypeError(`model input must be images [batch, height, width, channels] with known channels; got ${describeShape(input as number[])}`);
  }
  if (output.length !== 2 || output[1] == null || output[1] < 1) {
    throw new TypeError(`model output must be class scores [batch, classes]; got ${describeShape(output as number[])}`);
  }
  return { input: [input[1] ?? null, input[2] ?? null, input[3]], classes: output[1] };
}

/**
 * How the model's output is read: probabilities when its last layer ends in a softmax,
 * logits when in a linear activation.
 *
 * @throws TypeError when `output` is `"auto"` and the last activation is neither.
 */
export function outputKindOf(model: tfl.LayersModel, option: unknown): OutputKind {
  const output = checkOneOf("output", option ?? "auto", ["auto", "probabilities", "logits"] as const);
  if (output !== "auto") return output;
  const layer = model.outputLayers[0]!;
  const config = layer.getConfig() as { activation?: unknown };
  if (layer.getClassName() === "Softmax" || config.activation === "softmax") return "probabilities";
  if (config.activation === undefined || config.activation === "linear") return "logits";
  throw new TypeError(
    `output: the model's last layer (${layer.name}) has activation ${describeValue(config.activation)}; cross-entropy needs softmax probabilities or logits: say which with output: "probabilities" or "logits"`,
  );
}

/** Checks the options and fills in the defaults. */
export function resolveOptions(options: TrainOptions, model: ModelShape, modelOutput: OutputKind): ResolvedOptions {
  checkOptionsObject("options", options);
  checkKnownKeys(options, OPTION_KEYS, "train");
  const optimizer = checkOneOf("optimizer", options.optimizer ?? "sgd", OPTIMIZER_NAMES);
  const momentum = checkFraction("momentum", options.momentum ?? 0.9, true);
  if (options.momentum !== undefined && optimizer !== "sgd") {
    throw new TypeError(`momentum applies to optimizer "sgd" only; got optimizer ${JSON.stringify(optimizer)}`);
  }
  const learningRate = options.learningRate ?? DEFAULT_LEARNING_RATE[optimizer];
  if (typeof learningRate === "number" && (!Number.isFinite(learningRate) || learningRate <= 0)) {
    throw new RangeError(`learningRate must be a finite number > 0 or a schedule; got ${describeValue(learningRate)}`);
  }
  const weightDecay = options.weightDecay ?? 1e-4;
  if (typeof weightDecay !== "number" || !Number.isFinite(weightDecay) || weightDecay < 0) {
    throw new RangeError(`weightDecay must be a finite number >= 0 (the paper uses 1e-4); got ${describeValue(weightDecay)}`);
  }
  const progress = options.progress ?? "auto";
  if (progress !== "auto" && typeof progress !== "boolean") {
    throw new TypeError(`progress must be "auto", true or false; got ${describeValue(progress)}`);
  }
  const callbacks = options.callbacks ?? {};
  checkOptionsObject("callbacks", callbacks);
  for (const [key, value] of Object.entries(callbacks)) {
    if (!["onBatchEnd", "onEpochEnd", "onStop"].includes(key)) {
      throw new TypeError(`callbacks.${key} is not a callback of train; accepted: onBatchEnd, onEpochEnd, onStop`);
    }
    if (typeof value !== "function") throw new TypeError(`callbacks.${key} must be a function; got ${describeValue(value)}`);
  }
  const checkpoint = options.checkpoint;
  if (
    checkpoint !== undefined &&
    !(typeof checkpoint === "string" && checkpoint.length > 0) &&
    !(typeof checkpoint === "object" && checkpoint !== null && typeof checkpoint.read === "function" && typeof checkpoint.write === "function")
  ) {
    throw new TypeError(`checkpoint must be a file path or a store { read(), write(bytes) }; got ${describeValue(checkpoint)}`);
  }
  const resume = checkBoolean("resume", options.resume ?? false);
  if (resume && checkpoint === undefined) throw new TypeError("resume: true needs a checkpoint (a file path or a store) to resume from");
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== "object" || signal === null || typeof signal.aborted !== "boolean")) {
    throw new TypeError(`signal must be an AbortSignal; got ${describeValue(signal)}`);
  }
  return {
    epochs: checkInteger("epochs", options.epochs ?? 1, 1),
    batchSize: checkInteger("batchSize", options.batchSize ?? 128, 1),
    shuffle: checkBoolean("shuffle", options.shuffle ?? true),
    optimizer,
    momentum,
    schedule: toSchedule(learningRate),
    weightDecay,
    labelSmoothing: checkFraction("labelSmoothing", options.labelSmoothing ?? 0, true),
    augment: resolveAugment(options.augment, model.input[2]),
    checkpoint,
    resume,
    progress: progress === "auto" ? typeof process !== "undefined" && Boolean(process.stdout?.isTTY) : progress,
    callbacks,
    seed: options.seed === undefined ? undefined : checkInteger("seed", options.seed, 0),
    output: modelOutput,
    signal,
  };
}

function checkFraction(argument: string, value: unknown, allowZero: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value >= 1 || (!allowZero && value === 0)) {
    const ErrorType = typeof value === "number" ? RangeError : TypeError;
    throw new ErrorType(`${argument} must be a number in ${allowZero ? "[0, 1)" : "(0, 1)"}; got ${describeValue(value)}`);
  }
  return value;
}
