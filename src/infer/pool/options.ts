/**
 * The options of `createPool` and the arguments of `predict`, checked in the calling thread
 * so that a mistake fails at the call with the argument, the value and what is accepted.
 *
 * @module
 */
import { availableParallelism } from "node:os";
import type { ResNetBuildOptions } from "../../models/resnet.js";
import { checkInteger, checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../../util/check.js";
import { checkModelOptions } from "../modelOptions.js";
import { WEIGHT_LAYOUTS, type WeightLayout } from "../../weights/layouts.js";
import { MAX_WASM_THREADS } from "../../backend/nodeThreads/options.js";
import { maxImagesPerChunk } from "./memory.js";
import type { ImageShape } from "../../arch/types.js";

/**
 * Options of {@link createPool}.
 *
 * @example
 * ```ts
 * const options: PoolOptions = {
 *   workers: 2,                                     // default: os.availableParallelism()
 *   model: { depth: 50, preset: "torchvision" },    // as resnet(options)
 *   weights: "resnet50-native.safetensors",         // saveSafetensors(model) bytes, or their path
 * };
 * const pool = await createPool(options);
 * ```
 */
export interface PoolOptions {
  /**
   * Number of worker threads, each with its own WASM backend. Default `os.availableParallelism()`.
   * Workers x `threadsPerWorker` above the cores emits a `PoolSizeWarning`; above 4 per core
   * is a RangeError.
   */
  workers?: number;
  /** The model, as for `resnet(options)`. */
  model: ResNetBuildOptions;
  /**
   * Weights, as safetensors in {@link PoolOptions.weightsLayout} (native by default: what
   * `saveSafetensors(model)` writes): the bytes, or a file path. Read once and shared by all workers (one `SharedArrayBuffer`, not a copy
   * per worker). Default: the first worker's initial weights (from `model.seed` when given,
   * random otherwise), shared with the others, so every worker holds the same weights.
   */
  weights?: Uint8Array | ArrayBuffer | SharedArrayBuffer | string;
  /**
   * How the weights file names and orders its tensors, as `loadSafetensors`'s `layout`:
   * `'native'` (default), `'torchvision'` (a torchvision or timm state dict) or `'keras'`.
   */
  weightsLayout?: WeightLayout;
  /**
   * XNNPACK threads of each worker's WASM backend, from 1 to 8 (the threaded backend of
   * `startWasmWithThreads`). Default 1: one thread per worker, the fastest use of the cores
   * for throughput; more threads per worker cut the latency of small batches.
   */
  threadsPerWorker?: number;
}

/** {@link PoolOptions} checked, with defaults filled in. */
export interface ResolvedPoolOptions {
  /** Number of workers. */
  workers: number;
  /** Options of `resnet()`. */
  model: ResNetBuildOptions;
  /** The weights as given (bytes or a path), or `null` to share the first worker's. */
  weights: Uint8Array | ArrayBuffer | SharedArrayBuffer | string | null;
  /** Layout of `weights`. */
  weightsLayout: WeightLayout;
  /** WASM threads per worker. */
  threadsPerWorker: number;
  /** The model's input, `[height, width, channels]`. */
  inputShape: ImageShape;
  /** The model's output per image (no batch dimension). */
  outputShape: readonly number[];
  /** The most images one worker runs at once (its WASM memory); larger requests are cut into more chunks. */
  maxImagesPerChunk: number;
}

const KNOWN_OPTIONS = ["workers", "model", "weights", "weightsLayout", "threadsPerWorker"];

/** Checks the options of `createPool` and fills in the defaults. */
export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  checkOptionsObject("options", options);
  checkKnownKeys(options, KNOWN_OPTIONS, "createPool");
  const workers = checkInteger("options.workers", options.workers ?? availableParallelism(), 1);
  const threadsPerWorker = checkThreads(options.threadsPerWorker ?? 1);
  checkPoolSize(workers, threadsPerWorker);
  const { inputShape, outputShape, maxImagesPerChunk } = modelShapes(options.model);
  const weights = checkWeights(options.weights);
  if (options.weightsLayout !== undefined && weights === null) {
    throw new TypeError("options.weightsLayout applies to options.weights, which is not given");
  }
  const weightsLayout = checkOneOf("options.weightsLayout", options.weightsLayout ?? "native", WEIGHT_LAYOUTS);
  return { workers, model: options.model, weights, weightsLayout, threadsPerWorker, inputShape, outputShape, maxImagesPerChunk };
}

