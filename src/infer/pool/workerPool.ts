/**
 * The pool itself: starts the workers, queues the chunks of every request in arrival order,
 * hands each to the next idle worker, reassembles the outputs, replaces a worker that
 * crashes, and closes.
 *
 * @module
 */
import type { ImageShape } from "../../arch/types.js";
import type { WeightLayout } from "../../weights/layouts.js";
import { PoolClosedError, PoolWorkerError } from "./errors.js";
import { checkPredictArguments, type ResolvedPoolOptions } from "./options.js";
import { PoolWorkerHandle } from "./poolWorkerHandle.js";
import { splitBatch } from "./split.js";
import { sharedWeightBytes } from "./weightBytes.js";
import { workerScriptUrl } from "./workerScript.js";

/**
 * Shape of a batch: `[batch, height, width, channels]`.
 *
 * @example
 * ```ts
 * const shape: BatchShape = [8, 224, 224, 3];
 * await pool.predict(new Float32Array(8 * 224 * 224 * 3), shape);
 * ```
 */
export type BatchShape = readonly [batch: number, height: number, width: number, channels: number];

/**
 * `tf.memory()` of one worker, from {@link ResNetPool.memory}.
 *
 * @example
 * ```ts
 * const [first] = await pool.memory();
 * console.log(`${first.numTensors} tensors, ${(first.numBytes / 2 ** 20).toFixed(0)} MiB`);
 * ```
 */
export interface WorkerMemory {
  /** Tensors alive in the worker. */
  numTensors: number;
  /** Bytes they hold. */
  numBytes: number;
}

/**
 * A pool of worker threads that run one ResNet, each on its own WASM backend; made by
 * {@link createPool}.
 *
 * @example
 * ```ts
 * const pool: ResNetPool = await createPool({ model: { depth: 50 }, weights: "resnet50.safetensors" });
 * const [a, b] = await Promise.all([            // concurrent requests queue in arrival order
 *   pool.predict(batchA, [8, 224, 224, 3]),
 *   pool.predict(batchB, [1, 224, 224, 3]),
 * ]);
 * await pool.close();
 * ```
 */
export interface ResNetPool {
  /**
   * Runs a batch: `input` holds NHWC float32 values of `shape`. The batch is cut into
   * contiguous chunks, one per worker, queued behind the chunks of earlier requests; the
   * outputs come back in the input's order, `shape[0]` times {@link ResNetPool.outputShape}
   * values. `input` is copied, so the caller may reuse it at once.
   *
   * @throws RangeError or TypeError (synchronously) for a bad input or shape, naming the
   *   value and what is accepted; {@link PoolClosedError} (synchronously) after `close()`.
   *   The promise rejects with a {@link PoolWorkerError} when a worker fails on the request
   *   (with the worker's message) or stops while running it, and with a
   *   {@link PoolClosedError} when the pool closes first.
   */
  predict(input: Float32Array, shape: BatchShape): Promise<Float32Array>;
  /** Number of workers. */
  readonly workers: number;
  /** The model's input, `[height, width, channels]`. */
  readonly inputShape: ImageShape;
  /** The model's output per image, without the batch dimension (`[1000]` for a classifier). */
  readonly outputShape: readonly number[];
  /** `tf.memory()` of every worker, in worker order: to watch for leaks or memory growth. */
  memory(): Promise<WorkerMemory[]>;
  /**
   * Stops every worker and waits until they have exited. Requests not yet finished reject
   * with a {@link PoolClosedError}; `predict` throws one afterwards. Calling it again returns
   * the same promise.
   */
  close(): Promise<void>;
}

interface PendingRequest {
  /** Number of images. */
  readonly batch: number;
  /** Number of chunks. */
  readonly chunks: number;
  /** Chunks not yet done. */
  remaining: number;
  /** The outputs, allocated when the first of several chunks is done. */
  output: Float32Array | null;
  settled: boolean;
  resolve(output: Float32Array): void;
  reject(error: Error): void;
}

