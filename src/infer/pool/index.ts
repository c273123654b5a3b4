/**
 * `resnet-blocks/pool` (Node only): a ResNet on every core, as a pool of `worker_threads`
 * each running its own tfjs WASM backend, that splits batches, serves concurrent requests
 * and shuts down cleanly.
 *
 * @example
 * ```ts
 * import { createPool } from "resnet-blocks/pool";
 * const pool = await createPool({ workers: 2, model: { depth: 18, inputShape: [64, 64, 3], seed: 1 } });
 * const out = await pool.predict(new Float32Array(4 * 64 * 64 * 3), [4, 64, 64, 3]); // 4 x 1000 values
 * await pool.close();
 * ```
 *
 * @module
 */
export { createPool } from "./createPool.js";
export type { PoolOptions } from "./options.js";
export type { BatchShape, ResNetPool, WorkerMemory } from "./workerPool.js";
export { PoolClosedError, PoolWorkerError } from "./errors.js";
