// The threaded WASM backend in this process: thread count, outputs against the single-threaded
// WASM backend and the cpu backend, no tensor leaks, every override restored, temporary
// files gone and worker threads terminated after dispose.
import { BackendWasm, getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWasmWithThreads, type WasmThreads } from "../../../src/backend/nodeThreads/index.js";
import { TEMP_FOLDER_PREFIX } from "../../../src/backend/nodeThreads/pthreadScripts.js";
import { resnet } from "../../../src/models/resnet.js";
import { relativeError } from "../../helpers/relativeError.js";
import { fuse } from "../../../src/infer/fuse/index.js";
import { expectNoLeak, perturbWeights, useTestBackend } from "../../helpers/tf.js";

const THREADS = 2;
const FLAG = "WASM_HAS_MULTITHREAD_SUPPORT";

// The threaded backend runs the same XNNPACK kernels as tfjs's single-threaded one and only
// splits the outputs between threads: each output sums its terms in the same order, and
// WebAssembly's float arithmetic is deterministic (no FMA in SIMD128), so the outputs must
// be identical. The cpu backend sums in another order (up to 3*3*512 terms a convolution,
// twenty layers deep; measured 1.4e-6 of the logits' largest magnitude): allow 1e-5.
const SAME_KERNELS = 0;
const OTHER_BACKEND = 1e-5;

interface Arrays {
  values: Float32Array;
  shape: number[];
}
interface Outputs {
  conv: Float32Array;
  net: Float32Array;
}

const modelOptions = { depth: 18, inputShape: [64, 64, 3], classes: 10, classifierActivation: "linear", seed: 3 } as const;

function arrays(t: tf.Tensor): Arrays {
  return { values: t.dataSync() as Float32Array, shape: t.shape };
}

function randomArrays(shape: number[], std: number, seed: number): Arrays {
  const t = tf.randomNormal(shape, 0, std, "float32", seed);
  const result = arrays(t);
  t.dispose();
  return result;
}

/** A fused 3x3 convolution (bias, relu) and ResNet-18 at 64x64 with the given weights, on the active backend. */
async function run(weights: Arrays[], inputs: { image: Arrays; conv: Arrays[] }): Promise<Outputs> {
  const model = resnet(modelOptions) as tfl.LayersModel;
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(tensors);
  tf.dispose(tensors);
  const [x, filter, bias] = inputs.conv.map((a) => tf.tensor(a.values, a.shape));
  const image = tf.tensor(inputs.image.values, inputs.image.shape);
  const conv = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: "same", bias, activation: "relu" });
  const logits = model.predict(image) as tf.Tensor;
  const outputs = { conv: (await conv.data()) as Float32Array, net: (await logits.data()) as Float32Array };
  tf.dispose([x!, filter!, bias!, image, conv, logits]);
  model.dispose();
  return outputs;
}