interface QueuedChunk {
  readonly request: PendingRequest;
  /** First image of the chunk in the request's batch. */
  readonly start: number;
  /** Images in the chunk. */
  readonly count: number;
  /** The chunk's input values (a copy; transferred to the worker). */
  readonly input: Float32Array;
}

/** The {@link ResNetPool} of `createPool`. */
export class WorkerPool implements ResNetPool {
  readonly workers: number;
  readonly inputShape: ImageShape;
  readonly outputShape: readonly number[];
  private readonly imageSize: number;
  private readonly outputSize: number;
  private readonly script = workerScriptUrl();
  private readonly slots: PoolWorkerHandle[];
  /** Workers started and ready (a replacement joins when its start succeeds). */
  private readonly inService = new Set<PoolWorkerHandle>();
  private readonly idle: PoolWorkerHandle[] = [];
  private queue: QueuedChunk[] = [];
  private readonly requests = new Set<PendingRequest>();
  /** The weights every worker loads (a replacement too), and their layout. */
  private weights: Uint8Array | null = null;
  private weightsLayout: WeightLayout = "native";
  private closing: Promise<void> | null = null;
  private closedReason: string | null = null;

  private constructor(private readonly options: ResolvedPoolOptions) {
    this.workers = options.workers;
    this.inputShape = options.inputShape;
    this.outputShape = options.outputShape;
    this.imageSize = options.inputShape.reduce((a, b) => a * b, 1);
    this.outputSize = options.outputShape.reduce((a, b) => a * b, 1);
    this.slots = Array.from({ length: options.workers }, (_, index) => this.spawn(index));
  }

  /** Starts the workers: each builds the model, then loads the shared weights. */
  static async start(options: ResolvedPoolOptions): Promise<WorkerPool> {
    // Read the weights before starting any thread, so that a bad path fails fast.
    const given = options.weights === null ? null : await sharedWeightBytes(options.weights);
    const pool = new WorkerPool(options);
    try {
      await pool.startWorkers(given);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  predict(input: Float32Array, shape: BatchShape): Promise<Float32Array> {
    if (this.closing) throw new PoolClosedError(`predict() after close(): ${this.closedMessage()}`);
    const batch = checkPredictArguments(input, shape, this.inputShape);
    const chunks = splitBatch(batch, this.workers, this.options.maxImagesPerChunk);
    return new Promise((resolve, reject) => {
      const request: PendingRequest = { batch, chunks: chunks.length, remaining: chunks.length, output: null, settled: false, resolve, reject };
      this.requests.add(request);
      for (const { start, count } of chunks) {
        const values = input.slice(start * this.imageSize, (start + count) * this.imageSize);
        this.queue.push({ request, start, count, input: values });
      }
      this.dispatch();
    });
  }

  memory(): Promise<WorkerMemory[]> {
    if (this.closing) throw new PoolClosedError(`memory() after close(): ${this.closedMessage()}`);
    return Promise.all(this.slots.map((worker) => worker.call({ op: "memory" })));
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    const error = new PoolClosedError(`the request did not finish: ${this.closedMessage()}`);
    for (const request of this.requests) this.settle(request, error);
    this.queue = [];
    this.idle.length = 0;
    this.closing = Promise.all(this.slots.map((worker) => worker.terminate())).then(() => undefined);
    return this.closing;
  }

  /** @internal The worker handles, in worker order (for tests). */
  get handles(): readonly PoolWorkerHandle[] {
    return this.slots;
  }

  private spawn(index: number): PoolWorkerHandle {
    const worker: PoolWorkerHandle = new PoolWorkerHandle(this.script, index, this.options.workers, (error) =>
      this.onCrash(worker, error),
    );
    return worker;
  }

  private async startWorkers(given: Uint8Array | null): Promise<void> {
    const { model, threadsPerWorker: threads } = this.options;
    await Promise.all(this.slots.map((worker) => worker.call({ op: "build", model, threads })));
    // Without weights, the first worker's initial weights (native layout) are shared with the others.
    this.weights = given ?? (await this.slots[0]!.call({ op: "export" })).weights;
    this.weightsLayout = given ? this.options.weightsLayout : "native";
    const layout = this.weightsLayout;
    await Promise.all(
      this.slots.map((worker, index) =>
        worker.call({ op: "prepare", weights: given === null && index === 0 ? null : this.weights, layout }),
      ),
    );
    for (const worker of this.slots) this.enterService(worker);
  }

  private enterService(worker: PoolWorkerHandle): void {
    this.inService.add(worker);
    this.becomeIdle(worker);
  }

  private becomeIdle(worker: PoolWorkerHandle): void {
    if (!worker.alive || this.closing) return;
    this.idle.push(worker);
    this.dispatch();
  }

  /** Hands queued chunks to idle workers, oldest first. */
  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      if (chunk.request.settled) continue;
      this.run(this.idle.shift()!, chunk);
    }
  }

