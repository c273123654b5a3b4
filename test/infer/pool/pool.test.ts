// The pool against the main thread's model.predict on the same backend (wasm) with the same
// weights. Tolerance: the workers run fuse(model) (batch norm folded into the convolutions),
// which rounds differently from model.predict: measured 0.7e-6 to 1.5e-6 of the largest
// logit here, so 1e-4 leaves margin, while a wrong weight, a misplaced chunk or a swapped
// image moves the logits by O(1) (checked below).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool, PoolClosedError, PoolWorkerError, type ResNetPool } from "../../../src/infer/pool/index.js";
import type { WorkerPool } from "../../../src/infer/pool/workerPool.js";
import { resnet } from "../../../src/models/resnet.js";
import { saveSafetensors } from "../../../src/weights/index.js";
import { useTestBackend } from "../../helpers/tf.js";
import { IMAGE_SIZE, MODEL, images, predictHere, referenceModel, relativeDiff, threadCount } from "./helpers.js";

const TOLERANCE = 1e-4;
const CLASSES = 10;

let reference: tfl.LayersModel;
let bytes: Uint8Array;
let pool: ResNetPool;
let threadsBefore: number;

beforeAll(async () => {
  await useTestBackend("wasm");
  ({ model: reference, bytes } = await referenceModel());
  await stat("."); // starts libuv's thread pool, so that it is in the baseline
  threadsBefore = threadCount();
  pool = await createPool({ workers: 2, model: MODEL, weights: bytes });
});

afterAll(async () => {
  await pool?.close();
  reference?.dispose();
});

describe("a pool of 2 workers with given weights", () => {
  it("describes the model", () => {
    expect(pool.workers).toBe(2);
    expect(pool.inputShape).toEqual([64, 64, 3]);
    expect(pool.outputShape).toEqual([CLASSES]);
  });

  it("splits a batch of 5 across both workers (3 + 2) and matches model.predict, image by image", async () => {
    const input = images(5, 1);
    const expected = predictHere(reference, input);
    const output = await pool.predict(input, [5, 64, 64, 3]);
    expect(output.length).toBe(5 * CLASSES);
    expect(relativeDiff(output, expected)).toBeLessThan(TOLERANCE);
    // The images give clearly different logits, so a chunk in the wrong place could not pass.
    const first = expected.subarray(0, CLASSES);
    for (let image = 1; image < 5; image++) {
      expect(relativeDiff(expected.subarray(image * CLASSES, (image + 1) * CLASSES), first)).toBeGreaterThan(100 * TOLERANCE);
    }
  });

  it("serves concurrent requests of different sizes, each with its own outputs in order", async () => {
    const batches = [1, 4, 3, 2, 6].map((size, index) => images(size, 10 + index));
    const outputs = await Promise.all(batches.map((input) => pool.predict(input, [input.length / IMAGE_SIZE, 64, 64, 3])));
    batches.forEach((input, index) => {
      expect(relativeDiff(outputs[index]!, predictHere(reference, input))).toBeLessThan(TOLERANCE);
    });
  });

  it("copies the input: the caller may overwrite it while the request runs", async () => {
    const input = images(2, 20);
    const expected = predictHere(reference, input);
    const pending = pool.predict(input, [2, 64, 64, 3]);
    input.fill(0);
    expect(relativeDiff(await pending, expected)).toBeLessThan(TOLERANCE);
  });

  it("leaves no tensors behind in the workers", async () => {
    const before = await pool.memory();
    expect(before).toHaveLength(2);
    for (let i = 0; i < 3; i++) await pool.predict(images(3, 30 + i), [3, 64, 64, 3]);
    expect(await pool.memory()).toEqual(before);
  });

  it("an error thrown in a worker while it runs comes back with the worker's message, and the worker serves on", async () => {
    // predict checks its arguments first, so this request goes to a worker directly (the path predict's chunks take).
    const handle = (pool as WorkerPool).handles[1]!;
    const failed = handle.call({ op: "run", input: new Float32Array(5), shape: [1, 64, 64, 3] });
    await expect(failed).rejects.toBeInstanceOf(PoolWorkerError);
    await expect(failed).rejects.toMatchObject({
      message: "pool worker 2 of 2: Error: Based on the provided shape, [1,64,64,3], the tensor should have 12288 values but has 5",
      worker: 1,
      remoteName: "Error",
      exitCode: null,
    });
    const input = images(2, 25);
    expect(relativeDiff(await pool.predict(input, [2, 64, 64, 3]), predictHere(reference, input))).toBeLessThan(TOLERANCE);
  });

  it("checks predict's arguments at the call", () => {
    expect(() => pool.predict(new Float32Array(IMAGE_SIZE), [1, 32, 32, 3])).toThrow(
      new RangeError("shape must be [batch, 64, 64, 3] with batch an integer >= 1 (the model's input is 64x64x3); got [1,32,32,3]"),
    );
    expect(() => pool.predict(new Float32Array(IMAGE_SIZE), [2, 64, 64, 3])).toThrow(RangeError);
    expect(() => pool.predict([1, 2, 3] as never, [1, 64, 64, 3])).toThrow(TypeError);
  });
});

