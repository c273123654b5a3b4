/**
 * `createWorkerModel`: a ResNet in a dedicated Web Worker, driven from the main thread.
 *
 * @module
 */
import type { BackendReport } from "../../backend/types.js";
import { describeValue } from "../../util/check.js";
import { WorkerModelClosedError, WorkerModelError } from "./errors.js";
import { checkImagesInput, checkValuesInput, resolveWorkerModelOptions, type WorkerBatchShape, type WorkerImage, type WorkerModelOptions } from "./options.js";
import {
  PROTOCOL,
  type WireInput,
  type WorkerModelReply,
  type WorkerModelReplyValues,
  type WorkerModelRequestBody,
} from "./protocol.js";

/** What {@link WorkerModel.predict} resolves to: the outputs as float32 values and their shape, batch first. */
export interface WorkerOutput {
  /** The outputs, row-major (e.g. `batch x 1000` logits or probabilities). */
  data: Float32Array;
  /** `[batch, ...outputShape]`, e.g. `[2, 1000]`. */
  shape: number[];
}

/** The worker's tensors and their bytes (`tf.memory()` inside the worker). */
export interface WorkerModelMemory {
  /** Tensors alive in the worker. */
  numTensors: number;
  /** Bytes they hold. */
  numBytes: number;
}