describe("startWasmWithThreads in Node", () => {
  let weights: Arrays[];
  let inputs: { image: Arrays; conv: Arrays[] };
  const reference: Partial<Record<"cpu" | "wasm", Outputs>> = {};
  let tmp: string;
  const savedTmpdir = process.env.TMPDIR;

  // What the start may touch, as it was before.
  let before: {
    cpus: typeof os.cpus;
    createObjectURL: typeof URL.createObjectURL;
    blob: PropertyDescriptor | undefined;
    hasWorker: boolean;
    flag: unknown;
    factory: unknown;
    listeners: { uncaught: Function[]; unhandled: Function[] };
    tensors: number;
  };
  let wasm: WasmThreads;
  let workers: Worker[];

  beforeAll(async () => {
    tmp = mkdtempSync(join(os.tmpdir(), "threads-test-"));
    process.env.TMPDIR = tmp; // os.tmpdir() follows it: the start's temporary folder lands here
    expect(os.tmpdir()).toBe(tmp);

    await useTestBackend("cpu");
    const model = resnet(modelOptions) as tfl.LayersModel;
    perturbWeights(model, 11);
    weights = model.getWeights().map(arrays);
    model.dispose();
    inputs = {
      image: randomArrays([2, 64, 64, 3], 1, 1),
      conv: [randomArrays([2, 28, 28, 32], 1, 2), randomArrays([3, 3, 32, 48], 0.1, 3), randomArrays([48], 0.1, 4)],
    };
    reference.cpu = await run(weights, inputs);
    await useTestBackend("wasm"); // tfjs's own single-threaded backend
    reference.wasm = await run(weights, inputs);
    await useTestBackend("cpu"); // the start replaces the idle single-threaded backend; dispose returns to cpu
  });

  afterAll(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(tmp, { recursive: true, force: true });
  });

  it("runs the requested threads on the threaded binary, as the active 'wasm' backend", async () => {
    expect(tf.engine().registry.wasm).toBeDefined(); // the single-threaded one, idle
    before = {
      cpus: os.cpus,
      createObjectURL: URL.createObjectURL,
      blob: Object.getOwnPropertyDescriptor(globalThis, "Blob"),
      hasWorker: "Worker" in globalThis,
      flag: tf.env().getFlags()[FLAG],
      factory: tf.engine().registryFactory.wasm?.factory,
      listeners: { uncaught: process.rawListeners("uncaughtException"), unhandled: process.rawListeners("unhandledRejection") },
      tensors: tf.memory().numTensors,
    };
    expect(before.flag).toBe(false); // tfjs evaluated it for the single-threaded start: no threads in Node

    const starting = startWasmWithThreads({ threads: THREADS });
    await expect(startWasmWithThreads({ threads: THREADS })).rejects.toThrow(/is already starting: await that start/);
    wasm = await starting;
    expect(wasm.threads).toBe(THREADS);
    expect(getThreadsCount()).toBe(THREADS);
    expect(tf.getBackend()).toBe("wasm");
    const backend = tf.backend() as BackendWasm;
    expect(backend).toBeInstanceOf(BackendWasm);
    const module = backend.wasm as unknown as { HEAPU8: Uint8Array; PThread: { unusedWorkers: Worker[]; runningWorkers: Worker[] } };
    expect(module.HEAPU8.buffer).toBeInstanceOf(SharedArrayBuffer); // the threaded binary's shared memory
    // XNNPACK's pool: the calling thread plus THREADS - 1 pthreads, each running in a worker.
    expect(module.PThread.runningWorkers).toHaveLength(THREADS - 1);
    workers = [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers];
    expect(workers.every((worker) => worker.threadId > 0)).toBe(true);
  });

  it("restores every override and deletes its temporary files once started", () => {
    expect(os.cpus).toBe(before.cpus);
    expect(os.cpus().length).toBe(before.cpus().length);
    expect(URL.createObjectURL).toBe(before.createObjectURL);
    expect(Object.getOwnPropertyDescriptor(globalThis, "Blob")).toEqual(before.blob);
    expect("Worker" in globalThis).toBe(before.hasWorker);
    expect(tf.env().getFlags()[FLAG]).toBe(before.flag);
    expect(readdirSync(tmp).filter((name) => name.startsWith(TEMP_FOLDER_PREFIX))).toEqual([]);
    // The single-threaded backend was disposed without losing anyone's process listeners.
    expect(process.rawListeners("uncaughtException")).toEqual(expect.arrayContaining(before.listeners.uncaught));
    expect(process.rawListeners("unhandledRejection")).toEqual(expect.arrayContaining(before.listeners.unhandled));
  });

  it("gives the single-threaded backend's outputs exactly, and the cpu backend's within 1e-5, leaking no tensor", async () => {
    const threaded = await expectNoLeak(() => run(weights, inputs));
    for (const key of ["conv", "net"] as const) {
      expect(relativeError(threaded[key], reference.wasm![key]), `${key} vs single-threaded wasm`).toBeLessThanOrEqual(SAME_KERNELS);
      expect(relativeError(threaded[key], reference.cpu![key]), `${key} vs cpu`).toBeLessThanOrEqual(OTHER_BACKEND);
    }
    expect(tf.getBackend()).toBe("wasm");
  });

  it("refuses a second start while the first is active", async () => {
    await expect(startWasmWithThreads({ threads: 1 })).rejects.toThrow(/already runs with 2 threads: await dispose\(\)/);
    expect(tf.backend()).toBeInstanceOf(BackendWasm);
    expect(getThreadsCount()).toBe(THREADS);
  });

  it("fuse keeps tfjs's multi-threaded convolutions here: 'auto' picks them, 'resnet-blocks' says why not", () => {
    const model = resnet(modelOptions) as tfl.LayersModel;
    const fused = fuse(model);
    expect(fused.kernels).toBe("tfjs");
    fused.dispose();
    expect(() => fuse(model, { kernels: "resnet-blocks" })).toThrow(/the WASM backend runs threads/);
    model.dispose();
  });

  it("dispose terminates the workers and puts tfjs back: own 'wasm' factory, previous backend, listeners", async () => {
    await wasm.dispose();
    expect(workers.every((worker) => worker.threadId === -1)).toBe(true); // -1: the thread has exited
    expect(tf.engine().registryFactory.wasm?.factory).toBe(before.factory);
    expect(tf.engine().registry.wasm).toBeUndefined();
    expect(tf.getBackend()).toBe("cpu");
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(process.rawListeners("uncaughtException")).toEqual(before.listeners.uncaught);
    expect(process.rawListeners("unhandledRejection")).toEqual(before.listeners.unhandled);
    expect(os.cpus).toBe(before.cpus);
    expect(URL.createObjectURL).toBe(before.createObjectURL);
    expect("Worker" in globalThis).toBe(before.hasWorker);
    expect(tf.env().getFlags()[FLAG]).toBe(before.flag);
    expect(readdirSync(tmp).filter((name) => name.startsWith(TEMP_FOLDER_PREFIX))).toEqual([]);
    await wasm.dispose(); // a second call does nothing
    expect(tf.getBackend()).toBe("cpu");
  });

  it("refuses to restart a single-threaded backend that holds tensors, leaving it running", async () => {
    await useTestBackend("wasm");
    const kept = tf.tensor([1, 2, 3]);
    await expect(startWasmWithThreads({ threads: THREADS })).rejects.toThrow(/holds 1 tensor, which restarting it with threads would lose/);
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.engine().registryFactory.wasm?.factory).toBe(before.factory);
    expect(Array.from(await kept.data())).toEqual([1, 2, 3]);
    kept.dispose();
  });
});
