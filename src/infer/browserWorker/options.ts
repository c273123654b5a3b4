/**
 * The options of `createWorkerModel` and the arguments of `predict`, checked in the calling
 * thread so that a mistake fails at the call, naming the argument, the value and what is accepted.
 *
 * @module
 */
import type { BackendName, BackendPreference, UseBackendOptions } from "../../backend/types.js";
import type { ResNetBuildOptions } from "../../models/resnet.js";
import { checkInteger, checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../../util/check.js";
import { checkModelOptions } from "../modelOptions.js";
import { WEIGHT_LAYOUTS, type WeightLayout } from "../../weights/layouts.js";

/**
 * Options of {@link createWorkerModel}.
 *
 * @example
 * ```ts
 * const options: WorkerModelOptions = {
 *   model: { depth: 50, preset: "torchvision" },      // as resnet(options)
 *   weights: await (await fetch("/resnet50.safetensors")).arrayBuffer(), // transferred, not copied
 *   weightsLayout: "torchvision",
 *   backend: "wasm",
 * };
 * ```
 */
export interface WorkerModelOptions {
  /** The model, as for `resnet(options)`. */
  model: ResNetBuildOptions;
  /**
   * Weights as safetensors bytes in {@link WorkerModelOptions.weightsLayout} (native by
   * default: what `saveSafetensors(model)` writes). The buffer is transferred to the worker,
   * not copied: afterwards it is detached (empty) in the calling thread; pass a copy
   * (`bytes.slice()`) to keep it. Default: the model's initial weights (from `model.seed`
   * when given, random otherwise).
   */
  weights?: Uint8Array | ArrayBuffer;
  /** How the weights name and order their tensors, as `loadSafetensors`'s `layout`: `'native'` (default), `'torchvision'` or `'keras'`. */
  weightsLayout?: WeightLayout;
  /**
   * What `useBackend` tries inside the worker: `'auto'`, a backend name or a list. Default
   * `'wasm'` (with threads where the page is cross-origin isolated; the worker inherits the
   * isolation). Only the backends the worker's module registered (`import
   * "resnet-blocks/backends/wasm"`) can start.
   */
  backend?: BackendPreference;
  /**
   * WASM binaries' URLs, as `useBackend`'s `wasmPaths`; relative URLs are resolved against
   * the page (`document.baseURI`) before they are sent to the worker.
   */
  wasmPaths?: UseBackendOptions["wasmPaths"];
  /** WASM threads in the worker, as `useBackend`'s `threads`. */
  threads?: number;
  /** Run the model through `fuse(model)` (batch norm folded, resnet-blocks' kernel where it runs). Default `true`. */
  fuse?: boolean;
  /** Milliseconds the worker may take to start (backend, model, weights, fuse) before it is stopped and the promise rejects. Default 120000. */
  startTimeoutMs?: number;
}

/** {@link WorkerModelOptions} checked, with defaults filled in. */
export interface ResolvedWorkerModelOptions {
  /** Options of `resnet()`. */
  model: ResNetBuildOptions;
  /** The weights' bytes, or `null`. */
  weights: Uint8Array | null;
  /** Layout of `weights`. */
  weightsLayout: WeightLayout;
  /** Backend preference in the worker. */
  backend: BackendPreference;
  /** Options of `useBackend` in the worker. */
  backendOptions: UseBackendOptions;
  /** Whether to fuse. */
  fuse: boolean;
  /** Start time limit, ms. */
  startTimeoutMs: number;
}

const KNOWN_OPTIONS = ["model", "weights", "weightsLayout", "backend", "wasmPaths", "threads", "fuse", "startTimeoutMs"];

/** Checks the options of `createWorkerModel` and fills in the defaults. */
export function resolveWorkerModelOptions(options: WorkerModelOptions): ResolvedWorkerModelOptions {
  checkOptionsObject("options", options);
  checkKnownKeys(options, KNOWN_OPTIONS, "createWorkerModel");
  checkModelOptions(options.model);
  const weights = checkWeights(options.weights);
  if (options.weightsLayout !== undefined && weights === null) {
    throw new TypeError("options.weightsLayout applies to options.weights, which is not given");
  }
  const weightsLayout = checkOneOf("options.weightsLayout", options.weightsLayout ?? "native", WEIGHT_LAYOUTS);
  const backend = checkBackend(options.backend ?? "wasm");
  const backendOptions: UseBackendOptions = {
    ...(options.wasmPaths !== undefined ? { wasmPaths: checkWasmPaths(options.wasmPaths) } : {}),
    ...(options.threads !== undefined ? { threads: checkInteger("options.threads", options.threads, 1) } : {}),
  };
  const fuse = options.fuse ?? true;
  if (typeof fuse !== "boolean") throw new TypeError(`options.fuse must be true or false; got ${describeValue(fuse)}`);
  const startTimeoutMs = checkInteger("options.startTimeoutMs", options.startTimeoutMs ?? 120_000, 1);
  return { model: options.model, weights, weightsLayout, backend, backendOptions, fuse, startTimeoutMs };
}

/**
 * The backends a browser worker can run (`useBackend`'s names less Node's `'tensorflow'`).
 * Checked here rather than with `useBackend`'s own check, which would bring tfjs into the
 * main thread's bundle; the worker's `useBackend` checks again.
 */
const WORKER_BACKENDS = ["webgpu", "webgl", "wasm", "cpu"] as const satisfies readonly BackendName[];

function checkBackend(backend: unknown): BackendPreference {
  const names = Array.isArray(backend) ? backend : [backend];
  const valid = (backend === "auto" || names.length > 0) && (backend === "auto" || names.every((name) => (WORKER_BACKENDS as readonly unknown[]).includes(name)));
  if (!valid) {
    const accepted = `'auto', one of ${WORKER_BACKENDS.map((name) => `'${name}'`).join(", ")}, or a non-empty list of them`;
    const Err = typeof backend === "string" || Array.isArray(backend) ? RangeError : TypeError;
    throw new Err(`options.backend must be ${accepted}; got ${describeValue(backend)}`);
  }
  return backend as BackendPreference;
}

function checkWasmPaths(paths: unknown): UseBackendOptions["wasmPaths"] {
  const ok = (typeof paths === "string" && paths.length > 0) || (typeof paths === "object" && paths !== null && !Array.isArray(paths));
  if (!ok) {
    throw new TypeError(
      `options.wasmPaths must be a folder URL (a string ending in "/") or an object mapping each .wasm file name to its URL; got ${describeValue(paths)}`,
    );
  }
  return absoluteWasmPaths(paths) as UseBackendOptions["wasmPaths"];
}

function checkWeights(weights: unknown): Uint8Array | null {
  if (weights === undefined) return null;
  if (weights instanceof ArrayBuffer) return new Uint8Array(weights);
  if (weights instanceof Uint8Array && !(weights.buffer instanceof ArrayBuffer)) {
    return weights; // on a SharedArrayBuffer: shared with the worker as it is
  }
  if (weights instanceof Uint8Array) return weights;
  throw new TypeError(`options.weights must be safetensors bytes (a Uint8Array or an ArrayBuffer); got ${describeValue(weights)}`);
}

/** wasmPaths with relative URLs made absolute against the page: the worker's own URL is another base. */
function absoluteWasmPaths(paths: unknown): unknown {
  const base = (globalThis as { document?: { baseURI?: string } }).document?.baseURI ?? (globalThis as { location?: { href?: string } }).location?.href;
  if (base === undefined) return paths;
  const resolve = (url: unknown) => (typeof url === "string" && url.length > 0 ? new URL(url, base).href : url);
  if (typeof paths === "string") return resolve(paths);
  if (typeof paths === "object" && paths !== null && !Array.isArray(paths)) {
    return Object.fromEntries(Object.entries(paths).map(([name, url]) => [name, resolve(url)]));
  }
  return paths;
}

/** A browser image the worker can read pixels from: its size must be the model's input size. */
export type WorkerImage = ImageBitmap | ImageData;

/** `[batch, height, width, channels]` of a {@link WorkerModel.predict} call on values. */
export type WorkerBatchShape = readonly [number, number, number, number];

/** Checks NHWC values and their shape against the model's input; returns the shape. */
export function checkValuesInput(input: unknown, shape: unknown, inputShape: readonly [number, number, number]): [number, number, number, number] {
  const [height, width, channels] = inputShape;
  const accepted = `[batch, ${height}, ${width}, ${channels}] with batch an integer >= 1 (the model's input is ${height}x${width}x${channels})`;
  if (!Array.isArray(shape)) throw new TypeError(`shape must be ${accepted}; got ${describeValue(shape)}`);
  const valid =
    shape.length === 4 && Number.isInteger(shape[0]) && shape[0] >= 1 && shape[1] === height && shape[2] === width && shape[3] === channels;
  if (!valid) throw new RangeError(`shape must be ${accepted}; got ${describeValue(shape)}`);
  const needed = shape[0] * height * width * channels;
  const length = input instanceof Float32Array ? input.length : input instanceof ArrayBuffer ? input.byteLength / 4 : -1;
  if (length < 0) {
    throw new TypeError(`input must be a Float32Array (or its ArrayBuffer) of NHWC values, an ImageBitmap, an ImageData or an array of images; got ${describeInput(input)}`);
  }
  if (length !== needed) {
    throw new RangeError(`input has ${length} float32 values; shape ${describeValue(shape)} needs ${shape[0]} x ${height} x ${width} x ${channels} = ${needed}`);
  }
  return shape as [number, number, number, number];
}

/** Checks images against the model's input size; returns them as a list. */
export function checkImagesInput(input: unknown, inputShape: readonly [number, number, number]): WorkerImage[] {
  const [height, width, channels] = inputShape;
  const images = Array.isArray(input) ? input : [input];
  if (images.length === 0) throw new RangeError("input must hold at least one image; got an empty array");
  if (channels !== 3) throw new RangeError(`images give 3 channels (RGB); the model takes ${channels}: pass NHWC values with a shape instead`);
  images.forEach((image, i) => {
    const where = Array.isArray(input) ? `input[${i}]` : "input";
    if (!isImage(image)) throw new TypeError(`${where} must be an ImageBitmap or an ImageData; got ${describeInput(image)}`);
    if (image.width !== width || image.height !== height) {
      throw new RangeError(
        `${where} is ${image.width}x${image.height} (width x height); the model takes ${width}x${height}: resize it first, e.g. createImageBitmap(source, { resizeWidth: ${width}, resizeHeight: ${height} })`,
      );
    }
  });
  return images as WorkerImage[];
}

/** Whether `value` is an ImageBitmap or an ImageData of this runtime. */
export function isImage(value: unknown): value is WorkerImage {
  const g = globalThis as unknown as { ImageBitmap?: abstract new (...args: never[]) => unknown; ImageData?: abstract new (...args: never[]) => unknown };
  return (g.ImageBitmap !== undefined && value instanceof g.ImageBitmap) || (g.ImageData !== undefined && value instanceof g.ImageData);
}

function describeInput(value: unknown): string {
  if (ArrayBuffer.isView(value) && "length" in value) return `a ${value.constructor.name} of ${(value as { length: number }).length} values`;
  if (Array.isArray(value)) return `an Array of ${value.length} values`;
  return describeValue(value);
}
