/**
 * The script each pool worker runs (a Node `worker_threads` worker): it starts its own
 * tfjs WASM backend, builds the model with `resnet(options)`, loads the shared weights and
 * answers `run` requests one at a time. Started by `createPool()`, never imported.
 *
 * @module
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { parentPort } from "node:worker_threads";
import { resnet } from "../../models/resnet.js";
import { isWasmTrap } from "../fuse/wasmFault.js";
import { loadSafetensors } from "../../weights/load.js";
import { saveSafetensors } from "../../weights/save.js";
import { prepareInference, type Inference } from "./inference.js";
import {
  serializeError,
  type BuildRequest,
  type PrepareRequest,
  type RunRequest,
  type WorkerReply,
  type WorkerReplyValues,
  type WorkerRequest,
} from "./protocol.js";

if (parentPort === null) {
  throw new Error("poolWorker is the worker script of resnet-blocks/pool: start it with createPool(), do not import it");
}
const port = parentPort;

let model: tfl.LayersModel | null = null;
let inference: Inference | null = null;

async function build({ model: options, threads }: BuildRequest): Promise<WorkerReplyValues["build"]> {
  if (threads > 1) {
    const { startWasmWithThreads } = await import("../../backend/nodeThreads/index.js");
    await startWasmWithThreads({ threads }); // the worker's own XNNPACK threads; they end with the worker
  } else if (!(await tf.setBackend("wasm"))) {
    throw new Error("the tfjs wasm backend failed to start in the pool worker");
  }
  await tf.ready();
  model = resnet(options);
  return {};
}

function builtModel(): tfl.LayersModel {
  if (model === null) throw new Error("internal: the pool worker got a request before its model was built");
  return model;
}

async function exportWeights(): Promise<WorkerReplyValues["export"]> {
  const bytes = await saveSafetensors(builtModel(), { layout: "native" });
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return { weights: shared };
}

function prepare({ weights, layout }: PrepareRequest): WorkerReplyValues["prepare"] {
  const built = builtModel();
  if (weights !== null) loadSafetensors(built, weights, { layout });
  inference = prepareInference(built);
  // The prepared forward pass holds its own weights; the model's copy is no longer needed.
  built.dispose();
  model = null;
  return {};
}

function run({ input, shape }: RunRequest): { value: WorkerReplyValues["run"]; transfer: ArrayBuffer[] } {
  if (inference === null) throw new Error("internal: the pool worker got a run request before it was prepared");
  const prepared = inference;
  const values = tf.tidy(() => prepared.predict(tf.tensor4d(input, shape, "float32")).dataSync() as Float32Array);
  // Transfer a buffer that holds exactly the outputs.
  const output = values.byteOffset === 0 && values.byteLength === values.buffer.byteLength ? values : values.slice();
  return { value: { output }, transfer: [output.buffer as ArrayBuffer] };
}

async function handle(request: WorkerRequest): Promise<void> {
  let reply: WorkerReply;
  let transfer: ArrayBuffer[] = [];
  try {
    switch (request.op) {
      case "build":
        reply = { id: request.id, ok: true, value: await build(request) };
        break;
      case "export":
        reply = { id: request.id, ok: true, value: await exportWeights() };
        break;
      case "prepare":
        reply = { id: request.id, ok: true, value: prepare(request) };
        break;
      case "memory": {
        const { numTensors, numBytes } = tf.memory();
        reply = { id: request.id, ok: true, value: { numTensors, numBytes } };
        break;
      }
      case "run": {
        const result = run(request);
        reply = { id: request.id, ok: true, value: result.value };
        transfer = result.transfer;
        break;
      }
    }
  } catch (error) {
    // A WebAssembly trap (fuse's explanation wraps it) goes back as the RuntimeError itself: the
    // main thread retires a worker whose WASM memory failed.
    const cause = (error as Error | undefined)?.cause;
    reply = { id: request.id, ok: false, error: serializeError(!isWasmTrap(error) && isWasmTrap(cause) ? cause : error) };
  }
  port.postMessage(reply, transfer);
}

// One request at a time, in arrival order.
let queue: Promise<void> = Promise.resolve();
port.on("message", (request: WorkerRequest) => {
  queue = queue.then(() => handle(request));
});
