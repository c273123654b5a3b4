import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuse } from "../../../src/infer/fuse/index.js";
import { bytesPerImage, maxImagesPerChunk, WORKER_IMAGE_MEMORY_BYTES } from "../../../src/infer/pool/memory.js";
import { createPool, type ResNetPool } from "../../../src/infer/pool/index.js";
import { splitBatch } from "../../../src/infer/pool/split.js";
import type { WorkerPool } from "../../../src/infer/pool/workerPool.js";
import { resnet, type ResNetBuildOptions } from "../../../src/models/resnet.js";
import { resnetSpec } from "../../../src/arch/resnetSpec.js";
import { useTestBackend } from "../../helpers/tf.js";
import { images, MODEL } from "./helpers.js";

/** One grey channel: the cheapest input whose first convolution overflows a worker's WASM heap (16 output bytes per input byte). */
const GREY: ResNetBuildOptions = { depth: 18, inputShape: [64, 64, 1], classes: 10, classifierActivation: "linear", seed: 3 };
const GREY_SIZE = 64 * 64;

function grey(count: number, seed: number): Float32Array {
  return images(Math.ceil((count * GREY_SIZE) / (64 * 64 * 3)), seed).subarray(0, count * GREY_SIZE);
}

describe("a worker's memory limit", () => {
  beforeAll(() => useTestBackend("wasm"));

  it("caps the images per chunk by an estimate that bounds the WASM memory a forward pass really takes", () => {
    const { seed: _seed, ...specOptions } = MODEL;
    const spec = resnetSpec(specOptions);
    const perImage = bytesPerImage(spec);
    // ResNet-18 at 64x64x3: the input, the max pool's 34x34x64 padded input and two 32x32x64 outputs of the stem.
    expect(perImage).toBe(4 * (64 * 64 * 3 + 34 * 34 * 64 + 2 * 32 * 32 * 64));
    expect(maxImagesPerChunk(spec)).toBe(Math.floor(WORKER_IMAGE_MEMORY_BYTES / perImage));

    // The WASM heap only grows, and emscripten grows it to at most 1.2 x what was asked: after
    // a batch of 32 it is at most 1.2 x (the heap before + what the batch needed).
    const model = resnet(MODEL);
    const fused = fuse(model);
    const heap = () => ((tf.backend() as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length;
    tf.tidy(() => void fused.predict(tf.zeros([1, 64, 64, 3])).dataSync());
    const before = heap();
    tf.tidy(() => void fused.predict(tf.zeros([32, 64, 64, 3])).dataSync());
    expect(heap()).toBeGreaterThan(before);
    expect(heap()).toBeLessThanOrEqual(1.2 * (before + 32 * perImage));
    fused.dispose();
    model.dispose();
  });

  it("cuts a request larger than workers x the cap into chunks of at most the cap", () => {
    const { seed: _seed, ...specOptions } = GREY;
    const cap = maxImagesPerChunk(resnetSpec(specOptions));
    const chunks = splitBatch(17000, 1, cap);
    expect(chunks.length).toBe(Math.ceil(17000 / cap));
    expect(chunks.every((chunk) => chunk.count <= cap)).toBe(true);
    expect(chunks.reduce((sum, chunk) => sum + chunk.count, 0)).toBe(17000);
    expect(splitBatch(10, 2, 3).map((chunk) => chunk.count)).toEqual([3, 3, 2, 2]);
    expect(splitBatch(10, 4, 100).map((chunk) => chunk.count)).toEqual([3, 3, 2, 2]);
  });

  it("refuses up front a model of which not one image fits a worker, naming the need and the limit", () => {
    expect(() => createPool({ workers: 1, model: { depth: 18, inputShape: [4096, 4096, 3] } })).toThrow(
      new RangeError(
        `options.model.inputShape 4096x4096x3 needs about ${Math.round((4 * (4096 * 4096 * 3 + 2050 * 2050 * 64 + 2 * 2048 * 2048 * 64)) / 2 ** 20)} MiB of WASM memory per image in a pool worker; ` +
          "a worker has 2048 MiB for images (half of tfjs-backend-wasm's 4 GiB heap): use a smaller inputShape",
      ),
    );
  });
});

describe("a worker whose WASM memory fails", () => {
  let pool: ResNetPool;
  afterAll(() => pool?.close());

  it("is retired and replaced like a crashed one, and the request says why", async () => {
    pool = await createPool({ workers: 1, model: GREY });
    const probe = grey(2, 7);
    const expected = await pool.predict(probe, [2, 64, 64, 1]);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      // The real fault, bypassing the pool's split: 17000 grey images in one run overflow the
      // worker's 4 GiB WASM heap at the first convolution (17000 x 32 x 32 x 64 floats).
      const worker = (pool as WorkerPool).handles[0]!;
      const oversized = grey(17000, 8);
      const error = await worker.call({ op: "run", input: oversized, shape: [17000, 64, 64, 1] }).catch((e: unknown) => e);
      expect((error as Error).name).toBe("PoolWorkerError");
      expect((error as Error).message).toMatch(
        /^pool worker 1 of 1: RuntimeError: .+: its WASM memory is corrupted \(most likely tfjs-backend-wasm ran out of memory\); the worker is retired$/,
      );
      await pool.memory(); // answers once the replacement is ready
      expect((pool as WorkerPool).handles[0]).not.toBe(worker);
      expect(warnings.map((w) => w.name)).toEqual(["PoolWorkerWarning"]);
      expect(warnings[0]!.message).toBe(`${(error as Error).message}; starting a replacement`);
      // The replacement computes what the worker did before the fault.
      expect(await pool.predict(probe, [2, 64, 64, 1])).toEqual(expected);
    } finally {
      process.off("warning", onWarning);
    }
  }, 60_000);
});

// Last in the file: it leaves this process's WASM backend corrupted.
describe("the same failure on the main thread", () => {
  beforeAll(() => useTestBackend("wasm"));

  it("says that the WASM backend ran out of memory, is unusable now, and how to recover", () => {
    const model = resnet(GREY);
    const fused = fuse(model, { kernels: "tfjs" });
    const input = tf.tensor4d(grey(17000, 9), [17000, 64, 64, 1]);
    let error: unknown;
    try {
      fused.predict(input).dispose();
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toMatch(
      /^FusedModel\.predict of 17000 images failed in WebAssembly \(RuntimeError: .+\): the WASM backend most likely ran out of memory \(tfjs-backend-wasm's heap holds at most 4 GiB\) and its memory is now corrupted, so the backend is unusable in this process or worker; to recover, restart the process \(or worker\) and run smaller batches$/,
    );
    expect((error as Error).cause).toBeInstanceOf(WebAssembly.RuntimeError);
  });
});
