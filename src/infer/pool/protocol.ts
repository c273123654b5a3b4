/**
 * The messages between the pool (main thread) and a pool worker: a small request/response
 * protocol where every request carries an id and gets exactly one reply with that id.
 *
 * @module
 */
import type { ResNetBuildOptions } from "../../models/resnet.js";
import type { WeightLayout } from "../../weights/layouts.js";

/** Builds the model in the worker (wasm backend, random weights for now). */
export interface BuildRequest {
  /** What the worker does. */
  op: "build";
  /** Options of `resnet()`. */
  model: ResNetBuildOptions;
  /** WASM threads of this worker. */
  threads: number;
}

/** Saves the worker's weights (native-layout safetensors) into a new `SharedArrayBuffer`. */
export interface ExportRequest {
  /** What the worker does. */
  op: "export";
}

/** Loads the shared weights (when given) and prepares the model for inference. */
export interface PrepareRequest {
  /** What the worker does. */
  op: "prepare";
  /** Safetensors bytes on a `SharedArrayBuffer`, or `null` to keep the built weights. */
  weights: Uint8Array | null;
  /** How the file names and orders its tensors. */
  layout: WeightLayout;
}

/** Runs a chunk of a batch. */
export interface RunRequest {
  /** What the worker does. */
  op: "run";
  /** NHWC float32 values of `shape` (the buffer is transferred). */
  input: Float32Array;
  /** `[count, height, width, channels]`. */
  shape: [number, number, number, number];
}

/** Reports the worker's `tf.memory()`. */
export interface MemoryRequest {
  /** What the worker does. */
  op: "memory";
}

/** Any request body. */
export type WorkerRequestBody = BuildRequest | ExportRequest | PrepareRequest | RunRequest | MemoryRequest;

/** A request as posted to the worker. */
export type WorkerRequest = WorkerRequestBody & {
  /** Matches the reply to the request. */
  id: number;
};

/** What each request answers with. */
export interface WorkerReplyValues {
  /** Nothing: the model is built. */
  build: Record<string, never>;
  /** The weights, native-layout safetensors bytes on a `SharedArrayBuffer`. */
  export: { weights: Uint8Array };
  /** Nothing: the worker is ready. */
  prepare: Record<string, never>;
  /** The chunk's outputs (the buffer is transferred). */
  run: { output: Float32Array };
  /** The worker's tensors and their bytes. */
  memory: { numTensors: number; numBytes: number };
}

/** An error thrown in the worker, as it crosses the thread boundary. */
export interface SerializedError {
  /** The error's `name` (`Error`, `RangeError`, `WeightsError`, ...). */
  name: string;
  /** The error's message. */
  message: string;
  /** The error's stack in the worker, if any. */
  stack?: string;
}

/** A reply as posted by the worker. */
export type WorkerReply =
  | { id: number; ok: true; value: WorkerReplyValues[keyof WorkerReplyValues] }
  | { id: number; ok: false; error: SerializedError };

/** Turns anything thrown into a {@link SerializedError}. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: "Error", message: String(error) };
}