/** Checks `options.model` as `resnet()` would, without building it; returns its input and output shapes. */
function modelShapes(model: unknown): { inputShape: ImageShape; outputShape: readonly number[]; maxImagesPerChunk: number } {
  const spec = checkModelOptions(model);
  const output = spec.layers.find((layer) => layer.name === spec.output)!;
  return { inputShape: spec.options.inputShape, outputShape: output.outputShape, maxImagesPerChunk: maxImagesPerChunk(spec) };
}

/**
 * Refuses more than 4 threads per core (workers x threads per worker) and warns, with a
 * `PoolSizeWarning`, above one per core: every worker holds its own model and WASM heap,
 * so threads beyond the cores add memory and latency, not throughput.
 */
function checkPoolSize(workers: number, threadsPerWorker: number): void {
  const cores = availableParallelism();
  const threads = workers * threadsPerWorker;
  if (threads > 4 * cores) {
    throw new RangeError(
      `options.workers x options.threadsPerWorker must be at most ${4 * cores} (4 per core; os.availableParallelism() is ${cores}): ` +
        `each worker holds its own model and WASM heap, so more add memory, not speed; got ${workers} x ${threadsPerWorker}`,
    );
  }
  if (threads > cores) {
    process.emitWarning(
      `createPool: ${workers} workers x ${threadsPerWorker} thread${threadsPerWorker === 1 ? "" : "s"} on ${cores} cores (os.availableParallelism()): ` +
        `the threads will share cores, which adds memory and latency, not throughput`,
      { type: "PoolSizeWarning" },
    );
  }
}

function checkThreads(threads: unknown): number {
  const accepted = `an integer from 1 to ${MAX_WASM_THREADS} (tfjs-backend-wasm runs at most ${MAX_WASM_THREADS} threads)`;
  if (typeof threads !== "number") throw new TypeError(`options.threadsPerWorker must be ${accepted}; got ${describeValue(threads)}`);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new RangeError(`options.threadsPerWorker must be ${accepted}; got ${describeValue(threads)}`);
  }
  return threads;
}

function checkWeights(weights: unknown): ResolvedPoolOptions["weights"] {
  if (weights === undefined) return null;
  if (typeof weights === "string") {
    if (weights.length === 0) throw new TypeError('options.weights must be safetensors bytes or a file path; got ""');
    return weights;
  }
  if (weights instanceof Uint8Array || weights instanceof ArrayBuffer || weights instanceof SharedArrayBuffer) return weights;
  throw new TypeError(
    `options.weights must be safetensors bytes (a Uint8Array or an ArrayBuffer) or a file path; got ${describeValue(weights)}`,
  );
}

/** Checks the arguments of `predict`; returns the batch size. */
export function checkPredictArguments(input: unknown, shape: unknown, inputShape: ImageShape): number {
  const [height, width, channels] = inputShape;
  const accepted = `[batch, ${height}, ${width}, ${channels}] with batch an integer >= 1 (the model's input is ${height}x${width}x${channels})`;
  if (!Array.isArray(shape)) throw new TypeError(`shape must be ${accepted}; got ${describeValue(shape)}`);
  const valid =
    shape.length === 4 &&
    Number.isInteger(shape[0]) &&
    shape[0] >= 1 &&
    shape[1] === height &&
    shape[2] === width &&
    shape[3] === channels;
  if (!valid) throw new RangeError(`shape must be ${accepted}; got ${describeValue(shape)}`);
  if (!(input instanceof Float32Array)) {
    throw new TypeError(`input must be a Float32Array of NHWC values; got ${describeArray(input)}`);
  }
  const batch = shape[0] as number;
  const needed = batch * height * width * channels;
  if (input.length !== needed) {
    throw new RangeError(
      `input has ${input.length} values; shape ${describeValue(shape)} needs ${batch} x ${height} x ${width} x ${channels} = ${needed}`,
    );
  }
  return batch;
}

function describeArray(value: unknown): string {
  if (ArrayBuffer.isView(value) && "length" in value) return `a ${value.constructor.name} of ${value.length} values`;
  if (Array.isArray(value)) return `an Array of ${value.length} values`;
  return describeValue(value);
}
