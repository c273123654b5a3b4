/**
 * The runtimes the inference bench compares ("peers"), each started from the same weights
 * file (tfjs rows) or the ONNX graph exported from them (onnxruntime rows). Every runtime is
 * imported dynamically, so that a child process loads only the one it measures, and a row
 * whose module is not written yet reports "n/a" instead of failing the bench.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { ResNetBuildOptions } from "../../src/models/resnet.js";

/** Identifiers of the bench rows, in table order. */
export const PEER_IDS = [
  "tfjs",
  "fuse",
  "fuse-rb",
  "tfjs-2t",
  "fuse-2t",
  "pool",
  "ort-web-1t",
  "ort-web-2t",
  "ort-node-1t",
  "ort-node-2t",
] as const;

/** One bench row's identifier. */
export type PeerId = (typeof PEER_IDS)[number];

/** What the table says about each row: its label, the threads it asks for, and its ort-web match. */
export const PEER_INFO: Readonly<Record<PeerId, { label: string; threads: number; ortWeb: PeerId }>> = {
  tfjs: { label: "tfjs-layers predict (wasm)", threads: 1, ortWeb: "ort-web-1t" },
  fuse: { label: "fuse, tfjs kernels (wasm)", threads: 1, ortWeb: "ort-web-1t" },
  "fuse-rb": { label: "fuse, resnet-blocks kernel (wasm, relaxed SIMD)", threads: 1, ortWeb: "ort-web-1t" },
  "tfjs-2t": { label: "tfjs-layers predict (wasm, startWasmWithThreads)", threads: 2, ortWeb: "ort-web-2t" },
  "fuse-2t": { label: "fuse, tfjs kernels (wasm, startWasmWithThreads)", threads: 2, ortWeb: "ort-web-2t" },
  pool: { label: "createPool, 2 workers x 1 thread (resnet-blocks kernel)", threads: 2, ortWeb: "ort-web-2t" },
  "ort-web-1t": { label: "onnxruntime-web (wasm)", threads: 1, ortWeb: "ort-web-1t" },
  "ort-web-2t": { label: "onnxruntime-web (wasm)", threads: 2, ortWeb: "ort-web-2t" },
  "ort-node-1t": { label: "onnxruntime-node (cpu)", threads: 1, ortWeb: "ort-web-1t" },
  "ort-node-2t": { label: "onnxruntime-node (cpu)", threads: 2, ortWeb: "ort-web-2t" },
};

/** Everything a child process needs to start one peer. */
export interface PeerJob {
  /** Which row. */
  peer: PeerId;
  /** Options of `resnet()` (the tfjs rows and the pool build the model from these). */
  model: ResNetBuildOptions;
  /** Native-layout safetensors file with the weights. */
  weightsPath: string;
  /** The ONNX graph exported from the same model (input NCHW). */
  onnxPath: string;
  /** Name of the ONNX graph's input. */
  onnxInput: string;
  /** Name of the ONNX graph's output (the model's output, same values as tfjs's). */
  onnxOutput: string;
}

/** A started peer. */
export interface RunningPeer {
  /** Runs one forward pass on `images` NHWC float32 of shape `[batch, h, w, c]`, returns the outputs. */
  run(batch: number): Promise<Float32Array>;
  /** Releases the runtime. */
  close(): Promise<void>;
  /** Threads the runtime says it started, where it says. */
  threadsReported?: number;
}

/** Thrown when a row's module does not exist yet (or lacks its export): the row prints "n/a (reason)". */
export class PeerUnavailable extends Error {
  override name = "PeerUnavailable";
}

/**
 * Starts `job.peer` with the given input images (NHWC, the largest batch; smaller batches
 * use the first images). The inputs of every batch size are prepared here, outside the
 * timed calls (onnxruntime's NCHW copy included).
 */
export async function startPeer(job: PeerJob, images: Float32Array, batches: readonly number[]): Promise<RunningPeer> {
  const [h, w, c] = job.model.inputShape ?? [224, 224, 3];
  const perImage = h * w * c;
  const nhwc = (batch: number) => images.subarray(0, batch * perImage);
  switch (job.peer) {
    case "tfjs":
    case "fuse":
    case "fuse-rb":
    case "tfjs-2t":
    case "fuse-2t":
      return startTfjs(job, nhwc, batches, [h, w, c]);
    case "pool":
      return startPool(job, nhwc, [h, w, c]);
    case "ort-web-1t":
    case "ort-web-2t":
    case "ort-node-1t":
    case "ort-node-2t":
      return startOrt(job, nhwc, batches, [h, w, c]);
  }
}

async function importOptional<T>(specifier: string, exportName: string, owner: string): Promise<T> {
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || /Cannot find module/.test(String(error))) {
      throw new PeerUnavailable(`${owner} not written yet`);
    }
    throw error;
  }
  if (typeof module[exportName] !== "function") throw new PeerUnavailable(`${owner} has no export ${exportName} yet`);
  return module[exportName] as T;
}

