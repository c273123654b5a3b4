/**
 * `serveModel()`: the worker side of `createWorkerModel`, run by a module of the app that
 * becomes a dedicated Web Worker.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { useBackend } from "../../backend/useBackend.js";
import { resnet } from "../../models/resnet.js";
import { loadSafetensors } from "../../weights/load.js";
import { fuse as fuseModel } from "../fuse/index.js";
import { imagesToValues } from "./pixels.js";
import {
  PROTOCOL,
  serializeError,
  type RunRequest,
  type StartRequest,
  type WorkerModelReply,
  type WorkerModelReplyValues,
  type WorkerModelRequest,
} from "./protocol.js";

/** A prepared forward pass: a fused model, or the model itself. */
interface Runner {
  predict(x: tf.Tensor4D): tf.Tensor;
}

/** The few members of a dedicated worker's global scope that `serveModel` uses. */
interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

let serving = false;

/**
 * Answers a `createWorkerModel` (from `resnet-blocks/worker`) of the main thread: call it once at the top of a
 * module that the app starts as a dedicated Web Worker. The module also imports the
 * backends the worker may use (`import "resnet-blocks/backends/wasm"`): only those are
 * bundled into the worker. Requests are served one at a time, in arrival order; each
 * forward pass runs in `tf.tidy` and leaves no tensor behind.
 *
 * @example
 * ```ts
 * // src/resnet.worker.ts, started by the page with
 * // new Worker(new URL("./resnet.worker.ts", import.meta.url), { type: "module" })
 * import "resnet-blocks/backends/wasm";
 * import { serveModel } from "resnet-blocks/worker/serve";
 *
 * serveModel();
 * ```
 * @throws Error if called outside a dedicated Web Worker, or twice.
 */
export function serveModel(): void {
  const scope = globalThis as unknown as WorkerScope & { document?: unknown; importScripts?: unknown };
  if (typeof scope.importScripts !== "function" || scope.document !== undefined) {
    throw new Error("serveModel() runs in a dedicated Web Worker: call it in the module you pass to new Worker(...), not in the page");
  }
  if (serving) throw new Error("serveModel() was already called in this worker; call it once");
  serving = true;
  let queue: Promise<void> = Promise.resolve();
  scope.addEventListener("message", (event: MessageEvent) => {
    const request = event.data as WorkerModelRequest;
    if (typeof request !== "object" || request === null || request.protocol !== PROTOCOL) return;
    queue = queue.then(() => handle(scope, request));
  });
}

let runner: Runner | null = null;
let inputShape: [number, number, number] | null = null;

async function start(request: StartRequest): Promise<WorkerModelReplyValues["start"]> {
  if (runner !== null) throw new Error("internal: the worker model was already started");
  const backend = await useBackend(request.backend, request.backendOptions);
  const model: tfl.LayersModel = resnet(request.model);
  try {
    if (request.weights !== null) loadSafetensors(model, request.weights, { layout: request.weightsLayout });
    const shape = model.inputs[0]!.shape.slice(1) as [number, number, number];
    const outputShape = (model.outputs[0]!.shape.slice(1) as number[]).map(Number);
    if (request.fuse) {
      runner = fuseModel(model, { warmUp: true }); // holds its own weights
      model.dispose();
    } else {
      runner = { predict: (x) => model.predict(x) as tf.Tensor };
    }
    inputShape = shape;
    return { backend, inputShape: shape, outputShape, fused: request.fuse };
  } catch (error) {
    if (runner === null) model.dispose();
    throw error;
  }
}

async function run({ input }: RunRequest): Promise<{ value: WorkerModelReplyValues["run"]; transfer: Transferable[] }> {
  if (runner === null || inputShape === null) throw new Error("internal: the worker model got a run request before it started");
  const [height, width, channels] = inputShape;
  const values = input.kind === "values" ? input.values : imagesToValues(input.images, height, width);
  const shape: [number, number, number, number] = input.kind === "values" ? input.shape : [input.images.length, height, width, channels];
  const prepared = runner;
  const y = tf.tidy(() => prepared.predict(tf.tensor4d(values, shape, "float32")));
  try {
    const data = (await y.data()) as Float32Array; // async: GPU backends do not block the worker's reads
    // Transfer a buffer that holds exactly the outputs.
    const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
    return { value: { data: owned, shape: y.shape }, transfer: [owned.buffer] };
  } finally {
    y.dispose();
  }
}

async function handle(scope: WorkerScope, request: WorkerModelRequest): Promise<void> {
  let reply: WorkerModelReply;
  let transfer: Transferable[] = [];
  try {
    switch (request.op) {
      case "start":
        reply = { protocol: PROTOCOL, id: request.id, ok: true, value: await start(request) };
        break;
      case "run": {
        const result = await run(request);
        reply = { protocol: PROTOCOL, id: request.id, ok: true, value: result.value };
        transfer = result.transfer;
        break;
      }
      case "memory": {
        const { numTensors, numBytes } = tf.memory();
        reply = { protocol: PROTOCOL, id: request.id, ok: true, value: { numTensors, numBytes } };
        break;
      }
      default:
        throw new Error(`internal: unknown request ${JSON.stringify((request as { op?: unknown }).op)}`);
    }
  } catch (error) {
    reply = { protocol: PROTOCOL, id: request.id, ok: false, error: serializeError(error) };
  }
  scope.postMessage(reply, transfer);
}
