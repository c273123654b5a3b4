/**
 * createWorkerModel's checks run in the calling thread, before any worker is sent anything:
 * each bad option or input names the argument, the value and what is accepted.
 * (The worker itself runs in Chromium: test/browser/worker.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { createWorkerModel } from "../../../src/infer/browserWorker/index.js";
import { checkImagesInput, checkValuesInput, resolveWorkerModelOptions } from "../../../src/infer/browserWorker/options.js";

describe("resolveWorkerModelOptions", () => {
  it("fills in the defaults", () => {
    expect(resolveWorkerModelOptions({ model: { depth: 18 } })).toEqual({
      model: { depth: 18 },
      weights: null,
      weightsLayout: "native",
      backend: "wasm",
      backendOptions: {},
      fuse: true,
      startTimeoutMs: 120_000,
    });
  });

  it("keeps the weights' bytes (to transfer them) and the backend options", () => {
    const buffer = new ArrayBuffer(8);
    const resolved = resolveWorkerModelOptions({ model: { depth: 50 }, weights: buffer, weightsLayout: "torchvision", backend: ["webgl", "wasm"], threads: 2, wasmPaths: "https://cdn.example/wasm/", fuse: false });
    expect(resolved.weights!.buffer).toBe(buffer);
    expect(resolved).toMatchObject({ weightsLayout: "torchvision", backend: ["webgl", "wasm"], backendOptions: { threads: 2, wasmPaths: "https://cdn.example/wasm/" }, fuse: false });
  });

  it.each([
    [{}, TypeError, "options.model is required: the options of resnet(), e.g. { depth: 50 }"],
    [{ model: { depth: 42 } }, RangeError, "options.model: depth must be one of 18, 34, 50, 101, 152; got 42"],
    [{ model: { depth: 18 }, workers: 2 }, TypeError, "options.workers is not an option of createWorkerModel; accepted: model, weights, weightsLayout, backend, wasmPaths, threads, fuse, startTimeoutMs"],
    [{ model: { depth: 18 }, weights: "resnet18.safetensors" }, TypeError, 'options.weights must be safetensors bytes (a Uint8Array or an ArrayBuffer); got "resnet18.safetensors"'],
    [{ model: { depth: 18 }, weightsLayout: "torchvision" }, TypeError, "options.weightsLayout applies to options.weights, which is not given"],
    [{ model: { depth: 18 }, backend: "tensorflow" }, RangeError, `options.backend must be 'auto', one of 'webgpu', 'webgl', 'wasm', 'cpu', or a non-empty list of them; got "tensorflow"`],
    [{ model: { depth: 18 }, backend: [] }, RangeError, "options.backend must be 'auto', one of 'webgpu', 'webgl', 'wasm', 'cpu', or a non-empty list of them; got []"],
    [{ model: { depth: 18 }, threads: 0 }, RangeError, "options.threads must be an integer >= 1; got 0"],
    [{ model: { depth: 18 }, wasmPaths: 5 }, TypeError, 'options.wasmPaths must be a folder URL (a string ending in "/") or an object mapping each .wasm file name to its URL; got 5'],
    [{ model: { depth: 18 }, fuse: "yes" }, TypeError, 'options.fuse must be true or false; got "yes"'],
    [{ model: { depth: 18 }, startTimeoutMs: 0.5 }, RangeError, "options.startTimeoutMs must be an integer >= 1; got 0.5"],
  ])("rejects %j", (options, type, message) => {
    expect(() => resolveWorkerModelOptions(options as never)).toThrow(type);
    expect(() => resolveWorkerModelOptions(options as never)).toThrow(message);
  });
});

describe("predict's inputs", () => {
  const inputShape = [224, 224, 3] as const;

  it("accepts NHWC float32 values of the model's size", () => {
    expect(checkValuesInput(new Float32Array(2 * 224 * 224 * 3), [2, 224, 224, 3], inputShape)).toEqual([2, 224, 224, 3]);
    expect(checkValuesInput(new ArrayBuffer(224 * 224 * 3 * 4), [1, 224, 224, 3], inputShape)).toEqual([1, 224, 224, 3]);
  });

  it("names a wrong shape, a wrong length and a wrong type", () => {
    expect(() => checkValuesInput(new Float32Array(10), [1, 64, 64, 3], inputShape)).toThrow(
      new RangeError("shape must be [batch, 224, 224, 3] with batch an integer >= 1 (the model's input is 224x224x3); got [1,64,64,3]"),
    );
    expect(() => checkValuesInput(new Float32Array(10), [1, 224, 224, 3], inputShape)).toThrow(
      new RangeError("input has 10 float32 values; shape [1,224,224,3] needs 1 x 224 x 224 x 3 = 150528"),
    );
    expect(() => checkValuesInput(new Uint8Array(150528), [1, 224, 224, 3], inputShape)).toThrow(
      /^input must be a Float32Array \(or its ArrayBuffer\) of NHWC values, an ImageBitmap, an ImageData or an array of images; got a Uint8Array of 150528 values$/,
    );
  });

  it("names what is not an image, and an empty batch", () => {
    expect(() => checkImagesInput([], inputShape)).toThrow(new RangeError("input must hold at least one image; got an empty array"));
    expect(() => checkImagesInput(["cat.png"], inputShape)).toThrow(new TypeError('input[0] must be an ImageBitmap or an ImageData; got "cat.png"'));
  });
});

describe("createWorkerModel", () => {
  it("rejects what is not a Worker, saying how to make one", async () => {
    await expect(createWorkerModel({} as never, { model: { depth: 18 } })).rejects.toThrow(
      /^worker must be a Worker running serveModel\(\), e\.g\. new Worker\(new URL\("\.\/resnet\.worker\.ts", import\.meta\.url\), \{ type: "module" \}\); got \{\}$/,
    );
  });
});