describe("weights", () => {
  it("reads them from a file path, in another layout (torchvision)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pool-"));
    try {
      const path = join(dir, "resnet18.safetensors");
      writeFileSync(path, await saveSafetensors(reference, { layout: "torchvision" }));
      const fromFile = await createPool({ workers: 1, model: MODEL, weights: path, weightsLayout: "torchvision" });
      try {
        const input = images(2, 40);
        expect(relativeDiff(await fromFile.predict(input, [2, 64, 64, 3]), predictHere(reference, input))).toBeLessThan(TOLERANCE);
        // One worker serves requests in arrival order.
        const finished: number[] = [];
        await Promise.all(
          [3, 1, 2].map((size, index) => fromFile.predict(images(size, 41 + index), [size, 64, 64, 3]).then(() => finished.push(index))),
        );
        expect(finished).toEqual([0, 1, 2]);
      } finally {
        await fromFile.close();
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("without weights and without a seed, every worker gets the first worker's weights", async () => {
    const { seed: _, ...unseeded } = MODEL;
    const shared = await createPool({ workers: 2, model: unseeded });
    try {
      const image = images(1, 50);
      const twice = new Float32Array(2 * IMAGE_SIZE);
      twice.set(image, 0);
      twice.set(image, IMAGE_SIZE);
      const output = await shared.predict(twice, [2, 64, 64, 3]); // one image on each worker
      expect(output.subarray(CLASSES)).toEqual(output.subarray(0, CLASSES));
      // And they are not the reference's weights.
      expect(relativeDiff(output.subarray(0, CLASSES), predictHere(reference, image))).toBeGreaterThan(100 * TOLERANCE);
    } finally {
      await shared.close();
    }
  });

  it("without weights, a seed gives the weights of resnet({ ..., seed }) in the main thread", async () => {
    const seeded = await createPool({ workers: 2, model: MODEL });
    const model = resnet(MODEL);
    try {
      const input = images(2, 60);
      expect(relativeDiff(await seeded.predict(input, [2, 64, 64, 3]), predictHere(model, input))).toBeLessThan(TOLERANCE);
    } finally {
      model.dispose();
      await seeded.close();
    }
  });

  it("weights of another model: createPool rejects with the worker's WeightsError", async () => {
    const start = createPool({ workers: 1, model: { ...MODEL, classes: 5 }, weights: bytes });
    await expect(start).rejects.toBeInstanceOf(PoolWorkerError);
    await expect(start).rejects.toThrow(
      /^pool worker 1 of 1: WeightsError: could not load the safetensors file into model "resnet18".*shape mismatch for tensor "predictions\/kernel"/s,
    );
  });

  it("a corrupt file: createPool rejects with the worker's WeightsFileError", async () => {
    await expect(createPool({ workers: 1, model: MODEL, weights: bytes.subarray(0, 100) })).rejects.toThrow(
      /^pool worker 1 of 1: WeightsFileError: safetensors: /,
    );
  });
});

describe("threads per worker", () => {
  it("a worker with 2 WASM threads gives the same outputs, and its threads end with close()", async () => {
    const threaded = await createPool({ workers: 1, threadsPerWorker: 2, model: MODEL, weights: bytes });
    const during = threadCount();
    try {
      const input = images(3, 90);
      expect(relativeDiff(await threaded.predict(input, [3, 64, 64, 3]), predictHere(reference, input))).toBeLessThan(TOLERANCE);
    } finally {
      await threaded.close();
    }
    // The worker, its XNNPACK threads (tfjs starts its pthread pool ahead) and tsx's loader threads are gone.
    expect(during).toBeGreaterThanOrEqual(threadCount() + 3);
  });
});

describe("crash and close", () => {
  it("a worker that dies fails the request it ran, is reported and replaced with the same weights", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const pending = pool.predict(images(4, 70), [4, 64, 64, 3]);
      await (pool as WorkerPool).handles[0]!.simulateCrash();
      await expect(pending).rejects.toThrow(/^pool worker 1 of 2 stopped unexpectedly \(exit code 1\)/);
      await expect(pending).rejects.toMatchObject({ worker: 0, exitCode: 1 });
      await pool.memory(); // answers once the replacement is ready
      expect(warnings.map((w) => [w.name, w.message])).toEqual([
        ["PoolWorkerWarning", "pool worker 1 of 2 stopped unexpectedly (exit code 1); starting a replacement"],
      ]);
      const input = images(4, 71);
      expect(relativeDiff(await pool.predict(input, [4, 64, 64, 3]), predictHere(reference, input))).toBeLessThan(TOLERANCE);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("if the replacement of a crashed worker cannot start, the pool closes itself and says why", async () => {
    // Weights given on a SharedArrayBuffer are shared as they are, so overwriting them after
    // the start makes the replacement's load fail.
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    shared.set(bytes);
    const fragile = await createPool({ workers: 1, model: MODEL, weights: shared.buffer as SharedArrayBuffer });
    shared.fill(0, 0, 8);
    await (fragile as WorkerPool).handles[0]!.simulateCrash();
    // Queued while the replacement starts; rejected when the pool gives up.
    const reason =
      "the pool is closed (it closed itself because pool worker 1 of 1 stopped unexpectedly (exit code 1), " +
      "and its replacement failed to start: pool worker 1 of 1: WeightsFileError: safetensors: ";
    await expect(fragile.predict(images(1, 95), [1, 64, 64, 3])).rejects.toThrow(`the request did not finish: ${reason}`);
    expect(() => fragile.predict(images(1, 96), [1, 64, 64, 3])).toThrow(`predict() after close(): ${reason}`);
    await fragile.close();
  });

  it("close() rejects pending requests, stops every worker thread, and predict then throws", async () => {
    const closing = pool; // the last test: the file's pool (its workers include the replacement above)
    // A worker is one thread, plus tsx's loader thread when it runs from the sources.
    expect(threadCount()).toBeGreaterThanOrEqual(threadsBefore + 2);
    const pending = [closing.predict(images(8, 80), [8, 64, 64, 3]), closing.predict(images(2, 81), [2, 64, 64, 3])];
    const closed = closing.close();
    expect(closing.close()).toBe(closed);
    for (const request of pending) {
      await expect(request).rejects.toThrow(
        new PoolClosedError("the request did not finish: the pool is closed (close() was called); create a new one with createPool()"),
      );
    }
    await closed;
    expect(threadCount()).toBe(threadsBefore);
    expect(() => closing.predict(images(1, 82), [1, 64, 64, 3])).toThrow(
      new PoolClosedError("predict() after close(): the pool is closed (close() was called); create a new one with createPool()"),
    );
  });
});