  private run(worker: PoolWorkerHandle, chunk: QueuedChunk): void {
    const [height, width, channels] = this.inputShape;
    worker
      .call({ op: "run", input: chunk.input, shape: [chunk.count, height, width, channels] }, [chunk.input.buffer as ArrayBuffer])
      .then(
        ({ output }) => this.finishChunk(chunk, output, worker),
        (error: Error) => this.settle(chunk.request, error),
      )
      .finally(() => this.becomeIdle(worker));
  }

  private finishChunk(chunk: QueuedChunk, output: Float32Array, worker: PoolWorkerHandle): void {
    const request = chunk.request;
    if (request.settled) return;
    if (output.length !== chunk.count * this.outputSize) {
      const error = new PoolWorkerError(
        `${worker.label} returned ${output.length} values for ${chunk.count} images; expected ${chunk.count * this.outputSize}`,
        { worker: worker.index },
      );
      this.settle(request, error);
      return;
    }
    if (request.chunks === 1) {
      this.settle(request, output);
      return;
    }
    request.output ??= new Float32Array(request.batch * this.outputSize);
    request.output.set(output, chunk.start * this.outputSize);
    if (--request.remaining === 0) this.settle(request, request.output);
  }

  /** Resolves (with outputs) or rejects (with an error) a request once; drops its queued chunks. */
  private settle(request: PendingRequest, result: Float32Array | Error): void {
    if (request.settled) return;
    request.settled = true;
    this.requests.delete(request);
    if (result instanceof Error) {
      this.queue = this.queue.filter((chunk) => chunk.request !== request);
      request.reject(result);
    } else {
      request.resolve(result);
    }
  }

  /** A worker in service stopped: report it, and start a replacement (the request it ran was rejected already). */
  private onCrash(worker: PoolWorkerHandle, error: PoolWorkerError): void {
    if (this.closing || !this.inService.delete(worker)) return; // during a start, the start fails instead
    const index = this.slots.indexOf(worker);
    const idleAt = this.idle.indexOf(worker);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    process.emitWarning(`${error.message}; starting a replacement`, { type: "PoolWorkerWarning" });
    const fresh = this.spawn(index);
    this.slots[index] = fresh;
    const { model, threadsPerWorker: threads } = this.options;
    fresh
      .call({ op: "build", model, threads })
      .then(() => fresh.call({ op: "prepare", weights: this.weights, layout: this.weightsLayout }))
      .then(
        () => this.enterService(fresh),
        (startError: Error) => {
          if (this.closing) return;
          this.closedReason = `${error.message}, and its replacement failed to start: ${startError.message}`;
          void this.close();
        },
      );
  }

  private closedMessage(): string {
    const why = this.closedReason ? `it closed itself because ${this.closedReason}` : "close() was called";
    return `the pool is closed (${why}); create a new one with createPool()`;
  }
}
