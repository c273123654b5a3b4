// Argument errors are thrown synchronously by createPool and predict, before any worker starts.
import { describe, expect, it } from "vitest";
import { createPool } from "../../../src/infer/pool/index.js";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { checkPredictArguments, resolvePoolOptions } from "../../../src/infer/pool/options.js";

const MODEL = { depth: 18, inputShape: [64, 64, 3] } as const;

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("createPool rejects bad options at the call", () => {
  it.each([
    [{ workers: 0, model: MODEL }, RangeError, "options.workers must be an integer >= 1; got 0"],
    [{ workers: 1.5, model: MODEL }, RangeError, "options.workers must be an integer >= 1; got 1.5"],
    [{ workers: -2, model: MODEL }, RangeError, "options.workers must be an integer >= 1; got -2"],
    [{ workers: "2", model: MODEL }, TypeError, 'options.workers must be an integer >= 1; got "2"'],
    [{ workers: 2, model: MODEL, threadsPerWorker: 0 }, RangeError, "options.threadsPerWorker must be an integer from 1 to 8 (tfjs-backend-wasm runs at most 8 threads); got 0"],
    [{ workers: 2, model: MODEL, threadsPerWorker: 9 }, RangeError, "options.threadsPerWorker must be an integer from 1 to 8 (tfjs-backend-wasm runs at most 8 threads); got 9"],
    [{ workers: 2, model: MODEL, threadsPerWorker: 1.5 }, RangeError, "options.threadsPerWorker must be an integer from 1 to 8"],
    [{ workers: 2, model: MODEL, threadsPerWorker: "2" }, TypeError, "options.threadsPerWorker must be an integer from 1 to 8"],
    [{ workers: 2 }, TypeError, "options.model is required: the options of resnet(), e.g. { depth: 50 }"],
    [{ workers: 2, model: 50 }, TypeError, "options.model must be an options object; got 50"],
    [{ workers: 2, model: { depth: 42 } }, RangeError, "options.model: depth must be one of 18, 34, 50, 101, 152; got 42"],
    [{ workers: 2, model: { depth: 18, inputShape: [16, 16, 3] } }, RangeError, "options.model: inputShape must be"],
    [{ workers: 2, model: { depth: 18, seed: 0.5 } }, RangeError, "options.model: seed must be an integer >= 0; got 0.5"],
    [{ workers: 2, model: { depth: 18, colour: true } }, TypeError, "options.model: options.colour is not an option; accepted: depth"],
    [{ workers: 2, model: MODEL, weights: 42 }, TypeError, "options.weights must be safetensors bytes (a Uint8Array or an ArrayBuffer) or a file path; got 42"],
    [{ workers: 2, model: MODEL, weights: "" }, TypeError, 'options.weights must be safetensors bytes or a file path; got ""'],
    [{ worker: 2, model: MODEL }, TypeError, "options.worker is not an option of createPool; accepted: workers, model, weights, weightsLayout, threadsPerWorker"],
    [{ workers: 2, model: MODEL, weights: "a.safetensors", weightsLayout: "pytorch" }, RangeError, 'options.weightsLayout must be one of "native", "torchvision", "keras"; got "pytorch"'],
    [{ workers: 2, model: MODEL, weightsLayout: "keras" }, TypeError, "options.weightsLayout applies to options.weights, which is not given"],
  ])("%j", (options, type, message) => {
    const error = thrown(() => createPool(options as never));
    expect(error).toBeInstanceOf(type);
    expect(error.message.startsWith(message), error.message).toBe(true);
  });

  it("rejects a non-object", () => {
    expect(() => createPool(null as never)).toThrow(new TypeError("options must be an options object; got null"));
  });

  it("rejects a weights path that does not exist (asynchronously: the file is read then)", async () => {
    await expect(createPool({ workers: 1, model: MODEL, weights: "/nonexistent/resnet18.safetensors" })).rejects.toThrow(
      /could not read options.weights "\/nonexistent\/resnet18.safetensors": ENOENT/,
    );
  });
});

