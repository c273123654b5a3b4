/**
 * Checkpoints of a training run: where they are kept ({@link CheckpointStore}) and what one
 * holds. A checkpoint is one safetensors file: every weight of the model by name (batch-norm
 * moving statistics included), the optimizer's state, and in the metadata the position of
 * the run (epoch, step), the seed, the run's settings (optimizer, batch size, images), the
 * history, the running sums of the epoch in progress, the model's architecture and a
 * sha256 content hash of all of it. Nothing here touches a file system; {@link fileCheckpointStore} lives in its
 * own module for Node.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { describeShape, describeValue } from "../../util/check.js";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "../../weights/safetensors.js";
import { WeightsFileError } from "../../weights/errors.js";
import { isArchitecture, type ArchitectureLayer } from "./architecture.js";
import { checkPosition } from "./checkPosition.js";
import { Sha256 } from "./sha256.js";
import type { OptimizerState } from "./optimizers.js";
import type { RunPosition } from "./position.js";
import type { CheckpointStore } from "./types.js";

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

/** Everything a checkpoint holds, decoded. */
export interface Checkpoint {
  /** Position, seed, history. */
  position: RunPosition;
  /** Model weights in the model's order, by name (the weight's `originalName`, like `conv1_conv/kernel`). */
  weights: Array<{ name: string; tensor: tf.Tensor }>;
  /** Optimizer state. */
  optimizer: OptimizerState;
  /** The model's architecture (layer classes, graph, output shapes). */
  architecture: ArchitectureLayer[];
}

/** A tensor of a checkpoint as read from the file: its bytes (a view into the file), not yet a tf tensor. */
export interface SavedTensor {
  /** Name (without the `model/` or `optimizer/` prefix). */
  name: string;
  /** `float32` or `int32`. */
  dtype: "float32" | "int32";
  /** Shape. */
  shape: number[];
  /** Little-endian bytes. */
  data: Uint8Array;
}

/** A checkpoint read and checked (format, content hash, every metadata field) with its tensors still bytes. */
export interface SavedCheckpoint {
  /** Position, seed, history: every field checked. */
  position: RunPosition;
  /** Model weights in the order written. */
  weights: SavedTensor[];
  /** Optimizer step count and state tensors. */
  optimizer: { iterations: number; tensors: SavedTensor[] };
  /** The architecture of the model it was written for. */
  architecture: ArchitectureLayer[];
}

const FORMAT = "resnet-blocks/train-checkpoint";
const VERSION = "2";
const MODEL_PREFIX = "model/";
const OPTIMIZER_PREFIX = "optimizer/";
const HASH_KEY = "contentHash";

