/**
 * The training loop of `resnet-blocks/train`: {@link train}, learning-rate schedules,
 * checkpoint stores and the types of its options and history.
 *
 * @module
 */
export { train } from "./train.js";
export { constant, cosineDecay, stepDecay, warmup } from "./schedules.js";
export type { CosineDecayOptions, ScheduleUnit, StepDecayOptions, WarmupOptions } from "./schedules.js";
export { memoryCheckpointStore } from "./checkpoint.js";
export type { MemoryCheckpointStore } from "./checkpoint.js";
export type {
  AugmentOptions,
  Batch,
  BatchDataset,
  BatchIterator,
  CheckpointStore,
  HistoryFigures,
  LearningRateSchedule,
  NormalizeOptions,
  OptimizerName,
  Progress,
  ScheduleAt,
  StopInfo,
  TensorData,
  TrainCallbacks,
  TrainData,
  TrainHistory,
  TrainOptions,
  ValidationSplit,
} from "./types.js";
