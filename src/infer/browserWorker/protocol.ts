/**
 * The messages between a {@link WorkerModel} (main thread) and `serveModel()` (the dedicated
 * Web Worker): every request carries an id and gets exactly one reply with that id. Errors
 * cross the boundary as `resnet-blocks/pool`'s {@link SerializedError}.
 *
 * @module
 */
import type { BackendReport } from "../../backend/types.js";
import type { SerializedError } from "../pool/protocol.js";
import type { ResolvedWorkerModelOptions } from "./options.js";

export { serializeError, type SerializedError } from "../pool/protocol.js";

/**
 * Readies the backend, builds the model, loads the weights (transferred) and, when asked,
 * fuses it: the checked options of `createWorkerModel` less the start's time limit, which the
 * calling thread keeps.
 */
export type StartRequest = { op: "start" } & Omit<ResolvedWorkerModelOptions, "startTimeoutMs">;

/** One input as it crosses to the worker: NHWC float32 values, or images. */
export type WireInput =
  | { kind: "values"; values: Float32Array; shape: [number, number, number, number] }
  | { kind: "images"; images: (ImageBitmap | ImageData)[] };

/** Runs a batch. */
export interface RunRequest {
  /** What the worker does. */
  op: "run";
  /** The batch (its buffers transferred). */
  input: WireInput;
}

/** Reports the worker's `tf.memory()`. */
export interface MemoryRequest {
  /** What the worker does. */
  op: "memory";
}

/** Any request body. */
export type WorkerModelRequestBody = StartRequest | RunRequest | MemoryRequest;

/** A request as posted to the worker. */
export type WorkerModelRequest = WorkerModelRequestBody & {
  /** Always {@link PROTOCOL}: other messages are not for `serveModel`. */
  protocol: typeof PROTOCOL;
  /** Matches the reply to the request. */
  id: number;
};

/** What each request answers with. */
export interface WorkerModelReplyValues {
  /** The backend report and the model's input and output shapes (no batch dimension). */
  start: { backend: BackendReport; inputShape: [number, number, number]; outputShape: number[]; fused: boolean };
  /** The outputs (the buffer is transferred) and their shape, batch first. */
  run: { data: Float32Array; shape: number[] };
  /** The worker's tensors and their bytes. */
  memory: { numTensors: number; numBytes: number };
}

/** A reply as posted by the worker. */
export type WorkerModelReply = { protocol: typeof PROTOCOL; id: number } & (
  | { ok: true; value: WorkerModelReplyValues[keyof WorkerModelReplyValues] }
  | { ok: false; error: SerializedError }
);

/** Marks the worker's messages, so that a page's other messages on the same worker are ignored. */
export const PROTOCOL = "resnet-blocks/worker@1";