/** Encodes a checkpoint as safetensors bytes, with a content hash (sha256). Reads the tensors; disposes nothing. */
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
  const metadata: Record<string, string> = {
    format: FORMAT,
    version: VERSION,
    position: JSON.stringify(checkpoint.position),
    weightOrder: JSON.stringify(checkpoint.weights.map((w) => w.name)),
    optimizerIterations: String(checkpoint.optimizer.iterations),
    architecture: JSON.stringify(checkpoint.architecture),
  };
  metadata[HASH_KEY] = contentHash(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

/**
 * The sha256 of a checkpoint's content: every tensor's name, dtype, shape and bytes in file
 * order, then every metadata field but the hash itself, by key.
 */
function contentHash(tensors: readonly SafetensorsTensor[], metadata: Readonly<Record<string, string>>): string {
  const hash = new Sha256();
  for (const t of tensors) hash.update(`${t.name}\n${t.dtype}\n${t.shape.join(",")}\n`).update(t.data);
  for (const key of Object.keys(metadata).sort()) if (key !== HASH_KEY) hash.update(`${key}\n${metadata[key]}\n`);
  return `sha256:${hash.digestHex()}`;
}

/**
 * Reads checkpoint bytes and checks all of it (format and version, content hash, position,
 * weight order, architecture, dtypes) without creating a tensor.
 *
 * @throws WeightsFileError saying what is wrong: not a checkpoint, corrupt (hash), a field
 *   missing or impossible (named), a tensor of another dtype.
 */
export function readCheckpoint(bytes: Uint8Array): SavedCheckpoint {
  const file = decodeSafetensors(bytes);
  const { metadata } = file;
  if (metadata.format !== FORMAT) {
    throw new WeightsFileError(
      `checkpoint: the file is safetensors but not a training checkpoint (metadata format ${JSON.stringify(metadata.format)}, expected ${JSON.stringify(FORMAT)})`,
    );
  }
  if (metadata.version !== VERSION) {
    throw new WeightsFileError(
      `checkpoint: version ${JSON.stringify(metadata.version)} is not supported (this library reads ${VERSION}; a version 1 checkpoint has no content hash or architecture to check it by: start the run anew)`,
    );
  }
  const recorded = metadata[HASH_KEY];
  const actual = contentHash(file.tensors, metadata);
  if (recorded !== actual) {
    throw new WeightsFileError(
      `checkpoint: its content hash does not match its data (sha256 recorded ${recorded === undefined ? "none" : JSON.stringify(recorded)}, computed ${JSON.stringify(actual)}): the file is corrupt`,
    );
  }
  const parse = (key: string): unknown => {
    try {
      return JSON.parse(metadata[key] ?? "");
    } catch {
      throw new WeightsFileError(`checkpoint: its metadata field ${key} is not valid JSON: the file is corrupt`);
    }
  };
  const position = checkPosition(parse("position"));
  const order = parse("weightOrder");
  if (!Array.isArray(order) || !order.every((name) => typeof name === "string")) {
    throw new WeightsFileError(`checkpoint: its weightOrder must be a list of weight names; got ${describeValue(order)}`);
  }
  const architecture = parse("architecture");
  if (!isArchitecture(architecture)) throw new WeightsFileError(`checkpoint: its architecture is not a list of layers; got ${describeValue(architecture)}`);
  const iterations = Number(metadata.optimizerIterations);
  if (!Number.isInteger(iterations) || iterations < 0) {
    throw new WeightsFileError(`checkpoint: optimizerIterations must be an integer >= 0; got ${describeValue(metadata.optimizerIterations)}`);
  }
  const saved = (t: SafetensorsTensor, prefix: string): SavedTensor => {
    const name = t.name.slice(prefix.length);
    if (t.dtype !== "F32" && t.dtype !== "I32") {
      throw new WeightsFileError(`checkpoint: tensor ${JSON.stringify(t.name)} has dtype ${t.dtype}; a checkpoint holds F32 and I32 only`);
    }
    return { name, dtype: t.dtype === "F32" ? "float32" : "int32", shape: t.shape, data: t.data };
  };
  const byName = new Map(file.tensors.filter((t) => t.name.startsWith(MODEL_PREFIX)).map((t) => [t.name, t]));
  if (byName.size !== order.length) {
    throw new WeightsFileError(`checkpoint: it holds ${byName.size} model tensors but lists ${order.length} in weightOrder: the file is corrupt`);
  }
  const weights = order.map((name) => {
    const entry = byName.get(MODEL_PREFIX + name);
    if (!entry) throw new WeightsFileError(`checkpoint: weight ${JSON.stringify(name)} is listed but missing: the file is corrupt`);
    return saved(entry, MODEL_PREFIX);
  });
  const unknown = file.tensors.find((t) => !t.name.startsWith(MODEL_PREFIX) && !t.name.startsWith(OPTIMIZER_PREFIX));
  if (unknown) throw new WeightsFileError(`checkpoint: tensor ${JSON.stringify(unknown.name)} is neither a model weight nor optimizer state`);
  const optimizer = file.tensors.filter((t) => t.name.startsWith(OPTIMIZER_PREFIX)).map((t) => saved(t, OPTIMIZER_PREFIX));
  return { position, weights, optimizer: { iterations, tensors: optimizer }, architecture };
}

/** A tf tensor holding a copy of a saved tensor's bytes. */
export function toTensor(saved: SavedTensor): tf.Tensor {
  const copy = saved.data.slice();
  const values = saved.dtype === "float32" ? new Float32Array(copy.buffer) : new Int32Array(copy.buffer);
  return tf.tensor(values, saved.shape, saved.dtype);
}

/**
 * Decodes checkpoint bytes, checked as {@link readCheckpoint} does. The caller owns (and
 * disposes) the returned tensors.
 *
 * @throws WeightsFileError if the bytes are not a checkpoint of this format, or corrupt.
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const saved = readCheckpoint(bytes);
  return {
    position: saved.position,
    weights: saved.weights.map((w) => ({ name: w.name, tensor: toTensor(w) })),
    optimizer: { iterations: saved.optimizer.iterations, tensors: saved.optimizer.tensors.map((t) => ({ name: t.name, tensor: toTensor(t) })) },
    architecture: saved.architecture,
  };
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
  /** Dtype. */
  dtype: string;
  /** Replaces the value. */
  write(value: tf.Tensor): unknown;
}

/** A model weight and the saved tensor that goes into it. */
export interface WeightAssignment {
  /** The model's weight. */
  weight: ModelWeight;
  /** The checkpoint's tensor for it. */
  saved: SavedTensor;
}

/**
 * Pairs a checkpoint's weights with the model's: by name when every name matches, else by
 * position (a model rebuilt with auto-generated layer names), and checks every dtype and
 * shape. Writes nothing: {@link writeWeights} does, once everything else is checked too.
 *
 * @throws RangeError listing the weights that do not fit.
 */
export function planWeights(weights: readonly ModelWeight[], saved: readonly SavedTensor[]): WeightAssignment[] {
  if (weights.length !== saved.length) {
    throw new RangeError(`checkpoint: it holds ${saved.length} model weights but the model has ${weights.length}: it was written for another model`);
  }
  const savedByName = new Map(saved.map((s) => [s.name, s]));
  const byName = weights.every((w) => savedByName.has(w.originalName));
  const pairs = weights.map((weight, i) => ({ weight, saved: byName ? savedByName.get(weight.originalName)! : saved[i]! }));
  const dtypes = pairs.filter(({ weight, saved }) => weight.dtype !== saved.dtype);
  if (dtypes.length > 0) {
    throw new RangeError(
      `checkpoint: ${dtypes.length} weight dtypes differ from the model's: ${dtypes
        .map(({ weight, saved }) => `weight ${JSON.stringify(saved.name)} is ${saved.dtype} in the checkpoint; the model's is ${weight.dtype}`)
        .join("; ")}`,
    );
  }
  const problems = pairs
    .filter(({ weight, saved }) => !tf.util.arraysEqual(weight.shape as number[], saved.shape))
    .map(({ weight, saved }) => `${weight.originalName}: model ${describeShape(weight.shape as number[])}, checkpoint ${describeShape(saved.shape)}`);
  if (problems.length > 0) {
    throw new RangeError(`checkpoint: ${problems.length} weight shapes differ from the model's (it was written for another model):\n  ${problems.join("\n  ")}`);
  }
  return pairs;
}

/** Writes planned weights into the model (each through a tensor disposed right after). */
export function writeWeights(plan: readonly WeightAssignment[]): void {
  for (const { weight, saved } of plan) {
    const tensor = toTensor(saved);
    try {
      weight.write(tensor);
    } finally {
      tensor.dispose();
    }
  }
}
