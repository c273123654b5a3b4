/**
 * Checkpoints of a training run: where they are kept ({@link CheckpointStore}) and what one
 * holds. A checkpoint is one safetensors file: every weight of the model by name (batch-norm
 * moving statistics included), the optimizer's state, and in the metadata the position of
 * the run (epoch, step), the seed, the history and the running sums of the epoch in
 * progress. Nothing here touches a file system; {@link fileCheckpointStore} lives in its
 * own module for Node.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "../../weights/safetensors.js";
import { WeightsFileError, formatShape } from "../../weights/errors.js";
import type { OptimizerState } from "./optimizers.js";
import type { HistoryFigures, OptimizerName } from "./types.js";

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
}

/** A {@link CheckpointStore} that keeps the checkpoint in memory. */
export interface MemoryCheckpointStore extends CheckpointStore {
  /** The latest checkpoint written, or `null`. */
  bytes: Uint8Array | null;
}

/**
 * A {@link CheckpointStore} in memory (for tests, or a browser page that keeps the run).
 *
 * @example
 * ```ts
 * const store = memoryCheckpointStore();
 * await train(model, data, { epochs: 2, checkpoint: store });
 * await train(model, data, { epochs: 4, checkpoint: store, resume: true }); // epochs 2 and 3
 * ```
 */
export function memoryCheckpointStore(): MemoryCheckpointStore {
  return {
    bytes: null,
    async read() {
      return this.bytes;
    },
    async write(bytes: Uint8Array) {
      this.bytes = bytes.slice();
    },
  };
}

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
  /** Figures of completed epochs. */
  history: { epoch: number[]; history: HistoryFigures };
  /** Sums of the epoch in progress. */
  sums: EpochSums;
}

/** Everything a checkpoint holds, decoded. */
export interface Checkpoint {
  /** Position, seed, history. */
  position: RunPosition;
  /** Model weights in the model's order, by name (the weight's `originalName`, like `conv1_conv/kernel`). */
  weights: Array<{ name: string; tensor: tf.Tensor }>;
  /** Optimizer state. */
  optimizer: OptimizerState;
}

const FORMAT = "resnet-blocks/train-checkpoint";
const VERSION = "1";
const MODEL_PREFIX = "model/";
const OPTIMIZER_PREFIX = "optimizer/";

/** Encodes a checkpoint as safetensors bytes. Reads the tensors; disposes nothing. */
export async function encodeCheckpoint(checkpoint: Checkpoint): Promise<Uint8Array> {
  const tensors: SafetensorsTensor[] = [];
  const add = async (name: string, tensor: tf.Tensor) => {
    if (tensor.dtype !== "float32" && tensor.dtype !== "int32") {
      throw new TypeError(`checkpoint: tensor ${JSON.stringify(name)} has dtype ${tensor.dtype}; only float32 and int32 are kept`);
    }
    const values = (await tensor.data()) as Float32Array | Int32Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    tensors.push({ name, dtype: tensor.dtype === "float32" ? "F32" : "I32", shape: [...tensor.shape], data: bytes });
  };
  for (const { name, tensor } of checkpoint.weights) await add(MODEL_PREFIX + name, tensor);
  for (const { name, tensor } of checkpoint.optimizer.tensors) await add(OPTIMIZER_PREFIX + name, tensor);
  const metadata = {
    format: FORMAT,
    version: VERSION,
    position: JSON.stringify(checkpoint.position),
    weightOrder: JSON.stringify(checkpoint.weights.map((w) => w.name)),
    optimizerIterations: String(checkpoint.optimizer.iterations),
  };
  return encodeSafetensors(tensors, metadata);
}

