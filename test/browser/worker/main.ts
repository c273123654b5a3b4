/// <reference types="vite/client" />
// The test page of resnet-blocks/worker: the same seeded ResNet run on the page's own thread
// and in a dedicated Web Worker, while a timer measures how long the page's thread stalls.
import "resnet-blocks/backends/wasm";
import * as tf from "@tensorflow/tfjs-core";
import { resnet, useBackend } from "resnet-blocks";
import { saveSafetensors } from "resnet-blocks/weights";
import { createWorkerModel, type WorkerModel } from "resnet-blocks/worker";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { BATCH, SIZE, inputValues, modelOptions } from "../page/fixtures.js";

const wasmPaths = {
  "tfjs-backend-wasm.wasm": wasmPlain,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
};

/** How the page's thread fared while `work` ran: the longest gap between ticks of a 4 ms timer. */
export interface Stall {
  longestGapMs: number;
  ticks: number;
  workMs: number;
}

/** Runs `work` while a 4 ms interval timer ticks; the longest gap between ticks is the page's longest stall. */
async function measureStall<T>(work: () => Promise<T>): Promise<{ result: T; stall: Stall }> {
  let last = performance.now();
  let longest = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    ticks++;
  }, 4);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const start = performance.now();
  const result = await work();
  const workMs = performance.now() - start;
  await new Promise((resolve) => setTimeout(resolve, 50));
  clearInterval(timer);
  longest = Math.max(longest, performance.now() - last);
  return { result, stall: { longestGapMs: longest, ticks, workMs } };
}

function newWorker(): Worker {
  return new Worker(new URL("./resnet.worker.ts", import.meta.url), { type: "module" });
}

function describeError(error: unknown): { name: string; message: string; remoteName?: unknown } {
  const e = error as Error & { remoteName?: unknown };
  return { name: e.name, message: e.message, ...(e.remoteName !== undefined ? { remoteName: e.remoteName } : {}) };
}

let weights: Uint8Array | null = null;
let model: WorkerModel | null = null;

const harness = {
  /** ResNet-`depth` (seeded) on the page's thread, wasm; keeps its weights as safetensors for the worker. */
  async mainThread(depth: 18 | 50) {
    const report = await useBackend("wasm", { wasmPaths });
    const net = resnet(modelOptions(depth));
    weights = await saveSafetensors(net);
    const x = tf.tensor4d(inputValues(BATCH, SIZE), [BATCH, SIZE, SIZE, 3]);
    // The first call packs XNNPACK's weights; the stall is measured on the second, as for the worker.
    tf.dispose(net.predict(x) as tf.Tensor);
    const { result, stall } = await measureStall(async () => {
      const y = net.predict(x) as tf.Tensor;
      const values = (await y.data()) as Float32Array;
      y.dispose();
      return values;
    });
    x.dispose();
    net.dispose();
    return { backend: report, stall, logits: Array.from(result), weightBytes: weights.byteLength };
  },

  /** The same network in a worker: the weights (from `mainThread`) transferred, no seed. */
  async startWorker(depth: 18 | 50) {
    if (weights === null) throw new Error("run mainThread first: it makes the weights");
    const { seed: _seed, ...unseeded } = modelOptions(depth);
    const sent = weights;
    model = await createWorkerModel(newWorker(), { model: unseeded, weights: sent, wasmPaths });
    return { backend: model.backend, fused: model.fused, inputShape: model.inputShape, outputShape: model.outputShape, bytesLeftHere: sent.byteLength };
  },

  /** One batch in the worker while the page's timer ticks. */
  async workerRun() {
    const memoryBefore = await model!.memory();
    const { result, stall } = await measureStall(() => model!.predict(inputValues(BATCH, SIZE), [BATCH, SIZE, SIZE, 3]));
    const memoryAfter = await model!.memory();
    return { stall, logits: Array.from(result.data), shape: result.shape, tensorsBefore: memoryBefore.numTensors, tensorsAfter: memoryAfter.numTensors };
  },

  /** The batch's first image as an ImageBitmap and as an ImageData, and as [0, 1] values: the three outputs. */
  async workerImages() {
    const rgba = new Uint8ClampedArray(SIZE * SIZE * 4);
    const values = new Float32Array(SIZE * SIZE * 3);
    for (let p = 0; p < SIZE * SIZE; p++) {
      for (let c = 0; c < 3; c++) {
        const v = (p * 7 + c * 61) % 256;
        rgba[4 * p + c] = v;
        values[3 * p + c] = v / 255;
      }
      rgba[4 * p + 3] = 255;
    }
    const bitmap = await createImageBitmap(new ImageData(rgba.slice(), SIZE, SIZE));
    const fromBitmap = await model!.predict(bitmap);
    const imageData = new ImageData(rgba.slice(), SIZE, SIZE);
    const fromImageData = await model!.predict([imageData]);
    const fromValues = await model!.predict(values, [1, SIZE, SIZE, 3]);
    return {
      bitmap: Array.from(fromBitmap.data),
      imageData: Array.from(fromImageData.data),
      values: Array.from(fromValues.data),
      shape: fromBitmap.shape,
      bitmapClosed: bitmap.width === 0,
      imageDataDetached: imageData.data.byteLength === 0,
      valuesDetached: values.byteLength === 0,
    };
  },

  /** A bad input: the promise rejects at the call, before anything is sent. */
  async badInput() {
    return model!.predict(new ImageData(32, 16)).then(() => null, describeError);
  },

  /** dispose() with a call in flight: that call rejects, the next one too. */
  async disposeWithPending() {
    const pending = model!.predict(inputValues(BATCH, SIZE), [BATCH, SIZE, SIZE, 3]).then(() => null, describeError);
    model!.dispose();
    const after = await model!.predict(inputValues(1, SIZE), [1, SIZE, SIZE, 3]).then(() => null, describeError);
    return { pending: await pending, after, disposed: model!.disposed };
  },

  /** Weights that are not safetensors: the worker's WeightsFileError, as a WorkerModelError. */
  async badWeights() {
    const { seed: _seed, ...unseeded } = modelOptions(18);
    return createWorkerModel(newWorker(), { model: unseeded, weights: new Uint8Array([1, 2, 3]), wasmPaths }).then(
      (m) => (m.dispose(), null),
      describeError,
    );
  },

  /** A worker that never calls serveModel(): the start's time limit. */
  async silentWorker(ms: number) {
    const url = URL.createObjectURL(new Blob(["// never answers"], { type: "text/javascript" }));
    return createWorkerModel(new Worker(url, { type: "module" }), { model: { depth: 18 }, startTimeoutMs: ms }).then(
      (m) => (m.dispose(), null),
      describeError,
    );
  },

  /** A worker script that fails to load (404). */
  async missingScript() {
    return createWorkerModel(new Worker(new URL("./no-such-worker.js", location.href), { type: "module" }), { model: { depth: 18 } }).then(
      (m) => (m.dispose(), null),
      describeError,
    );
  },
};

declare global {
  interface Window {
    workerHarness: typeof harness;
  }
}
window.workerHarness = harness;
document.getElementById("status")!.textContent = "ready";