/** A model running in a dedicated Web Worker; made by {@link createWorkerModel}. */
export interface WorkerModel {
  /** What `useBackend` readied inside the worker. */
  readonly backend: BackendReport;
  /** The model's input, `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number];
  /** The model's output per image (no batch dimension), e.g. `[1000]`. */
  readonly outputShape: readonly number[];
  /** Whether the worker runs `fuse(model)`. */
  readonly fused: boolean;
  /** Whether {@link WorkerModel.dispose} was called (or the worker failed and was stopped). */
  readonly disposed: boolean;
  /**
   * Runs the model on images (one `ImageBitmap` or `ImageData`, or a list: one batch),
   * read as RGB values in [0, 1], or on NHWC float32 values with their `shape`. The input's
   * buffers are transferred to the worker, not copied: afterwards an `ImageBitmap` is closed
   * and a `Float32Array`'s or `ImageData`'s buffer is detached (pass a copy to keep it).
   * Calls queue in the worker and resolve in order.
   *
   * @throws RangeError or TypeError (the promise rejects at once, before anything is sent) naming the argument,
   *   e.g. `RangeError: input is 640x480 (width x height); the model takes 224x224: resize it first ...`.
   *   A {@link WorkerModelError} with the worker's message if the forward pass fails there; a
   *   {@link WorkerModelClosedError} after `dispose()`.
   */
  predict(input: WorkerImage | readonly WorkerImage[]): Promise<WorkerOutput>;
  /** Runs the model on NHWC float32 values of `shape`, see the other overload. */
  predict(input: Float32Array | ArrayBuffer, shape: WorkerBatchShape): Promise<WorkerOutput>;
  /** The worker's `tf.memory()`: constant across calls when nothing leaks. */
  memory(): Promise<WorkerModelMemory>;
  /**
   * Terminates the worker at once (its WASM threads end with it) and rejects every call in
   * flight with a {@link WorkerModelClosedError}. Calling it again does nothing.
   */
  dispose(): void;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Starts a ResNet in a dedicated Web Worker that the app created from a module of its own
 * calling `serveModel()` (from `resnet-blocks/worker/serve`), so that forward passes never
 * block the page. The worker readies its own backend with `useBackend` (WASM by default,
 * with threads where the page is cross-origin isolated), builds the model with
 * `resnet(options.model)`, loads `options.weights` (transferred, not copied) and runs it
 * through `fuse(model)`. The model owns the worker: `dispose()` terminates it.
 *
 * This module loads no TensorFlow.js: tfjs is bundled into the worker only.
 *
 * @example
 * ```ts
 * // resnet.worker.ts, a module of the app (Vite and webpack bundle it as a worker):
 * //   import "resnet-blocks/backends/wasm";
 * //   import { serveModel } from "resnet-blocks/worker/serve";
 * //   serveModel();
 * import { createWorkerModel } from "resnet-blocks/worker";
 *
 * const worker = new Worker(new URL("./resnet.worker.ts", import.meta.url), { type: "module" });
 * const model = await createWorkerModel(worker, { model: { depth: 50 }, weights: await (await fetch("resnet50.safetensors")).arrayBuffer() });
 * const bitmap = await createImageBitmap(image, { resizeWidth: 224, resizeHeight: 224 });
 * const { data, shape } = await model.predict(bitmap); // shape [1, 1000]
 * model.dispose();
 * ```
 * @param worker A dedicated `Worker` running `serveModel()`; taken over (terminated by `dispose()` or on failure).
 * @throws RangeError or TypeError (the promise rejects before the worker is sent anything) for bad
 *   options, naming the option, the value and what is accepted. A {@link WorkerModelError} if the
 *   worker fails to start (its message, e.g. a `BackendError` or `WeightsError`), if its script
 *   fails to load, or if it does not answer within `options.startTimeoutMs`; the worker is then terminated.
 */
export async function createWorkerModel(worker: Worker, options: WorkerModelOptions): Promise<WorkerModel> {
  if (typeof Worker === "undefined" || !(worker instanceof Worker)) {
    throw new TypeError(
      `worker must be a Worker running serveModel(), e.g. new Worker(new URL("./resnet.worker.ts", import.meta.url), { type: "module" }); got ${describeValue(worker)}`,
    );
  }
  const { startTimeoutMs, ...startOptions } = resolveWorkerModelOptions(options);
  const handle = new WorkerModelHandle(worker);
  const weights = startOptions.weights;
  const transfer = weights !== null && weights.buffer instanceof ArrayBuffer ? [weights.buffer] : [];
  const start = handle.call({ op: "start", ...startOptions }, transfer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new WorkerModelError(
            `resnet-blocks worker did not start within ${startTimeoutMs} ms (options.startTimeoutMs): ` +
              "check that the worker's module calls serveModel() and that the backend's files load (the worker's console says more)",
          ),
        ),
      startTimeoutMs,
    );
  });
  try {
    const started = await Promise.race([start, timeout]);
    return handle.ready(started);
  } catch (error) {
    handle.stop(error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The worker and its calls in flight. */
class WorkerModelHandle implements WorkerModel {
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private closedReason: string | null = null;
  backend!: BackendReport;
  inputShape!: readonly [number, number, number];
  outputShape!: readonly number[];
  fused = false;

  constructor(private readonly worker: Worker) {
    worker.addEventListener("message", (event: MessageEvent) => this.settle(event.data));
    worker.addEventListener("error", (event: ErrorEvent) => {
      // A script that fails to load or throws outside a request: nothing more will answer.
      event.preventDefault();
      const where = event.filename ? ` (${event.filename}:${event.lineno})` : "";
      this.fail(new WorkerModelError(`resnet-blocks worker: ${event.message || "the worker script failed to load or threw"}${where}`));
    });
    worker.addEventListener("messageerror", () => this.fail(new WorkerModelError("resnet-blocks worker: a reply could not be deserialized")));
  }

  get disposed(): boolean {
    return this.closedReason !== null;
  }

  ready(started: WorkerModelReplyValues["start"]): WorkerModel {
    this.backend = started.backend;
    this.inputShape = started.inputShape;
    this.outputShape = started.outputShape;
    this.fused = started.fused;
    return this;
  }

  call<B extends WorkerModelRequestBody>(body: B, transfer: Transferable[] = []): Promise<WorkerModelReplyValues[B["op"]]> {
    if (this.closedReason !== null) return Promise.reject(new WorkerModelClosedError(this.closedReason));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.worker.postMessage({ ...body, protocol: PROTOCOL, id }, transfer);
      } catch (error) {
        this.pending.delete(id);
        reject(error);
      }
    });
  }

  predict(input: WorkerImage | readonly WorkerImage[]): Promise<WorkerOutput>;
  predict(input: Float32Array | ArrayBuffer, shape: WorkerBatchShape): Promise<WorkerOutput>;
  async predict(input: unknown, shape?: unknown): Promise<WorkerOutput> {
    if (this.closedReason !== null) throw new WorkerModelClosedError(this.closedReason);
    let wire: WireInput;
    let transfer: Transferable[];
    if (shape !== undefined || input instanceof Float32Array || input instanceof ArrayBuffer) {
      const checked = checkValuesInput(input, shape, this.inputShape);
      const values = input instanceof ArrayBuffer ? new Float32Array(input) : (input as Float32Array);
      wire = { kind: "values", values, shape: checked };
      transfer = values.buffer instanceof ArrayBuffer ? [values.buffer] : [];
    } else {
      const images = checkImagesInput(input, this.inputShape);
      wire = { kind: "images", images };
      transfer = images.map((image) => (image instanceof ImageData ? image.data.buffer : image) as Transferable);
      transfer = [...new Set(transfer)];
    }
    return this.call({ op: "run", input: wire }, transfer);
  }

  memory(): Promise<WorkerModelMemory> {
    return this.call({ op: "memory" });
  }

  dispose(): void {
    this.stop("the worker model was disposed (dispose() terminated its worker)");
  }

  /** Terminates the worker and rejects the calls in flight with `reason`. */
  stop(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.worker.terminate();
    const error = new WorkerModelClosedError(reason);
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  private fail(error: WorkerModelError): void {
    if (this.closedReason !== null) return;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(error);
    this.stop(`the worker failed and was stopped: ${error.message}`);
  }

  private settle(reply: unknown): void {
    if (typeof reply !== "object" || reply === null || (reply as WorkerModelReply).protocol !== PROTOCOL) return;
    const { id } = reply as WorkerModelReply;
    const call = this.pending.get(id);
    if (call === undefined) return;
    this.pending.delete(id);
    const settled = reply as WorkerModelReply;
    if (settled.ok) {
      call.resolve(settled.value);
    } else {
      const { name, message, stack } = settled.error;
      call.reject(new WorkerModelError(`resnet-blocks worker: ${name}: ${message}`, { remoteName: name, ...(stack ? { remoteStack: stack } : {}) }));
    }
  }
}