describe("predict's arguments", () => {
  const shape = [64, 64, 3] as const;
  const image = 64 * 64 * 3;

  it("accepts a matching batch and returns its size", () => {
    expect(checkPredictArguments(new Float32Array(3 * image), [3, 64, 64, 3], shape)).toBe(3);
  });

  it.each([
    [new Float32Array(image), [1, 32, 32, 3], RangeError, "shape must be [batch, 64, 64, 3] with batch an integer >= 1 (the model's input is 64x64x3); got [1,32,32,3]"],
    [new Float32Array(image), [0, 64, 64, 3], RangeError, "shape must be [batch, 64, 64, 3] with batch an integer >= 1 (the model's input is 64x64x3); got [0,64,64,3]"],
    [new Float32Array(image), [1.5, 64, 64, 3], RangeError, "shape must be [batch, 64, 64, 3]"],
    [new Float32Array(image), [64, 64, 3], RangeError, "shape must be [batch, 64, 64, 3]"],
    [new Float32Array(image), "1,64,64,3", TypeError, 'shape must be [batch, 64, 64, 3] with batch an integer >= 1 (the model\'s input is 64x64x3); got "1,64,64,3"'],
    [new Float64Array(image), [1, 64, 64, 3], TypeError, `input must be a Float32Array of NHWC values; got a Float64Array of ${image} values`],
    [[0, 1, 2], [1, 64, 64, 3], TypeError, "input must be a Float32Array of NHWC values; got an Array of 3 values"],
    [new Float32Array(image - 1), [1, 64, 64, 3], RangeError, `input has ${image - 1} values; shape [1,64,64,3] needs 1 x 64 x 64 x 3 = ${image}`],
    [new Float32Array(image), [2, 64, 64, 3], RangeError, `input has ${image} values; shape [2,64,64,3] needs 2 x 64 x 64 x 3 = ${2 * image}`],
  ])("rejects %#", (input, batchShape, type, message) => {
    const error = thrown(() => checkPredictArguments(input, batchShape, shape));
    expect(error).toBeInstanceOf(type);
    expect(error.message.startsWith(message), error.message).toBe(true);
  });
});

describe("workers relative to the cores", () => {
  const cores = availableParallelism();

  it("refuses more than 4 threads per core before starting any, naming the cores", () => {
    expect(() => createPool({ workers: 4 * cores + 1, model: MODEL })).toThrow(
      new RangeError(
        `options.workers x options.threadsPerWorker must be at most ${4 * cores} (4 per core; os.availableParallelism() is ${cores}): ` +
          `each worker holds its own model and WASM heap, so more add memory, not speed; got ${4 * cores + 1} x 1`,
      ),
    );
    expect(() => createPool({ workers: 2 * cores + 1, threadsPerWorker: 2, model: MODEL })).toThrow(/^options\.workers x options\.threadsPerWorker must be at most /);
  });

  it("warns (PoolSizeWarning) when the threads outnumber the cores", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      resolvePoolOptions({ workers: cores, model: MODEL });
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
      expect(resolvePoolOptions({ workers: cores + 1, model: MODEL }).workers).toBe(cores + 1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => [w.name, w.message])).toEqual([
        [
          "PoolSizeWarning",
          `createPool: ${cores + 1} workers x 1 thread on ${cores} cores (os.availableParallelism()): the threads will share cores, which adds memory and latency, not throughput`,
        ],
      ]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});

describe("options.weights as a path", () => {
  it("a folder is named as such, not a raw EISDIR", async () => {
    const folder = mkdtempSync(join(tmpdir(), "resnet-blocks-weights-"));
    try {
      await expect(createPool({ workers: 1, model: MODEL, weights: folder })).rejects.toThrow(
        new Error(`options.weights ${JSON.stringify(folder)} is a folder, not a safetensors file`),
      );
    } finally {
      rmSync(folder, { recursive: true });
    }
  });
});