/**
 * Decodes checkpoint bytes. The caller owns (and disposes) the returned tensors.
 *
 * @throws WeightsFileError if the bytes are not a checkpoint of this format.
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const file = decodeSafetensors(bytes);
  const { metadata } = file;
  if (metadata.format !== FORMAT) {
    throw new WeightsFileError(
      `checkpoint: the file is safetensors but not a training checkpoint (metadata format ${JSON.stringify(metadata.format)}, expected ${JSON.stringify(FORMAT)})`,
    );
  }
  if (metadata.version !== VERSION) {
    throw new WeightsFileError(`checkpoint: version ${JSON.stringify(metadata.version)} is not supported (this library reads ${VERSION})`);
  }
  let position: RunPosition;
  let order: string[];
  try {
    position = JSON.parse(metadata.position ?? "") as RunPosition;
    order = JSON.parse(metadata.weightOrder ?? "") as string[];
  } catch {
    throw new WeightsFileError("checkpoint: its metadata (position, weightOrder) is not valid JSON: the file is corrupt");
  }
  const counters = ["epoch", "step", "globalStep", "seed"] as const;
  if (
    typeof position !== "object" ||
    position === null ||
    !counters.every((key) => Number.isInteger(position[key])) ||
    !Array.isArray(order) ||
    !order.every((name) => typeof name === "string")
  ) {
    throw new WeightsFileError("checkpoint: its metadata lacks the run's position (epoch, step, globalStep, seed) or the weight order: the file is corrupt");
  }
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const toTensor = (t: SafetensorsTensor): tf.Tensor => {
    const copy = t.data.slice();
    const values = t.dtype === "F32" ? new Float32Array(copy.buffer) : t.dtype === "I32" ? new Int32Array(copy.buffer) : null;
    if (!values) throw new WeightsFileError(`checkpoint: tensor ${JSON.stringify(t.name)} has dtype ${t.dtype}; expected F32 or I32`);
    return tf.tensor(values, t.shape, t.dtype === "F32" ? "float32" : "int32");
  };
  const weights = order.map((name) => {
    const entry = byName.get(MODEL_PREFIX + name);
    if (!entry) throw new WeightsFileError(`checkpoint: weight ${JSON.stringify(name)} is listed but missing: the file is corrupt`);
    return { name, tensor: toTensor(entry) };
  });
  const optimizerTensors = file.tensors
    .filter((t) => t.name.startsWith(OPTIMIZER_PREFIX))
    .map((t) => ({ name: t.name.slice(OPTIMIZER_PREFIX.length), tensor: toTensor(t) }));
  return { position, weights, optimizer: { iterations: Number(metadata.optimizerIterations ?? 0), tensors: optimizerTensors } };
}

/** Disposes a decoded checkpoint's tensors. */
export function disposeCheckpoint(checkpoint: Checkpoint): void {
  for (const { tensor } of checkpoint.weights) tensor.dispose();
  for (const { tensor } of checkpoint.optimizer.tensors) tensor.dispose();
}

/** A model weight as the loop sees it (a tfjs-layers `LayerVariable`). */
export interface ModelWeight {
  /** Name without the uniquifying suffix, like `conv1_conv/kernel`. */
  originalName: string;
  /** Shape. */
  shape: ReadonlyArray<number | null>;
  /** Replaces the value. */
  write(value: tf.Tensor): unknown;
}

/**
 * Writes a checkpoint's weights into the model: by name when every name matches, else by
 * position (a model rebuilt with auto-generated layer names), and in both cases only when
 * every shape agrees; nothing is written otherwise.
 *
 * @throws RangeError listing the weights that do not fit.
 */
export function assignCheckpointWeights(weights: readonly ModelWeight[], saved: Checkpoint["weights"]): void {
  if (weights.length !== saved.length) {
    throw new RangeError(`checkpoint: it holds ${saved.length} model weights but the model has ${weights.length}: it was written for another model`);
  }
  const savedByName = new Map(saved.map((s) => [s.name, s.tensor]));
  const byName = weights.every((w) => savedByName.has(w.originalName));
  const pairs = weights.map((w, i) => ({ weight: w, tensor: byName ? savedByName.get(w.originalName)! : saved[i]!.tensor }));
  const problems = pairs
    .filter(({ weight, tensor }) => !tf.util.arraysEqual(weight.shape as number[], tensor.shape))
    .map(({ weight, tensor }) => `${weight.originalName}: model ${formatShape(weight.shape as number[])}, checkpoint ${formatShape(tensor.shape)}`);
  if (problems.length > 0) {
    throw new RangeError(`checkpoint: ${problems.length} weight shapes differ from the model's (it was written for another model):\n  ${problems.join("\n  ")}`);
  }
  for (const { weight, tensor } of pairs) weight.write(tensor);
}
