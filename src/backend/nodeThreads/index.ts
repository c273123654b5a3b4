/**
 * Node only: the tfjs WASM backend with its own XNNPACK threads (tfjs-backend-wasm runs a
 * single thread in Node). Import it lazily from Node code paths: it imports `node:os`,
 * `node:fs` and `node:worker_threads`.
 *
 * @module
 */
export { startWasmWithThreads, type WasmThreads } from "./startWasmWithThreads.js";
export { MAX_WASM_THREADS, type WasmThreadsOptions } from "./options.js";
