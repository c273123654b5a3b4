/**
 * `createPool`: one ResNet on every core in Node.
 *
 * @module
 */
import { resolvePoolOptions, type PoolOptions } from "./options.js";
import { WorkerPool, type ResNetPool } from "./workerPool.js";

/**
 * Starts a pool of Node `worker_threads`, each with its own tfjs WASM backend and its own
 * copy of the model built by `resnet(options.model)`, all with the same weights, run through
 * `fuse(model)`. A batch is cut into contiguous chunks, one per worker; the chunks of
 * concurrent requests queue in arrival order (first come, first served); the outputs come
 * back in order. They equal `model.predict` on the WASM backend up to float32 rounding (the
 * fused batch norm; about 1e-6 of the largest output). Node only (the `resnet-blocks/pool`
 * entry).
 *
 * The weights are read once and shared by the workers through one `SharedArrayBuffer`.
 * Without `options.weights`, the first worker's initial weights (from `model.seed`, or
 * random) are shared with the others, so that every worker computes the same function.
 *
 * An idle pool does not keep the process alive; `close()` stops the workers. A worker that
 * crashes fails the request it was running (a {@link PoolWorkerError}), is reported with
 * `process.emitWarning` (type `PoolWorkerWarning`) and is replaced; if its replacement
 * cannot start, the pool closes itself and says why.
 *
 * @example
 * ```ts
 * import { createPool } from "resnet-blocks/pool";
 *
 * const pool = await createPool({ workers: 2, model: { depth: 50 }, weights: "resnet50.safetensors" });
 * const images = new Float32Array(8 * 224 * 224 * 3);      // NHWC, filled by your code
 * const probs = await pool.predict(images, [8, 224, 224, 3]); // 8 x 1000 values
 * await pool.close();
 * ```
 * @throws RangeError or TypeError (synchronously) for bad options, naming the option, the
 *   value and what is accepted (e.g. `RangeError: options.workers must be an integer >= 1; got 1.5`).
 *   The promise rejects if the weights cannot be read, or with a {@link PoolWorkerError}
 *   carrying a worker's message if a worker fails to start (e.g. a `WeightsError` for
 *   weights of another model).
 */
export function createPool(options: PoolOptions): Promise<ResNetPool> {
  const resolved = resolvePoolOptions(options);
  return WorkerPool.start(resolved);
}