type Shape3 = [number, number, number];

async function startTfjs(job: PeerJob, nhwc: (batch: number) => Float32Array, batches: readonly number[], [h, w, c]: Shape3): Promise<RunningPeer> {
  const fused = job.peer === "fuse" || job.peer === "fuse-rb" || job.peer === "fuse-2t";
  const threaded = job.peer === "tfjs-2t" || job.peer === "fuse-2t";
  // Resolve the optional modules first, so that a missing one costs no model build.
  type Fuse = (model: unknown, options: { kernels: string }) => { predict(x: unknown): unknown; dispose(): void };
  type StartThreads = (options: { threads: number }) => Promise<{ threads: number; dispose(): Promise<void> }>;
  const fuse = fused ? await importOptional<Fuse>("../../src/infer/fuse/index.js", "fuse", "src/infer/fuse (H4)") : undefined;
  const startThreads = threaded
    ? await importOptional<StartThreads>("../../src/backend/nodeThreads/index.js", "startWasmWithThreads", "src/backend/nodeThreads")
    : undefined;

  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-wasm");
  tf.env().set("IS_TEST", true); // no "install tfjs-node" banner
  let threads: { threads: number; dispose(): Promise<void> } | undefined;
  if (startThreads) {
    threads = await startThreads({ threads: 2 });
  } else if (!(await tf.setBackend("wasm"))) {
    throw new Error("could not start the tfjs wasm backend");
  }
  if (tf.getBackend() !== "wasm") throw new Error(`expected the wasm backend; tfjs runs ${tf.getBackend()}`);

  const { resnet } = await import("../../src/models/resnet.js");
  const { loadSafetensors } = await import("../../src/weights/index.js");
  const model = resnet(job.model);
  loadSafetensors(model, readFileSync(job.weightsPath));
  const fusedModel = fuse?.(model, { kernels: job.peer === "fuse-rb" ? "resnet-blocks" : "tfjs" });
  const inputs = new Map(batches.map((batch) => [batch, tf.tensor4d(nhwc(batch), [batch, h, w, c])]));
  return {
    threadsReported: threads?.threads,
    async run(batch) {
      const x = inputs.get(batch)!;
      const y = (fusedModel ? fusedModel.predict(x) : model.predict(x)) as InstanceType<typeof tf.Tensor>;
      const values = (await y.data()) as Float32Array;
      y.dispose();
      return values;
    },
    async close() {
      inputs.forEach((x) => x.dispose());
      fusedModel?.dispose();
      model.dispose();
      await threads?.dispose();
    },
  };
}

async function startPool(job: PeerJob, nhwc: (batch: number) => Float32Array, [h, w, c]: Shape3): Promise<RunningPeer> {
  type Pool = { predict(input: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>; close(): Promise<void>; workers: number };
  type CreatePool = (options: { workers: number; model: ResNetBuildOptions; weights: string }) => Promise<Pool>;
  const createPool = await importOptional<CreatePool>("../../src/infer/pool/index.js", "createPool", "src/infer/pool (H5)");
  const pool = await createPool({ workers: 2, model: job.model, weights: job.weightsPath });
  return {
    threadsReported: pool.workers,
    run: (batch) => pool.predict(nhwc(batch), [batch, h, w, c]),
    close: () => pool.close(),
  };
}

async function startOrt(job: PeerJob, nhwc: (batch: number) => Float32Array, batches: readonly number[], [h, w, c]: Shape3): Promise<RunningPeer> {
  const threads = job.peer.endsWith("2t") ? 2 : 1;
  const web = job.peer.startsWith("ort-web");
  const ort = web ? await import("onnxruntime-web") : await import("onnxruntime-node");
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  if (web) {
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    session = await ort.InferenceSession.create(readFileSync(job.onnxPath), { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  } else {
    session = await ort.InferenceSession.create(job.onnxPath, {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
    });
  }
  // The graph takes NCHW: transpose each batch once, here, outside the timed calls.
  const inputs = new Map(batches.map((batch) => [batch, new ort.Tensor("float32", nhwcToNchw(nhwc(batch), batch, h, w, c), [batch, c, h, w])]));
  return {
    threadsReported: web ? ort.env.wasm.numThreads : undefined,
    async run(batch) {
      const outputs = await session.run({ [job.onnxInput]: inputs.get(batch)! }, [job.onnxOutput]);
      return outputs[job.onnxOutput]!.data as Float32Array;
    },
    close: () => session.release(),
  };
}

/** [n, h, w, c] -> [n, c, h, w]. */
export function nhwcToNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((b * h + y) * w + x) * c;
        for (let k = 0; k < c; k++) out[((b * c + k) * h + y) * w + x] = data[src + k]!;
      }
    }
  }
  return out;
}
